"""The sandbox's add-ons are the real upstream programs: Kthena's controller turns a ModelServing
into gang-scheduled pods and a PodGroup, and Volcano binds a gang all at once or not at all (the
default scheduler would bind whatever fits). tools/run-tests starts its sandbox with
PDSERVE_SANDBOX_ADDONS=volcano,kthena."""
from __future__ import annotations

import json
import time

from kubernetes import client

from conftest import kubectl, wait_until

NPU = "huawei.com/Ascend910"


def _model_serving(name, namespace, selector, prefill_npus, decode_npus):
    npus_of = {"prefill": prefill_npus, "decode": decode_npus}

    def role(role_name):
        npus = npus_of[role_name]
        return {"name": role_name, "replicas": 1, "workerReplicas": 0, "entryTemplate": {"spec": {
            "nodeSelector": selector,
            "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists"}],
            "containers": [{"name": role_name, "image": "fake", "resources": {"limits": {NPU: str(npus)}}}]}}}
    return {"apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelServing",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"schedulerName": "volcano", "replicas": 1,
                     "template": {"roles": [role("prefill"), role("decode")]}}}


def _pods(core, namespace, name):
    return [p for p in core.list_namespaced_pod(namespace).items
            if (p.metadata.labels or {}).get("modelserving.volcano.sh/name") == name]


def test_kthena_and_volcano_schedule_a_model_serving_as_one_gang(api, namespace, a3_pool):
    selector, nodes = a3_pool  # two simulated A3 nodes, 16 NPUs each
    core = client.CoreV1Api(api)
    # Fits: prefill takes a whole node, decode half of the other; 8 NPUs stay free.
    kubectl("apply", "-f", "-", stdin=json.dumps(_model_serving("fits", namespace, selector, 16, 8)))
    bound = wait_until(lambda: (lambda ps: ps if len(ps) == 2 and all(p.spec.node_name for p in ps) else None)(
        _pods(core, namespace, "fits")), timeout=60)
    assert sorted(p.spec.node_name for p in bound) == sorted(nodes)
    assert {p.metadata.labels["modelserving.volcano.sh/role"] for p in bound} == {"prefill", "decode"}
    assert all(p.spec.scheduler_name == "volcano" for p in bound)
    groups = kubectl("get", "podgroups.scheduling.volcano.sh", "-n", namespace, "-o", "json")
    assert [g["spec"]["minMember"] for g in json.loads(groups)["items"]] == [2]
    # 8 + 8 NPUs: one of the two pods fits in the 8 left (a pod-by-pod scheduler would bind it),
    # the gang does not; Volcano binds neither until the first gang is gone, then both.
    kubectl("apply", "-f", "-", stdin=json.dumps(_model_serving("waits", namespace, selector, 8, 8)))
    wait_until(lambda: len(_pods(core, namespace, "waits")) == 2, timeout=60)
    time.sleep(5)
    assert not [p.metadata.name for p in _pods(core, namespace, "waits") if p.spec.node_name]
    kubectl("delete", "modelservings.workload.serving.volcano.sh", "fits", "-n", namespace, "--wait=true")
    later = wait_until(lambda: (lambda ps: ps if len(ps) == 2 and all(p.spec.node_name for p in ps) else None)(
        _pods(core, namespace, "waits")), timeout=90)
    assert {p.spec.node_name for p in later} <= set(nodes)
