"""Pure rules of _kube (objects, capacity, waiter) and the quantities of _schema."""
from __future__ import annotations

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.capacity import (
    capacity_errors, fit_pods, node_pool, node_schedulable, pod_request, tolerates,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import COMPONENT, INSTANCE, INSTANCE_INDEX, stack_labels
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import parse_quantity
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import instance_index, stack_selector
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.waiter import (
    describe_pod, pod_problem, workload_ready,
)

NPU = "huawei.com/Ascend910"


def node(name, npus, labels=None, ready=True, unschedulable=False, taints=None):
    return {"metadata": {"name": name, "labels": labels or {}},
            "spec": {"unschedulable": unschedulable, "taints": taints or []},
            "status": {"allocatable": {NPU: str(npus)},
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def pod(name, node_name, npus, ns="other", labels=None, phase="Running"):
    return {"metadata": {"name": name, "namespace": ns, "labels": labels or {}},
            "spec": {"nodeName": node_name, "containers": [{"resources": {"requests": {NPU: str(npus)}}}]},
            "status": {"phase": phase}}


A3 = {"accelerator-type": "module-a3-16"}


@pytest.mark.parametrize("text,value", [("8", 8.0), ("500m", 0.5), ("64Gi", 64 * 2 ** 30), ("1k", 1000.0), (3, 3.0), (None, 0.0)])
def test_parse_quantity(text, value):
    assert parse_quantity(text) == value


def test_parse_quantity_rejects_garbage():
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity("eight")


def test_pod_request_counts_containers_and_largest_init():
    p = {"spec": {"containers": [{"resources": {"requests": {NPU: "2"}}}, {"resources": {"limits": {NPU: "1"}}}],
                  "initContainers": [{"resources": {"requests": {NPU: "4"}}}]}}
    assert pod_request(p, NPU) == 4.0
    p["spec"]["initContainers"] = []
    assert pod_request(p, NPU) == 3.0


def test_stack_selector_and_labels():
    assert stack_labels("job", "union")[COMPONENT] == "union"
    assert stack_selector("job") == (
        "app.kubernetes.io/instance=job,app.kubernetes.io/managed-by=pdserve,app.kubernetes.io/part-of=pdserve")


def test_node_pool_subtracts_other_pods_and_skips_unusable_nodes():
    nodes = [node("a", 16, A3), node("b", 16, A3, ready=False), node("c", 16, A3, unschedulable=True),
             node("d", 16, A3, taints=[{"key": "x", "effect": "NoSchedule"}]), node("e", 8, {"accelerator-type": "module-910b-8"})]
    pods = [pod("p1", "a", 6), pod("own", "a", 8, ns="job", labels={INSTANCE: "job"}),
            pod("done", "a", 10, phase="Succeeded")]
    free, skipped = node_pool(nodes, pods, A3, ignore_pod=lambda p: p["metadata"]["namespace"] == "job")
    assert free == {"a": 10.0}
    assert skipped == {"b": "not Ready", "c": "cordoned", "d": "tainted x:NoSchedule"}


REAL = {"key": "pdserve.io/real-node", "value": "true", "effect": "NoSchedule"}


@pytest.mark.parametrize("toleration,ok", [
    ({"key": "pdserve.io/real-node", "operator": "Exists", "effect": "NoSchedule"}, True),
    ({"key": "pdserve.io/real-node", "operator": "Equal", "value": "true", "effect": "NoSchedule"}, True),
    ({"key": "pdserve.io/real-node", "value": "true"}, True),            # Equal by default, any effect
    ({"operator": "Exists"}, True),                                      # empty key + Exists: everything
    ({"key": "pdserve.io/real-node", "operator": "Equal", "value": "false", "effect": "NoSchedule"}, False),
    ({"key": "pdserve.io/real-node", "operator": "Exists", "effect": "NoExecute"}, False),
    ({"key": "other", "operator": "Exists"}, False),
    ({"operator": "Equal", "value": "true"}, False),                     # empty key needs Exists
])
def test_tolerates_follows_the_schedulers_rule(toleration, ok):
    assert tolerates(toleration, REAL) is ok
    assert node_schedulable(node("r", 16, taints=[REAL]), [toleration])[0] is ok


def test_a_tainted_node_counts_only_for_pods_that_tolerate_every_taint():
    tol = [{"key": "pdserve.io/real-node", "operator": "Exists", "effect": "NoSchedule"}]
    real = node("real-node-1", 16, dict(A3, **{"pdserve.io/real-node": "true"}), taints=[REAL])
    both = node("both", 16, A3, taints=[REAL, {"key": "gpu", "effect": "NoExecute"}])
    groups = [{"name": "decode", "selector": A3, "npus_per_pod": 2, "pods": 1}]
    (error,) = capacity_errors([real, both], [], groups)
    assert "no schedulable node matches" in error and "real-node-1 (tainted pdserve.io/real-node:NoSchedule)" in error
    assert capacity_errors([real, both], [], [dict(groups[0], tolerations=tol)]) == []
    free, skipped = node_pool([real, both], [], A3, tolerations=tol)
    assert free == {"real-node-1": 16.0} and skipped == {"both": "tainted gpu:NoExecute"}


def test_capacity_fits():
    nodes = [node("a3-1", 16, A3), node("a3-2", 16, A3)]
    groups = [{"name": "union", "selector": A3, "npus_per_pod": 8, "pods": 4}]
    assert capacity_errors(nodes, [], groups) == []


def test_capacity_pod_larger_than_any_node_names_the_pool():
    nodes = [node("a3-1", 16, A3)]
    groups = [{"name": "union", "selector": A3, "npus_per_pod": 17, "pods": 1}]
    errors = capacity_errors(nodes, [], groups)
    assert len(errors) == 2
    assert "node pool accelerator-type=module-a3-16" in errors[0]
    assert "a union pod needs 17 huawei.com/Ascend910 but the most any of its 1 nodes has free is 16" in errors[0]


def test_capacity_total_too_small():
    nodes = [node("a3-1", 16, A3), node("a3-2", 16, A3)]
    groups = [{"name": "union", "selector": A3, "npus_per_pod": 8, "pods": 5}]
    (error,) = capacity_errors(nodes, [], groups)
    assert "the stack needs 40" in error and "have 32 free" in error


def test_capacity_fragmentation_is_found_by_packing():
    # 12 + 12 free, three pods of 8: total 24 fits, but only one 8 per node fits.
    nodes = [node("a3-1", 16, A3), node("a3-2", 16, A3)]
    pods = [pod("x", "a3-1", 4), pod("y", "a3-2", 4)]
    groups = [{"name": "union", "selector": A3, "npus_per_pod": 8, "pods": 3}]
    (error,) = capacity_errors(nodes, pods, groups)
    assert "1 pod(s) of 8 find no node with room left" in error


def test_capacity_no_matching_node():
    (error,) = capacity_errors([node("a2-1", 8, {"accelerator-type": "module-910b-8"})], [],
                               [{"name": "union", "selector": A3, "npus_per_pod": 2, "pods": 1}])
    assert error == "node pool accelerator-type=module-a3-16: no schedulable node matches"


def test_fit_pods():
    assert fit_pods({"a": 16, "b": 8}, [8, 8, 8]) == []
    assert fit_pods({"a": 16, "b": 8}, [8, 8, 8, 1]) == [1]


def test_workload_ready_deployment():
    dep = {"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 2},
           "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2}}
    assert workload_ready(dep) == (True, "2/2 pods ready")
    dep["status"]["readyReplicas"] = 1
    assert workload_ready(dep) == (False, "1/2 pods ready")
    dep["status"]["observedGeneration"] = 1
    assert workload_ready(dep)[1] == "controller has not seen generation 2 yet"
    dep["status"].update(observedGeneration=2, replicas=3, readyReplicas=2)
    assert workload_ready(dep) == (False, "1 old pods still terminating")


def test_workload_ready_iss_uses_ready_condition():
    iss = {"kind": "InferServiceSet", "metadata": {"generation": 1},
           "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "False", "message": "union 0/2"}]}}
    assert workload_ready(iss) == (False, "union 0/2")
    iss["status"]["conditions"][0].update(status="True", message="all")
    assert workload_ready(iss) == (True, "all")


def _pod_status(**status):
    return {"metadata": {"name": "p"}, "spec": {"nodeName": "n"}, "status": status}


def test_pod_problem_kinds():
    assert pod_problem(_pod_status(conditions=[{"type": "Ready", "status": "True"}])) == (None, "")
    unsched = _pod_status(phase="Pending", conditions=[{"type": "PodScheduled", "status": "False",
                                                        "message": "0/8 nodes are available: 8 Insufficient huawei.com/Ascend910."}])
    assert pod_problem(unsched) == ("Unschedulable", "0/8 nodes are available: 8 Insufficient huawei.com/Ascend910.")
    pull = _pod_status(phase="Pending", containerStatuses=[{"name": "engine", "image": "bad:1",
                                                           "state": {"waiting": {"reason": "ImagePullBackOff", "message": "not found"}}}])
    assert pod_problem(pull)[0] == "ImagePull" and "bad:1" in pod_problem(pull)[1]
    crash = _pod_status(phase="Running", containerStatuses=[{
        "name": "engine", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}])
    assert pod_problem(crash) == ("CrashLoop", "container engine restarted 4 times; last exit 137 (OOMKilled)")
    probe = _pod_status(phase="Running", containerStatuses=[{"name": "engine", "ready": False, "state": {"running": {}}}])
    assert pod_problem(probe)[0] == "NotReady"
    gone = {"metadata": {"name": "p", "deletionTimestamp": "x"}, "status": {}}
    assert pod_problem(gone)[0] == "Terminating"


def test_describe_pod_with_events_and_log_tail():
    crash = _pod_status(phase="Running", containerStatuses=[{"name": "engine", "restartCount": 2,
                                                            "state": {"waiting": {"reason": "CrashLoopBackOff"}}}])
    events = [{"type": "Warning", "reason": "BackOff", "message": "Back-off restarting", "count": 5},
              {"type": "Warning", "reason": "BackOff", "message": "Back-off restarting", "count": 5},
              {"type": "Normal", "reason": "Pulled", "message": "ok"}]
    lines = describe_pod(crash, events, "line1\nline2\n")
    assert lines[0].startswith("pod p (node n): CrashLoop: container engine restarted 2 times")
    assert lines[1] == "  event BackOff: Back-off restarting (x5)"
    assert lines[2:] == ["  last log lines:", "    line1", "    line2"]
    assert describe_pod(_pod_status(conditions=[{"type": "Ready", "status": "True"}])) == []


def test_instance_index():
    assert instance_index({"metadata": {"labels": {INSTANCE_INDEX: "3"}}}) == 3
    assert instance_index({"metadata": {"labels": {}}}) is None
