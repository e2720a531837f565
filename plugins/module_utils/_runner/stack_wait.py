# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.stack_wait module (private: not a public API).

Wait until a stack is Ready; on timeout say why, pod by pod.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import stack_selector
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.waiter import describe_pod, pod_problem, pod_ready, workload_ready
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import kube_argument_spec
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import (
    auth_argument_spec, Reader, TransientError, poll)

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "InferServiceSet", "ModelServing")


def snapshot(reader, namespace, selector):
    workloads = []
    for kind in WORKLOAD_KINDS:
        for obj in reader.list(kind, namespace, label_selector=selector):
            ok, why = workload_ready(obj)
            workloads.append({"kind": kind, "name": obj["metadata"]["name"], "ready": ok, "reason": why})
    pods = reader.list("Pod", namespace, label_selector=selector)
    return workloads, pods


def is_ready(workloads, pods, expected):
    ready_pods = [p for p in pods if pod_ready(p)]
    terminating = [p for p in pods if (p.get("metadata") or {}).get("deletionTimestamp")]
    return all(w["ready"] for w in workloads) and len(ready_pods) >= expected and not terminating and (
        bool(workloads) or expected == 0)


def diagnose(reader, namespace, workloads, pods, expected, log_lines):
    lines = []
    ready = [p for p in pods if pod_ready(p)]
    if len(ready) < expected:
        lines.append("%d of %d expected pods are Ready (%d exist)" % (len(ready), expected, len(pods)))
    for w in workloads:
        if not w["ready"]:
            lines.append("%s %s: %s" % (w["kind"], w["name"], w["reason"]))
    events = reader.list("Event", namespace)
    by_object = {}
    for ev in events:
        inv = ev.get("involvedObject") or {}
        by_object.setdefault((inv.get("kind"), inv.get("name")), []).append(ev)
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        kind, _ = pod_problem(pod)
        if kind is None:
            continue
        tail = None
        if kind == "CrashLoop":
            for cs in (pod.get("status") or {}).get("containerStatuses") or []:
                if ((cs.get("state") or {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff":
                    tail = reader.log(namespace, pod["metadata"]["name"], cs["name"], previous=True,
                                      tail_lines=log_lines)
                    break
        lines += describe_pod(pod, by_object.get(("Pod", pod["metadata"]["name"])), tail)
    # Controllers that could not make their pods (quota, Pod Security, bad template) say so in events.
    for (kind, name), evs in sorted(by_object.items()):
        if kind in ("ReplicaSet", "Deployment", "StatefulSet", "InferServiceSet"):
            for ev in evs:
                if ev.get("type") == "Warning":
                    lines.append("%s %s: %s: %s" % (kind, name, ev.get("reason"), (ev.get("message") or "").strip()))
    return lines


def ARGUMENT_SPEC():
    return kube_argument_spec(
        auth_argument_spec(),
        expected_pods=dict(type="int", default=0),
        wait_timeout=dict(type="int", default=600),
        wait_sleep=dict(type="float", default=1.0),
        log_lines=dict(type="int", default=20),
    )


def execute(params, check_mode=False):
    p = params
    if check_mode:
        return dict(changed=False, ready=False, elapsed=0.0, workloads=[], pods=[], diagnosis=[], api_errors=[],
                    msg="check mode: nothing to wait for")
    selector = stack_selector(p["job_id"] or p["namespace"])
    state = {"workloads": [], "pods": [], "outages": []}
    try:
        reader = Reader.from_params(p, connect_budget=float(p["wait_timeout"]))
        # Each read retries for a few seconds; beyond that, an unreachable API server (restarting,
        # throttling) is one more poll that is not Ready yet, until the wait timeout.
        reader.retry_budget = min(10.0, float(p["wait_timeout"]))

        def check():
            try:
                state["workloads"], state["pods"] = snapshot(reader, p["namespace"], selector)
            except TransientError as exc:
                state["outages"].append(str(exc))
                return False
            return is_ready(state["workloads"], state["pods"], p["expected_pods"])

        ready, elapsed = poll(check, p["wait_timeout"], p["wait_sleep"])
        pods = [{
            "name": pod["metadata"]["name"],
            "node": (pod.get("spec") or {}).get("nodeName"),
            "ready": pod_ready(pod),
            "problem": " ".join(x for x in pod_problem(pod) if x),
        } for pod in state["pods"]]
        result = dict(changed=False, ready=bool(ready), elapsed=round(elapsed, 2), workloads=state["workloads"],
                      pods=pods, diagnosis=[], api_errors=state["outages"])
        if ready:
            return result
        try:
            result["diagnosis"] = diagnose(reader, p["namespace"], state["workloads"], state["pods"],
                                           p["expected_pods"], p["log_lines"])
        except TransientError as exc:
            result["diagnosis"] = ["cannot diagnose: %s" % exc]
        if state["outages"]:
            result["diagnosis"].append("the API server was unreachable %d time(s); last: %s"
                                       % (len(state["outages"]), state["outages"][-1]))
    except Exception as exc:
        return dict(failed=True, changed=False, api_errors=state["outages"],
                    msg="could not read stack %s: %s" % (p["namespace"], exc))
    result["failed"] = True
    result["msg"] = "stack %s not Ready after %ss:\n%s" % (
        p["namespace"], p["wait_timeout"], "\n".join(result["diagnosis"]) or "no workload found")
    return result
