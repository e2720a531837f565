# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Readiness, one predicate per kind, and why a pod is not Ready, in words (private: not a
public API). The modules fetch the objects; this file decides what they mean."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import condition as _condition


# ------------------------------------------------------------------------------------ readiness


def workload_ready(obj):
    """(bool, reason) for a Deployment, StatefulSet, InferServiceSet or Kthena ModelServing."""
    kind = obj.get("kind")
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    if meta.get("generation") is not None and status.get("observedGeneration", 0) < meta["generation"]:
        return False, "controller has not seen generation %s yet" % meta["generation"]
    want = spec.get("replicas", 1)
    if kind in ("Deployment", "StatefulSet"):
        ready = status.get("readyReplicas", 0) or 0
        updated = status.get("updatedReplicas", 0) or 0
        total = status.get("replicas", 0) or 0
        if updated < want:
            return False, "%d/%d pods updated" % (updated, want)
        if total > want:
            return False, "%d old pods still terminating" % (total - want)
        if ready < want:
            return False, "%d/%d pods ready" % (ready, want)
        return True, "%d/%d pods ready" % (ready, want)
    if kind == "ModelServing":
        # Kthena's controller counts the serving groups whose every pod is Ready
        available = status.get("availableReplicas", 0) or 0
        if available < want:
            return False, "%d/%d serving groups ready" % (available, want)
        return True, "%d/%d serving groups ready" % (available, want)
    if kind == "InferServiceSet":
        cond = _condition(obj, "Ready")
        if cond.get("status") != "True":
            return False, cond.get("message") or "not Ready"
        return True, cond.get("message") or "Ready"
    return True, "exists"


def pod_ready(pod):
    return _condition(pod, "Ready").get("status") == "True" and not (pod.get("metadata") or {}).get("deletionTimestamp")


# ------------------------------------------------------------------------------------ diagnosis


def pod_problem(pod):
    """Classify why ``pod`` is not Ready: (kind, detail). kind is one of Pending, Unschedulable,
    ImagePull, CrashLoop, Failed, Terminating, NotReady, or None when it is Ready."""
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    if meta.get("deletionTimestamp"):
        return "Terminating", "being deleted"
    if pod_ready(pod):
        return None, ""
    sched = _condition(pod, "PodScheduled")
    if sched.get("status") == "False":
        return "Unschedulable", sched.get("message") or sched.get("reason") or "not scheduled"
    statuses = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    for cs in statuses:
        waiting = (cs.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason") or ""
        if reason in ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"):
            return "ImagePull", "container %s: %s: image %s: %s" % (
                cs.get("name"), reason, cs.get("image"), waiting.get("message") or "cannot pull")
        if reason == "CrashLoopBackOff":
            last = ((cs.get("lastState") or {}).get("terminated")) or {}
            return "CrashLoop", "container %s restarted %s times; last exit %s (%s)" % (
                cs.get("name"), cs.get("restartCount", 0), last.get("exitCode", "?"), last.get("reason") or "Error")
        if reason in ("CreateContainerConfigError", "CreateContainerError", "RunContainerError"):
            return "Failed", "container %s: %s: %s" % (cs.get("name"), reason, waiting.get("message") or "")
    if status.get("phase") == "Failed":
        return "Failed", status.get("message") or status.get("reason") or "pod failed"
    if status.get("phase") == "Pending":
        return "Pending", status.get("reason") or "waiting to start"
    not_ready = [cs.get("name") for cs in status.get("containerStatuses") or [] if not cs.get("ready")]
    if not_ready:
        return "NotReady", "containers not ready (readiness probe failing?): %s" % ", ".join(not_ready)
    return "NotReady", "not Ready"


def describe_pod(pod, events=None, log_tail=None):
    """Lines saying why a pod is not Ready, for a person: the problem, recent warning events
    and, for a crash loop, the last log lines."""
    meta = pod.get("metadata") or {}
    node = (pod.get("spec") or {}).get("nodeName") or "-"
    kind, detail = pod_problem(pod)
    if kind is None:
        return []
    lines = ["pod %s (node %s): %s: %s" % (meta.get("name"), node, kind, detail)]
    seen = set()
    for ev in sorted(events or [], key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or ""):
        if ev.get("type") != "Warning":
            continue
        text = "%s: %s" % (ev.get("reason"), (ev.get("message") or "").strip())
        if text not in seen:
            seen.add(text)
            lines.append("  event %s (x%s)" % (text, ev.get("count") or 1))
    if log_tail:
        lines.append("  last log lines:")
        lines += ["    " + line for line in log_tail.rstrip("\n").splitlines()[-20:]]
    return lines
