# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The MindIE Motor global ranktable from pods: allocations, device IPs, completeness."""
from __future__ import annotations

import json

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _motor as mo
from ansible_collections.pdserve.cluster.plugins.module_utils._motor import ranktable as mr
from ansible_collections.pdserve.cluster.plugins.module_utils import _ranktable as rt

BASE = {"image": "mindie:2.0.RC1", "model_name": "llama3-8b", "model_weight_path": "/data/LLaMA3-8B",
        "p_instances": 1, "d_instances": 1, "world_size": 2, "job_id": "motor"}


def derived(**changes):
    model = dict(BASE, **changes)
    return mo.render(model)["derived"]


def pod(name, component, host="127.0.2.11", ip="10.0.0.1", node="a2-node-1", devices=None, phase="Running",
        sdid=False, plain=None, deleting=False):
    annotations = {}
    if devices is not None:
        annotations[mr.CONFIG_ANNOTATION] = json.dumps({
            "pod_name": name, "server_id": host, "super_pod_id": 0,
            "devices": [dict({"device_id": str(d), "device_ip": "192.168.%s.%d" % (host.split(".")[-1], d)},
                             **({"super_device_id": str(100 + d)} if sdid else {})) for d in devices]})
    if plain is not None:
        annotations[mr.ALLOC_ANNOTATION] = plain
    meta = {"name": name, "labels": {"app.kubernetes.io/component": component}, "annotations": annotations}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": meta, "spec": {"nodeName": node},
            "status": {"phase": phase, "podIP": ip if phase == "Running" else None, "hostIP": host}}


def multi_pods():
    return [pod("ctl", "controller", ip="10.0.0.2"), pod("coord", "coordinator", ip="10.0.0.3"),
            pod("srv-b", "server", host="127.0.2.12", ip="10.0.0.5", node="a2-node-2", devices=[2, 3]),
            pod("srv-a", "server", host="127.0.2.11", ip="10.0.0.4", devices=[0, 1])]


def test_pod_allocation_reads_the_device_plugin_configuration_annotation():
    alloc = mr.pod_allocation(pod("p", "server", devices=[4, 5], sdid=True))
    assert alloc["device_ids"] == [4, 5]
    assert alloc["devices"]["4"] == {"ip": "192.168.11.4", "super_device_id": "104"}
    assert alloc["server_id"] == "127.0.2.11"


def test_pod_allocation_falls_back_to_the_chip_list_and_refuses_garbage():
    assert mr.pod_allocation(pod("p", "server", plain="Ascend910-6,Ascend910-7"))["device_ids"] == [6, 7]
    assert mr.pod_allocation(pod("p", "server")) is None
    with pytest.raises(ValueError, match="Ascend910-x"):
        mr.pod_allocation(pod("p", "server", plain="Ascend910-x"))
    bad = pod("p", "server")
    bad["metadata"]["annotations"][mr.CONFIG_ANNOTATION] = "{not json"
    with pytest.raises(ValueError, match="device plugin"):
        mr.pod_allocation(bad)


def test_multi_machine_table_is_completed_valid_and_in_pod_name_order():
    out = mr.table_from_pods(multi_pods(), derived())
    assert out["complete"] and out["pending"] == []
    doc = out["ranktable"]
    assert rt.validate(doc, rt.MINDIE_MOTOR) == []
    assert doc["status"] == "completed"
    groups = {g["group_id"]: g for g in doc["server_group_list"]}
    assert [s["server_ip"] for s in groups["2"]["server_list"]] == ["10.0.0.4", "10.0.0.5"]
    assert groups["0"]["server_list"] == [{"server_id": "127.0.2.11", "server_ip": "10.0.0.3"}]
    assert groups["1"]["server_list"][0]["server_ip"] == "10.0.0.2"
    assert out["text"] == rt.dumps(doc)


def test_device_ips_variable_wins_over_the_annotation_per_node_name_or_host_ip():
    ips = {"a2-node-1": {"devices": [{"id": 0, "ip": "29.1.1.1"}]}, "127.0.2.12": {"2": "29.2.2.2"}}
    doc = mr.table_from_pods(multi_pods(), derived(), ips)["ranktable"]
    devices = [d["device_ip"] for g in doc["server_group_list"] if g["group_id"] == "2"
               for s in g["server_list"] for d in s["device"]]
    # node 1 device 0 and node 2 device 2 from the variable, the others from the device plugin
    assert devices == ["29.1.1.1", "192.168.11.1", "29.2.2.2", "192.168.12.3"]


def test_a_device_without_any_ip_is_an_error_naming_it():
    pods = multi_pods()
    pods[3] = pod("srv-a", "server", ip="10.0.0.4", plain="Ascend910-0,Ascend910-1")
    with pytest.raises(rt.RanktableError) as err:
        mr.table_from_pods(pods, derived())
    assert any("device has no IP" in e for e in err.value.errors)


@pytest.mark.parametrize("change, reason", [
    (lambda p: p.pop(), "server: 1 pod(s), want 2"),
    (lambda p: p.__setitem__(3, pod("srv-a", "server", phase="Pending", devices=[0, 1])), "not Running"),
    (lambda p: p.__setitem__(3, pod("srv-a", "server", ip="10.0.0.4")), "no NPU allocation"),
    (lambda p: p.__setitem__(3, pod("srv-a", "server", ip="10.0.0.4", devices=[0])), "allocated 1 NPU(s), the pod asks for 2"),
    (lambda p: p.append(pod("srv-c", "server", ip="10.0.0.9", devices=[4, 5])), "server: 3 pod(s), want 2"),
])
def test_incomplete_pods_give_the_initializing_table_and_say_why(change, reason):
    pods = multi_pods()
    change(pods)
    out = mr.table_from_pods(pods, derived())
    assert not out["complete"] and out["ranktable"] is None
    assert any(reason in p for p in out["pending"]), out["pending"]
    assert json.loads(out["text"])["status"] == "initializing"
    assert rt.validate(json.loads(out["text"]), rt.MINDIE_MOTOR) == []


def test_terminating_pods_are_left_out():
    pods = multi_pods() + [pod("srv-old", "server", ip="10.0.0.8", devices=[6, 7], deleting=True)]
    assert mr.table_from_pods(pods, derived())["complete"]


def test_single_container_a3_one_pod_gives_every_kind_and_one_server_per_process():
    d = derived(deploy_shape="single_container", hardware_type="800I_A3", p_instances=1, d_instances=1)
    pods = [pod("one", "single-container", host="127.0.3.11", ip="10.0.1.1", node="a3-node-1",
                devices=[4, 5, 6, 7], sdid=True)]
    doc = mr.table_from_pods(pods, d)["ranktable"]
    assert rt.validate(doc, rt.MINDIE_MOTOR, hardware_type="800I_A3") == []
    groups = {g["group_id"]: g for g in doc["server_group_list"]}
    servers = groups["2"]["server_list"]
    assert [[x["device_id"] for x in s["device"]] for s in servers] == [["4", "5"], ["6", "7"]]
    assert [[x["rank_id"] for x in s["device"]] for s in servers] == [["0", "1"], ["2", "3"]]
    assert [s["predict_port"] for s in servers] == [str(p["port"]) for p in d["ports"]["servers"]]
    assert servers[0]["device"][0]["super_device_id"] == "104"
    assert groups["2"]["super_pod_list"] == [{"super_pod_id": "0", "server_list": [{"server_id": "127.0.3.11"}]}]
    assert groups["0"]["server_list"][0]["server_ip"] == groups["1"]["server_list"][0]["server_ip"] == "10.0.1.1"


def test_heterogeneous_servers_carry_the_hardware_type_of_their_deployment():
    d = derived(deploy_shape="heterogeneous", heterogeneous={"prefill_label": "a2-32g", "decode_label": "a2-64g"})
    pods = multi_pods()
    pods[2]["metadata"]["labels"]["app.kubernetes.io/component"] = "server-heterogeneous"
    doc = mr.table_from_pods(pods, d)["ranktable"]
    assert rt.validate(doc, rt.MINDIE_MOTOR) == []
    servers = [s for g in doc["server_group_list"] if g["group_id"] == "2" for s in g["server_list"]]
    assert [s["hardware_type"] for s in servers] == ["800I A2(32G)", "800I A2(64G)"]


def test_initializing_text_is_a_valid_empty_table():
    doc = json.loads(mr.initializing_text(derived()))
    assert doc["status"] == "initializing"
    assert [g["server_count"] for g in doc["server_group_list"]] == ["0", "0", "0"]
