# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The Dynamo-on-RoleBasedGroup configuration family (module_utils/_dynamo/)."""
from __future__ import annotations

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _dynamo
from ansible_collections.pdserve.cluster.plugins.module_utils._dynamo import rbg
from ansible_collections.pdserve.cluster.plugins.module_utils._family import stack_result_problems
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import dynamo_config as runner

IMAGE = "registry.example.com/dynamo:0.3"


def errors_of(config):
    result = _dynamo.validate(config)
    return {e.path: e.rule for e in result.errors}


def test_defaults_are_the_documents_2p1d_example():
    result = _dynamo.validate({"image": IMAGE})
    assert result.ok, result.messages
    derived = result.derived
    assert stack_result_problems(derived) == []
    roles = derived["roles"]
    # the document: 1 processor, 2 prefill and 1 decode workers of 2 nvidia.com/gpu each
    assert (roles["processor"]["instances"], roles["processor"]["npus_per_pod"]) == (1, 0)
    assert (roles["prefill"]["instances"], roles["prefill"]["npus_per_pod"]) == (2, 2)
    assert (roles["decode"]["instances"], roles["decode"]["npus_per_pod"]) == (1, 2)
    assert derived["hardware"]["npu_resource"] == "nvidia.com/gpu"
    assert set(roles) == {"processor", "prefill", "decode", "etcd", "nats"}
    doc = result.dynamo_config
    assert doc["Common"]["model"] == "/models/Qwen3-32B/"
    assert doc["Common"]["router"] == "round-robin"
    assert doc["Frontend"] == {"served_model_name": "qwen", "endpoint": "dynamo.Processor.chat/completions",
                               "port": 8000}
    assert doc["VllmWorker"]["remote-prefill"] is True
    assert doc["PrefillWorker"]["tensor-parallel-size"] == 2
    assert derived["endpoints"] == {"etcd": "http://etcd.dynamo.svc:2379", "nats": "nats://nats.dynamo.svc:4222"}


def test_given_endpoints_replace_our_etcd_and_nats():
    result = _dynamo.validate({"image": IMAGE, "etcd": {"deploy": False, "endpoints": ["http://10.0.0.5:2379"]},
                               "nats": {"deploy": False, "url": "nats://10.0.0.6:4222"}})
    assert result.ok, result.messages
    assert result.derived["endpoints"] == {"etcd": "http://10.0.0.5:2379", "nats": "nats://10.0.0.6:4222"}
    assert "etcd" not in result.derived["roles"] and "nats" not in result.derived["roles"]


def test_every_error_at_once():
    errors = errors_of({
        "prefill": {"gpus": 3},
        "ports": {"api": 8000},
        "dynamo_config": {"Processor": {"common-configs": ["model", "nope"]}},
        "etcd": {"deploy": False, "endpoints": ["etcd:2379"]},
        "nats": {"deploy": False},
    })
    # a schema error (image missing) stops before the cross-field rules
    assert list(errors) == ["image"]
    errors = errors_of({
        "image": IMAGE,
        "prefill": {"gpus": 3},
        "ports": {"api": 8000},
        "dynamo_config": {"Processor": {"common-configs": ["model", "nope"]}},
        "etcd": {"deploy": False, "endpoints": ["etcd:2379"]},
        "nats": {"deploy": False},
    })
    assert "must equal tensor_parallel_size x workers" in errors["prefill.gpus"]
    assert "already used by ports.http" in errors["ports.api"]
    assert "Dynamo would drop it silently" in errors["dynamo_config.Processor.common-configs[1]"]
    assert errors["etcd.endpoints[0]"] == "must be http(s)://host:port"
    assert "nats://host:port" in errors["nats.url"]


def test_common_configs_key_set_in_the_section_itself_is_fine():
    # the document's PrefillWorker lists gpu-memory-utilization, which it sets itself
    assert _dynamo.validate({"image": IMAGE}).ok
    errors = errors_of({"image": IMAGE, "dynamo_config": {"PrefillWorker": {"common-configs": ["block-size", "x"]}}})
    assert list(errors) == ["dynamo_config.PrefillWorker.common-configs[1]"]


@pytest.mark.parametrize("override,path", [
    ({"dynamo_config": {"VllmWorker": {"tensor-parallel-size": 4}}}, "dynamo_config.VllmWorker.tensor-parallel-size"),
    ({"dynamo_config": {"VllmWorker": {"ServiceArgs": {"resources": {"gpu": 1}}}}},
     "dynamo_config.VllmWorker.ServiceArgs.resources.gpu"),
    ({"decode": {"tensor_parallel_size": 4}}, "decode.gpus"),
    ({"dynamo_config": {"Frontend": {"port": 9000}}}, "dynamo_config.Frontend.port"),
    ({"model": {"source": "host_path"}}, "model.host_path"),
    ({"model": {"source": "host_path", "host_path": "/etc/models"}}, "model.host_path"),
    ({"model": {"source": "pv"}}, "model.storage_class"),
    ({"model": {"source": "pv", "csi": {"driver": "ossplugin.csi.alibabacloud.com"}}}, "model.csi.volume_handle"),
    ({"model": {"path": "/usr/models"}}, "model.path"),
    ({"etcd": {"peer_port": 2379}}, "etcd.peer_port"),
    ({"nats": {"monitor_port": 4222}}, "nats.monitor_port"),
    ({"service": {"node_port": 31000}}, "service.node_port"),
    ({"prefill": {"replicas": 65}}, "prefill.replicas"),
    ({"router": "kv-cache"}, "router"),
    ({"processor": {"node_selector": {"bad key!": "x"}}}, "processor.node_selector.bad key!"),
    ({"rbg_version": "v1beta1"}, "rbg_version"),
])
def test_rules(override, path):
    config = dict({"image": IMAGE}, **override)
    assert path in errors_of(config), errors_of(config)


def test_a_model_on_a_storage_class_or_a_host_path():
    assert _dynamo.validate({"image": IMAGE, "model": {"source": "pv", "storage_class": "nas"}}).ok
    assert _dynamo.validate({"image": IMAGE, "model": {"source": "host_path", "host_path": "/mnt/models"}}).ok
    assert _dynamo.validate({"image": IMAGE, "model": {"source": "pv", "csi": {
        "driver": "ossplugin.csi.alibabacloud.com", "volume_handle": "llm-model"}}}).ok


def test_gpu_product_selects_the_workers_nodes():
    derived = _dynamo.validate({"image": IMAGE, "gpu_product": "NVIDIA-A10"}).derived
    assert derived["roles"]["prefill"]["node_selector"] == {"nvidia.com/gpu.product": "NVIDIA-A10"}
    assert derived["roles"]["processor"]["node_selector"] == {}


def test_scale_guard_allows_only_the_worker_counts():
    base = _dynamo.validate({"image": IMAGE}).config
    errors, diffs = _dynamo.scale_guard(base, _dynamo.validate({"image": IMAGE, "prefill": {"replicas": 3}}).config,
                                        _dynamo.SCALE_FIELDS)
    assert errors == [] and diffs == [{"path": "prefill.replicas", "old": 2, "new": 3, "allowed": True}]
    errors, _ = _dynamo.scale_guard(base, _dynamo.validate({"image": IMAGE, "prefill": {"replicas": 3},
                                                            "router": "kv"}).config, _dynamo.SCALE_FIELDS)
    assert [e.path for e in errors] == ["router"]


def test_rbg_version_from_discovery():
    assert rbg.pick_version(["v1alpha1", "v1alpha2"]) == "v1alpha2"
    assert rbg.pick_version(["v1alpha1"]) == "v1alpha1"
    assert rbg.pick_version(["v1"]) is None
    assert rbg.workload_name("dynamo-pd", "prefill") == "dynamo-pd-prefill"
    assert len(rbg.workload_name("x" * 60, "prefill")) == 63


def test_role_shapes():
    template = {"spec": {"containers": []}}
    old = rbg.role_object("v1alpha1", "prefill", 2, template, ["processor"], {"a": "b"})
    assert old == {"name": "prefill", "replicas": 2, "labels": {"a": "b"}, "dependencies": ["processor"],
                   "workload": {"apiVersion": "apps/v1", "kind": "StatefulSet"}, "template": template}
    new = rbg.role_object("v1alpha2", "prefill", 2, template, ["processor"], {"a": "b"})
    assert new["standalonePattern"] == {"template": template}
    assert new["annotations"] == {"rbg.workloads.x-k8s.io/role-workload-type": "apps/v1/StatefulSet"}
    assert "workload" not in new and "template" not in new


def test_runner_picks_the_version_and_guards_the_scale():
    out = runner.execute({"config": {"image": IMAGE}, "served_versions": ["v1alpha1"], "baseline": None,
                          "allowed_changes": list(_dynamo.SCALE_FIELDS)})
    assert not out.get("failed") and out["rbg_version"] == "v1alpha1"
    out = runner.execute({"config": {"image": IMAGE}, "served_versions": [], "baseline": None,
                          "allowed_changes": []})
    assert out["failed"] and "install RoleBasedGroup" in out["msg"]
    out = runner.execute({"config": {"image": IMAGE, "prefill": {"replicas": 1}, "router": "kv"},
                          "served_versions": ["v1alpha2"], "baseline": {"image": IMAGE},
                          "allowed_changes": list(_dynamo.SCALE_FIELDS)})
    assert out["failed"] and [e["path"] for e in out["error_details"]] == ["router"]
    assert {d["path"]: d["allowed"] for d in out["differences"]} == {"prefill.replicas": True, "router": False}


# ------------------------------------------------------------------------------------- render
from ansible_collections.pdserve.cluster.plugins.filter.dynamo import (  # noqa: E402
    dynamo_frontend_service,
    dynamo_rolebasedgroup,
)

LABELS = {"app.kubernetes.io/managed-by": "pdserve", "app.kubernetes.io/part-of": "pdserve",
          "app.kubernetes.io/instance": "dynamo", "pdserve.io/stack": "dynamo_rbg"}


def stack_config(config, version="v1alpha2"):
    result = _dynamo.validate(config)
    assert result.ok, result.messages
    return {"input": result.config, "derived": result.derived, "dynamo_config": result.dynamo_config,
            "rbg_version": version}


def test_rolebasedgroup_is_the_documents_example():
    obj = dynamo_rolebasedgroup(stack_config({"image": IMAGE}), LABELS, {"service_account": "sa"})
    assert obj["apiVersion"] == "workloads.x-k8s.io/v1alpha2" and obj["kind"] == "RoleBasedGroup"
    assert obj["metadata"]["name"] == "dynamo-pd"
    roles = {r["name"]: r for r in obj["spec"]["roles"]}
    assert [r["name"] for r in obj["spec"]["roles"]] == ["processor", "prefill", "decode"]
    assert roles["prefill"]["dependencies"] == ["processor"] and "dependencies" not in roles["processor"]
    decode = roles["decode"]["standalonePattern"]["template"]["spec"]["containers"][0]
    # the document's decode command, 2 GPUs, the etcd / NATS of our Services
    assert decode["command"][2].endswith(
        "dynamo serve components.worker:VllmWorker -f ./configs/qwen3.yaml --service-name VllmWorker")
    assert decode["resources"]["limits"]["nvidia.com/gpu"] == "2"
    env = {e["name"]: e["value"] for e in decode["env"]}
    assert env["ETCD_ENDPOINTS"] == "http://etcd.dynamo.svc:2379"
    assert env["NATS_SERVER"] == "nats://nats.dynamo.svc:4222"
    assert env["DYNAMO_RP_TIMEOUT"] == "60"
    assert {m["mountPath"] for m in decode["volumeMounts"]} == {
        "/models/Qwen3-32B/", "/workspace/examples/llm/configs/qwen3.yaml"}
    processor = roles["processor"]["standalonePattern"]["template"]["spec"]
    assert [p["containerPort"] for p in processor["containers"][0]["ports"]] == [8000, 9345, 443, 9347]
    assert processor["containers"][0]["readinessProbe"]["tcpSocket"] == {"port": 8000}
    assert "nvidia.com/gpu" not in processor["containers"][0]["resources"]["limits"]
    assert processor["initContainers"][0]["name"] == "wait-for-etcd-nats"
    assert processor["volumes"][0] == {"name": "model", "persistentVolumeClaim": {"claimName": "llm-model",
                                                                                  "readOnly": True}}


def test_rolebasedgroup_v1alpha1_and_given_endpoints():
    config = {"image": IMAGE, "etcd": {"deploy": False, "endpoints": ["http://10.1.1.1:2379"]},
              "nats": {"deploy": False, "url": "nats://10.1.1.2:4222"},
              "model": {"source": "host_path", "host_path": "/mnt/models"}}
    obj = dynamo_rolebasedgroup(stack_config(config, "v1alpha1"), LABELS)
    role = obj["spec"]["roles"][1]
    assert obj["apiVersion"] == "workloads.x-k8s.io/v1alpha1"
    assert role["workload"] == {"apiVersion": "apps/v1", "kind": "StatefulSet"}
    env = {e["name"]: e["value"] for e in role["template"]["spec"]["containers"][0]["env"]}
    assert env["ETCD_ENDPOINTS"] == "http://10.1.1.1:2379" and env["NATS_SERVER"] == "nats://10.1.1.2:4222"
    assert role["template"]["spec"]["volumes"][0]["hostPath"] == {"path": "/mnt/models", "type": "Directory"}


def test_frontend_service_selects_the_processor():
    svc = dynamo_frontend_service(stack_config({"image": IMAGE, "service": {"type": "NodePort", "node_port": 31800}}),
                                  LABELS)
    assert svc["metadata"]["name"] == "dynamo-service"
    assert svc["spec"]["ports"] == [{"name": "http", "port": 8000, "targetPort": 8000, "protocol": "TCP",
                                     "nodePort": 31800}]
    assert svc["spec"]["selector"] == {"app.kubernetes.io/instance": "dynamo", "app.kubernetes.io/component": "processor"}
