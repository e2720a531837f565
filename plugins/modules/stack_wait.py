#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Wait until a stack is Ready; on timeout say why, pod by pod."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_wait
short_description: Wait until every workload and pod of a pdserve stack is Ready, or diagnose why not
version_added: 0.1.0
description:
  - Polls the workloads (Deployments, StatefulSets, InferServiceSets) and pods that carry the
    stack's labels until all are Ready and the expected number of pods is Ready.
  - On timeout it fails with a diagnosis per pod instead of a bare timeout, such as an
    unschedulable pod with the scheduler's reason (missing NPUs, a node selector no node
    matches), an image that cannot be pulled, a crash loop with the last log lines of the
    previous container, and the warning events of the pod and of its controllers.
  - An API server that refuses connections or answers 429 / 5xx is asked again with backoff; a
    longer outage counts as a poll that is not Ready yet, so a restarting API server does not end
    the wait before O(wait_timeout). Errors name the API server and the object.
  - Never writes. In check mode it returns at once, since a dry run created nothing to wait for.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  namespace:
    description: Namespace of the stack.
    type: str
    required: true
  job_id:
    description: The stack's C(app.kubernetes.io/instance) label value. Defaults to O(namespace).
    type: str
  expected_pods:
    description: Number of Ready pods the stack must have. C(0) only waits for the workloads.
    type: int
    default: 0
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
  wait_sleep:
    description: Seconds between two polls.
    type: float
    default: 1.0
  log_lines:
    description: Log lines shown per crash-looping container in the diagnosis.
    type: int
    default: 20
attributes:
  check_mode:
    support: full
    description: The module only reads; in check mode it does the same.
  diff_mode:
    support: none
    description: Nothing in the cluster is changed, so there is nothing to diff.
"""

EXAMPLES = r"""
- name: Wait for the hybrid stack
  pdserve.cluster.stack_wait:
    namespace: mindie-motor
    expected_pods: 6
    wait_timeout: 900
"""

RETURN = r"""
ready:
  description: Whether the stack became Ready in time.
  returned: always
  type: bool
elapsed:
  description: Seconds waited.
  returned: always
  type: float
workloads:
  description: Each workload with its readiness and the reason.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "Deployment", "name": "controller", "ready": true, "reason": "1/1 pods ready"}]
pods:
  description: Each pod with its node, readiness and problem if any.
  returned: always
  type: list
  elements: dict
diagnosis:
  description: Lines explaining why the stack is not Ready (empty when it is).
  returned: always
  type: list
  elements: str
api_errors:
  description:
    - Polls that found the API server unreachable or answering 429 / 5xx after a few seconds of
      retries, each naming the API server and the object. The wait goes on through them until
      O(wait_timeout).
  returned: always
  type: list
  elements: str
"""


from ansible_collections.pdserve.cluster.plugins.module_utils._module import run_module
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import stack_selector
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.waiter import describe_pod, pod_problem, pod_ready, workload_ready
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import (
    Reader, TransientError, auth_argument_spec, poll)

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "InferServiceSet")


def argument_spec():
    spec = auth_argument_spec()
    spec.update(
        namespace=dict(type="str", required=True),
        job_id=dict(type="str"),
        expected_pods=dict(type="int", default=0),
        wait_timeout=dict(type="int", default=600),
        wait_sleep=dict(type="float", default=1.0),
        log_lines=dict(type="int", default=20),
    )
    return spec


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
    return dict(argument_spec=argument_spec())


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


def main():
    run_module(ARGUMENT_SPEC(), execute)


if __name__ == "__main__":
    main()
