# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Kubernetes knowledge shared by the pdserve modules (private: not a public API).

Pure functions over API objects as plain dicts: the labels every object of a stack carries,
one readiness predicate per kind, node capacity against what a stack asks for, and why a pod
is not Ready, in words. The modules fetch the objects; this file decides what they mean.
"""
from __future__ import annotations

import json
import re

MANAGED_BY = "app.kubernetes.io/managed-by"
PART_OF = "app.kubernetes.io/part-of"
INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"
INSTANCE_INDEX = "pdserve.io/instance-index"
MANAGER = "pdserve"
NPU_RESOURCE = "huawei.com/Ascend910"


def stack_labels(job_id, component=None):
    """The labels every object of the stack ``job_id`` carries."""
    labels = {MANAGED_BY: MANAGER, PART_OF: MANAGER, INSTANCE: job_id}
    if component:
        labels[COMPONENT] = component
    return labels


def stack_selector(job_id, component=None):
    """Label selector (string form) for the objects of a stack, or of one of its components."""
    return ",".join("%s=%s" % kv for kv in sorted(stack_labels(job_id, component).items()))


# ----------------------------------------------------------------------------------- quantities
_SUFFIX = {
    "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
    "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")


def parse_quantity(value):
    """A Kubernetes resource quantity ("8", "500m", "64Gi") as a float."""
    if value is None:
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    match = _QUANTITY.match(str(value).strip())
    if not match:
        raise ValueError("not a Kubernetes quantity: %r" % (value,))
    return float(match.group(1)) * _SUFFIX[match.group(2) or ""]


def pod_request(pod, resource):
    """What a pod (or pod template spec holder) requests of ``resource``: the larger of the sum
    over its containers and the largest init container, as the scheduler counts it."""
    spec = pod.get("spec") or {}

    def req(container):
        res = container.get("resources") or {}
        return parse_quantity((res.get("requests") or {}).get(resource, (res.get("limits") or {}).get(resource)))

    main = sum(req(c) for c in spec.get("containers") or [])
    init = max([req(c) for c in spec.get("initContainers") or []] or [0.0])
    return max(main, init)


# ---------------------------------------------------------------------------------------- nodes
def _condition(obj, ctype):
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return {}


def tolerates(toleration, taint):
    """Whether one pod ``toleration`` tolerates a node ``taint`` (the scheduler's rule: an empty
    key with Exists matches every key; an empty effect matches every effect; Equal compares the
    values, a missing value being "")."""
    if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
        return False
    op = toleration.get("operator") or "Equal"
    if not toleration.get("key"):
        return op == "Exists"
    if toleration.get("key") != taint.get("key"):
        return False
    if op == "Exists":
        return True
    return (toleration.get("value") or "") == (taint.get("value") or "")


def node_schedulable(node, tolerations=None):
    """(bool, reason) whether the scheduler may place new pods with ``tolerations`` on ``node``."""
    if (node.get("spec") or {}).get("unschedulable"):
        return False, "cordoned"
    if _condition(node, "Ready").get("status") != "True":
        return False, "not Ready"
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and \
                not any(tolerates(t, taint) for t in tolerations or []):
            return False, "tainted %s:%s" % (taint.get("key"), taint.get("effect"))
    return True, ""


def selector_text(selector):
    return ",".join("%s=%s" % kv for kv in sorted((selector or {}).items())) or "<all nodes>"


def node_pool(nodes, pods, selector, resource=NPU_RESOURCE, ignore_pod=None, tolerations=None):
    """Free ``resource`` per node matching ``selector`` where pods with ``tolerations`` schedule.

    ``pods`` are the cluster's pods; the requests of those bound to a node and not finished
    are subtracted, except pods for which ``ignore_pod(pod)`` is true (the stack's own pods,
    which a redeploy replaces). Returns ``(free, skipped)``: ``free`` maps node name to free
    amount, ``skipped`` maps matching but unusable node names to the reason.
    """
    selector = selector or {}
    used = {}
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName")
        phase = (pod.get("status") or {}).get("phase")
        if not node or phase in ("Succeeded", "Failed") or (ignore_pod and ignore_pod(pod)):
            continue
        used[node] = used.get(node, 0.0) + pod_request(pod, resource)
    free, skipped = {}, {}
    for node in nodes:
        meta = node.get("metadata") or {}
        labels = meta.get("labels") or {}
        if any(labels.get(k) != v for k, v in selector.items()):
            continue
        ok, why = node_schedulable(node, tolerations)
        if not ok:
            skipped[meta["name"]] = why
            continue
        alloc = parse_quantity(((node.get("status") or {}).get("allocatable") or {}).get(resource))
        free[meta["name"]] = alloc - used.get(meta["name"], 0.0)
    return free, skipped


def fit_pods(free, demands):
    """Place pod demands on nodes first-fit-decreasing. Returns the demands that do not fit."""
    left = dict(free)
    unplaced = []
    for need in sorted(demands, reverse=True):
        for name in sorted(left, key=lambda n: (left[n], n)):
            if left[name] >= need:
                left[name] -= need
                break
        else:
            unplaced.append(need)
    return unplaced


def capacity_errors(nodes, pods, groups, resource=NPU_RESOURCE, ignore_pod=None):
    """Whether the pods a stack asks for fit on the cluster, in words.

    ``groups`` is a list of ``{"name", "selector", "npus_per_pod", "pods"}`` (and optionally
    ``"tolerations"``): the pods of one role with their node selector and tolerations. Roles
    sharing both share that pool. Every problem is returned, each naming the node pool.
    """
    errors = []
    by_pool = {}
    for group in groups:
        key = (tuple(sorted((group.get("selector") or {}).items())),
               json.dumps(group.get("tolerations") or [], sort_keys=True))
        by_pool.setdefault(key, []).append(group)
    for key, members in sorted(by_pool.items()):
        selector = dict(key[0])
        pool = "node pool %s" % selector_text(selector)
        free, skipped = node_pool(nodes, pods, selector, resource, ignore_pod, json.loads(key[1]))
        skipped_txt = "" if not skipped else "; not usable: " + ", ".join(
            "%s (%s)" % kv for kv in sorted(skipped.items()))
        if not free:
            errors.append("%s: no schedulable node matches%s" % (pool, skipped_txt))
            continue
        largest = max(free.values())
        total = sum(free.values())
        demands = []
        for group in members:
            need = float(group["npus_per_pod"])
            demands += [need] * int(group["pods"])
            if need > largest:
                errors.append(
                    "%s: a %s pod needs %g %s but the most any of its %d nodes has free is %g%s"
                    % (pool, group["name"], need, resource, len(free), largest, skipped_txt))
        asked = sum(demands)
        if asked > total:
            errors.append("%s: the stack needs %g %s in all but its %d nodes have %g free%s"
                          % (pool, asked, resource, len(free), total, skipped_txt))
        elif not errors or not errors[-1].startswith(pool):
            unplaced = fit_pods(free, [d for d in demands if d > 0])
            if unplaced:
                errors.append("%s: %d pod(s) of %s find no node with room left (free per node: %s)"
                              % (pool, len(unplaced), "/".join("%g" % u for u in sorted(set(unplaced))),
                                 ", ".join("%s=%g" % kv for kv in sorted(free.items()))))
    return errors


# ------------------------------------------------------------------------------------ readiness
def workload_ready(obj):
    """(bool, reason) for a Deployment, StatefulSet or InferServiceSet."""
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


def instance_index(obj):
    """The instance index of an instance workload (label), or None."""
    value = ((obj.get("metadata") or {}).get("labels") or {}).get(INSTANCE_INDEX)
    return int(value) if value is not None and str(value).isdigit() else None
