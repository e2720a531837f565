"""Filters between the validated config, the templates and the API."""
from __future__ import annotations

import yaml

from ansible_collections.pdserve.cluster.plugins.filter import stack

DERIVED = {
    "mode": "pd_hybrid",
    "node_selector": {"accelerator-type": "module-a3-16"},
    "roles": {
        "controller": {"instances": 1, "pods_per_instance": 1, "npus_per_pod": 0, "total_npus": 0},
        "coordinator": {"instances": 2, "pods_per_instance": 1, "npus_per_pod": 0, "total_npus": 0},
        "union": {"instances": 3, "pods_per_instance": 2, "npus_per_pod": 8, "total_npus": 48,
                  "node_selector": {"accelerator-type": "module-a3-16", "hw": "x"}},
    },
}


def test_capacity_groups_only_roles_with_accelerators():
    assert stack.capacity_groups(DERIVED) == [
        {"name": "union", "selector": {"accelerator-type": "module-a3-16", "hw": "x"}, "npus_per_pod": 8, "pods": 6,
         "tolerations": []}]
    assert stack.capacity_groups(DERIVED, roles=["controller"]) == []


def test_capacity_groups_carry_the_engine_pods_extra_selector_and_tolerations():
    # pdserve_node_selector.engine / pdserve_tolerations.engine, as the pod contract adds them
    tol = [{"key": "pdserve.io/real-node", "operator": "Exists", "effect": "NoSchedule"}]
    (group,) = stack.capacity_groups(DERIVED, engine_scheduling={
        "node_selector": {"pdserve.io/real-node": "true"}, "tolerations": tol})
    assert group["selector"] == {"accelerator-type": "module-a3-16", "hw": "x", "pdserve.io/real-node": "true"}
    assert group["tolerations"] == tol
    (single,) = stack.capacity_groups(dict(DERIVED, mode="single_container"), engine_scheduling={
        "node_selector": {"pdserve.io/real-node": "true"}, "tolerations": tol})
    assert single["selector"] == {"accelerator-type": "module-a3-16", "pdserve.io/real-node": "true"}
    assert single["tolerations"] == tol


def test_capacity_groups_single_container_is_one_pod_with_every_card():
    single = dict(DERIVED, mode="single_container")
    assert stack.capacity_groups(single) == [
        {"name": "single-container", "selector": {"accelerator-type": "module-a3-16"}, "npus_per_pod": 48, "pods": 1,
         "tolerations": []}]


def test_expected_pods():
    assert stack.expected_pods(DERIVED) == 1 + 2 + 6
    assert stack.expected_pods(DERIVED, ["union"]) == 6
    assert stack.expected_pods(dict(DERIVED, mode="single_container")) == 1


def obj(kind, name, ns="job", stack_name="pd_hybrid", index=None, owned=False, api="apps/v1"):
    return {"kind": kind, "apiVersion": api, "name": name, "namespace": ns, "stack": stack_name,
            "instance_index": index, "owned": owned}


def test_stale_objects_highest_instance_first_and_never_namespace_owned_or_foreign():
    found = [obj("Deployment", "union-%d" % i, index=i) for i in range(4)] + [
        obj("Deployment", "controller"), obj("Namespace", "job", ns=None, api="v1"),
        obj("Deployment", "job-0-union-0", owned=True), obj("Secret", "tls", stack_name=None, api="v1"),
        obj("Service", "old-svc", api="v1")]
    rendered = [{"kind": "Deployment", "metadata": {"name": n, "namespace": "job"}}
                for n in ("controller", "union-0", "union-1")]
    stale = stack.stale_objects(found, rendered, "pd_hybrid")
    assert [o["metadata"]["name"] for o in stale] == ["union-3", "union-2", "old-svc"]
    assert stale[0] == {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "union-3", "namespace": "job"}}


def test_uninstall_objects_keeps_secrets_and_foreign_objects_unless_purge():
    found = [obj("ConfigMap", "motor-config", api="v1"), obj("Deployment", "union-0", index=0),
             obj("Secret", "tls", stack_name=None, api="v1"), obj("ConfigMap", "pdserve-cert-tools", stack_name=None, api="v1"),
             obj("ClusterRole", "pdserve-job-node-reader", ns=None, api="rbac.authorization.k8s.io/v1"),
             obj("Namespace", "job", ns=None, api="v1")]
    names = [o["metadata"]["name"] for o in stack.uninstall_objects(found)]
    assert names == ["union-0", "motor-config", "pdserve-job-node-reader"]
    purge = [o["metadata"]["name"] for o in stack.uninstall_objects(found, True)]
    assert purge == ["union-0", "motor-config", "pdserve-cert-tools", "pdserve-job-node-reader", "tls"]
    assert "namespace" not in stack.uninstall_objects(found)[-1]["metadata"]


def test_to_manifests_round_trips_and_uses_block_scalars():
    objs = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"boot.sh": "#!/bin/bash\necho hi\n"}},
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}]
    text = stack.to_manifests(objs)
    assert text.startswith("---\n")
    assert "boot.sh: |" in text
    assert list(yaml.safe_load_all(text)) == objs


def test_status_table():
    info = {"namespace_exists": True, "endpoint": {"url": "http://127.0.0.1:31015", "service": "infer", "node_port": 31015, "port": 1025},
            "roles": [{"role": "union", "ready": 1, "desired": 2, "pods_per_instance": 1, "pods": [
                {"name": "u-0", "instance": 0, "phase": "Running", "ready": True, "node": "a3-node-1", "ip": "10.0.0.1", "restarts": 0, "problem": ""},
                {"name": "u-1", "instance": 1, "phase": "Pending", "ready": False, "node": None, "ip": None, "restarts": 0,
                 "problem": "Unschedulable 0/8 nodes"}]}]}
    lines = stack.status_table(info, "job")
    assert lines[0] == "union: 1/2 instances ready (1 pod(s) per instance)"
    assert "a3-node-1" in lines[2] and "yes" in lines[2]
    assert lines[3].rstrip().endswith("Unschedulable 0/8 nodes")
    assert lines[-1] == "coordinator endpoint: http://127.0.0.1:31015 (service infer, NodePort 31015 -> 1025)"
    assert stack.status_table({"namespace_exists": False}, "job") == ["namespace job does not exist: no stack deployed there"]


# The MindIE Motor model reaches the same filters through _motor.stack_view.
def _motor_view(**changes):
    from ansible_collections.pdserve.cluster.plugins.module_utils import _motor
    base = {"image": "m:1", "model_name": "llama3-8b", "model_weight_path": "/w", "p_instances": 2,
            "d_instances": 1, "world_size": 2}
    base.update(changes)
    return _motor.stack_view(_motor.render(base)["derived"])


def test_motor_multi_machine_capacity_and_expected_pods():
    view = _motor_view()
    assert stack.capacity_groups(view) == [{
        "name": "server", "selector": {"accelerator": "huawei-Ascend910", "accelerator-type": "module-910b-8"},
        "npus_per_pod": 2, "pods": 3, "tolerations": []}]
    assert stack.expected_pods(view) == 1 + 1 + 3


def test_motor_heterogeneous_capacity_per_label():
    view = _motor_view(deploy_shape="heterogeneous", heterogeneous={"prefill_label": "p32", "decode_label": "d64"})
    groups = stack.capacity_groups(view)
    assert [(g["name"], g["selector"]["hardware-type"], g["pods"]) for g in groups] == [
        ("server", "p32", 2), ("server_heterogeneous", "d64", 1)]
    assert stack.expected_pods(view) == 5


def test_motor_single_container_is_one_pod_with_every_card():
    view = _motor_view(deploy_shape="single_container", hardware_type="800I_A3")
    assert stack.capacity_groups(view) == [{
        "name": "single-container", "selector": {"accelerator": "huawei-Ascend910", "accelerator-type": "module-a3-16"},
        "npus_per_pod": 6, "pods": 1, "tolerations": []}]
    assert stack.expected_pods(view) == 1
