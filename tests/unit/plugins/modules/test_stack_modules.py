"""The pure parts of stack_info, stack_wait, stack_logs and the read client (their API use is
exercised against the real sandbox by tests/sandbox and the molecule scenarios)."""
from __future__ import annotations

import os

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import COMPONENT, INSTANCE, INSTANCE_INDEX, MANAGED_BY
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import Reader, poll
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_info, stack_logs, stack_wait

LAB = {MANAGED_BY: "pdserve", INSTANCE: "job"}


def pod(name, comp, index, ready=True, node="a3-node-1", restarts=0, containers=("engine",)):
    labels = dict(LAB, **{COMPONENT: comp, INSTANCE_INDEX: str(index)})
    return {"metadata": {"name": name, "labels": labels},
            "spec": {"nodeName": node, "containers": [{"name": c} for c in containers]},
            "status": {"phase": "Running", "hostIP": "127.0.3.11", "podIP": "10.244.0.%d" % index,
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "containerStatuses": [{"name": c, "restartCount": restarts} for c in containers]}}


def test_summarise_roles_from_an_inferserviceset():
    iss = {"kind": "InferServiceSet", "spec": {"replicas": 1, "template": {"roles": [
        {"name": "controller", "replicas": 1, "spec": {"replicas": 1}},
        {"name": "union", "replicas": 3, "spec": {"replicas": 2}}]}}}
    pods = [pod("c", "controller", 0)]
    pods += [pod("u%d%d" % (i, j), "union", i, ready=(i, j) != (2, 1)) for i in range(3) for j in range(2)]
    for p in pods:  # ISS pods carry the operator's index label instead of ours
        p["metadata"]["labels"]["infer.huawei.com/instanceset-index"] = p["metadata"]["labels"].pop(INSTANCE_INDEX)
    table = {r["role"]: r for r in stack_info.summarise_roles([iss], pods)}
    assert table["union"]["desired"] == 3 and table["union"]["ready"] == 2
    assert table["union"]["pods_per_instance"] == 2
    assert [p["instance"] for p in table["union"]["pods"]] == [0, 0, 1, 1, 2, 2]
    assert table["controller"]["ready"] == 1


def test_summarise_roles_from_deployments_and_endpoint():
    deps = [{"kind": "Deployment", "metadata": {"name": "union-%d" % i, "labels": dict(LAB, **{COMPONENT: "union"})},
             "spec": {"replicas": 1}} for i in range(2)]
    pods = [pod("u0", "union", 0), pod("co", "coordinator", 0)]
    table = {r["role"]: r for r in stack_info.summarise_roles(deps, pods)}
    assert table["union"]["desired"] == 2 and table["union"]["ready"] == 1
    svc = {"kind": "Service", "metadata": {"name": "coordinator-infer"},
           "spec": {"type": "NodePort", "ports": [{"port": 1025, "nodePort": 31015}]}}
    ep = stack_info.find_endpoint([svc], [], pods)
    assert ep == {"service": "coordinator-infer", "host": "127.0.3.11", "node_port": 31015, "port": 1025,
                  "url": "http://127.0.3.11:31015"}
    assert stack_info.find_endpoint([], [], pods) == {}


def test_stack_wait_is_ready():
    w_ok = [{"kind": "Deployment", "name": "a", "ready": True, "reason": ""}]
    assert stack_wait.is_ready(w_ok, [pod("a", "union", 0)], 1)
    assert not stack_wait.is_ready(w_ok, [pod("a", "union", 0, ready=False)], 1)
    assert not stack_wait.is_ready(w_ok, [pod("a", "union", 0)], 2)
    assert not stack_wait.is_ready([], [], 1)
    gone = pod("b", "union", 1)
    gone["metadata"]["deletionTimestamp"] = "now"
    assert not stack_wait.is_ready(w_ok, [pod("a", "union", 0), gone], 1)


def test_stack_logs_plan_names_files_like_show_log():
    p1 = pod("engine-0", "union", 0, restarts=2)
    p2 = pod("sidecar-pod", "union", 1, restarts=0, containers=("a", "b"), node=None)
    p2["spec"]["nodeName"] = None
    files = stack_logs.plan([p2, p1], "/tmp/x/20260101_000000")
    paths = [os.path.basename(f["path"]) for f in files]
    assert paths == ["engine-0_a3-node-1_2.log", "engine-0_a3-node-1_2.previous.log",
                     "sidecar-pod_unscheduled_0_a.log", "sidecar-pod_unscheduled_0_b.log"]
    assert files[1]["previous"] is True


def test_reader_paths():
    r = Reader(None)
    assert r.path("Pod", "ns") == "/api/v1/namespaces/ns/pods"
    assert r.path("Pod") == "/api/v1/pods"
    assert r.path("Deployment", "ns", "d") == "/apis/apps/v1/namespaces/ns/deployments/d"
    assert r.path("Node", name="n") == "/api/v1/nodes/n"
    with pytest.raises(ValueError):
        r.path("Pod", None, "p")


def test_poll_returns_on_success_or_timeout():
    t = {"now": 0.0}
    calls = []

    def clock():
        return t["now"]

    def sleep(s):
        t["now"] += s

    def check():
        calls.append(t["now"])
        return len(calls) == 3

    value, elapsed = poll(check, 10, 1.0, clock, sleep)
    # pauses of 0.2 s, then 1.5 times longer: checks at 0, 0.2 and 0.5 s
    assert value is True and calls == pytest.approx([0.0, 0.2, 0.5]) and elapsed == pytest.approx(0.5)
    calls.clear()
    value, elapsed = poll(lambda: calls.append(1) and False, 2.5, 1.0, clock, sleep)
    assert value is None and elapsed == pytest.approx(2.5)


def test_poll_pauses_grow_to_the_interval_and_stop_at_the_timeout():
    t = {"now": 0.0}
    pauses = []

    def sleep(s):
        pauses.append(s)
        t["now"] += s

    value, elapsed = poll(lambda: False, 5, 1.0, lambda: t["now"], sleep)
    assert value is False and elapsed == pytest.approx(5.0)
    assert pauses[:5] == pytest.approx([0.2, 0.3, 0.45, 0.675, 1.0]) and max(pauses) == 1.0


def test_preflight_node_port_held_elsewhere():
    from ansible_collections.pdserve.cluster.plugins.module_utils._runner import cluster_preflight

    def svc(ns, name, port, instance=None):
        labels = {"app.kubernetes.io/instance": instance} if instance else {}
        return {"metadata": {"namespace": ns, "name": name, "labels": labels},
                "spec": {"ports": [{"port": 1025, "nodePort": port}]}}

    services = [svc("other", "coordinator-infer", 31015, "other"), svc("mine", "coordinator-infer", 31016, "mine"),
                svc("mine", "stray", 31017)]
    wanted = [{"port": 31015, "field": "coordinator"}, {"port": 31016, "field": ""}, {"port": 31017, "field": ""},
              {"port": 31018, "field": ""}]
    errors = cluster_preflight.node_port_errors(services, wanted, "mine", "mine")
    assert len(errors) == 2
    assert errors[0].startswith("NodePort 31015 (coordinator) is already allocated to Service other/coordinator-infer")
    assert errors[1].startswith("NodePort 31017 is already allocated to Service mine/stray")
    assert cluster_preflight.node_port_errors([], wanted, "mine", "mine") == []
