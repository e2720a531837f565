# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the MindIE Motor configuration model: a failing and a passing case per rule."""

from __future__ import annotations

import copy
import json
import os

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _motor as mo
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import ABSENT, ConfigError

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "motor")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return json.load(handle)


def model(**changes):
    base = {"image": "mindie:2.0.RC1", "model_name": "llama3-8b", "model_weight_path": "/data/LLaMA3-8B",
            "p_instances": 2, "d_instances": 2, "world_size": 2}
    base.update(copy.deepcopy(changes))
    return base


def single(**changes):
    return model(deploy_shape="single_container", model_weight_path="/mnt/mindie-service/ms/model", **changes)


def hetero(**changes):
    changes.setdefault("heterogeneous", {"prefill_label": "a2-32g", "decode_label": "a2-64g"})
    return model(deploy_shape="heterogeneous", **changes)


def paths(errors):
    return [e.path for e in errors]


def only(errors, path, fragment):
    """Exactly one error, at ``path``, whose rule contains ``fragment``."""
    assert [str(e) for e in errors] and len(errors) == 1, [str(e) for e in errors]
    assert errors[0].path == path, str(errors[0])
    assert fragment in errors[0].rule, str(errors[0])
    return errors[0]


# ---------------------------------------------------------------------- document fixtures

@pytest.mark.parametrize("name", ["doc_single_container_llama3_8b.json", "doc_multi_machine_3p1d.json",
                                  "doc_heterogeneous_3p4d.json"])
def test_document_examples_validate_as_written(name):
    assert mo.validate(fixture(name)) == []


def test_document_multi_machine_table_as_written_breaks_npu_device_ids_only():
    error = only(mo.validate(fixture("doc_multi_machine_as_written.json")),
                 "config.json:BackendConfig.npuDeviceIds", "must be [[0, 1]]")
    assert error.value == [0, 1]


def test_document_single_container_controller_default_port_clashes():
    error = only(mo.validate(fixture("doc_single_container_controller_port_1026.json")),
                 "ports.controller.http_server", "clashes with ports.coordinator.manage")
    assert error.value == 1026


def test_errors_are_config_errors_and_all_are_returned_together():
    errors = mo.validate(model(world_size=0, p_instances=0, deploy_shape="cluster", image=""))
    assert all(isinstance(e, ConfigError) for e in errors)
    assert set(paths(errors)) == {"world_size", "p_instances", "deploy_shape", "image"}
    assert str(errors[0]).count(":") >= 2


# ---------------------------------------------------------------------- schema

def test_required_keys():
    errors = mo.validate({})
    assert sorted(paths(errors)) == sorted(["image", "model_name", "model_weight_path", "p_instances",
                                            "d_instances", "world_size"])
    assert all(e.value is ABSENT and e.rule == "is required" for e in errors)
    assert mo.validate(model()) == []


def test_unknown_key_and_types():
    errors = mo.validate(model(worldsize=2, tls={"server": "yes"}, ports={"server": {"port": "1025"}}))
    assert sorted(paths(errors)) == ["ports.server.port", "tls.server", "worldsize"]


def test_model_weight_path_absolute():
    only(mo.validate(model(model_weight_path="data/x")), "model_weight_path", "absolute path")


def test_job_id_is_a_namespace_name():
    only(mo.validate(model(job_id="MindIE")), "job_id", "namespace name")
    assert mo.render(model(job_id="pd-1"))["derived"]["namespace"] == "pd-1"


def test_not_a_dict():
    only(mo.validate(["x"]), "config", "must be an object")


# ---------------------------------------------------------------------- server config.json

def test_world_size_equals_npus_per_instance():
    errors = mo.validate(model(overrides={"config.json": {"BackendConfig": {"ModelDeployConfig": {"ModelConfig": [
        {"modelName": "llama3-8b", "modelWeightPath": "/data/LLaMA3-8B", "worldSize": 4, "tp": 4}]}}}}))
    assert "config.json:BackendConfig.ModelDeployConfig.ModelConfig[0].worldSize" in paths(errors)
    files = mo.render(model(world_size=4))["files"]
    mc = files["config.json"]["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]
    assert mc["worldSize"] == 4 and mc["tp"] == 4


def test_tp_equals_world_size():
    bad = model(overrides={"config.json": {"BackendConfig": {"ModelDeployConfig": {"ModelConfig": [
        {"modelName": "llama3-8b", "modelWeightPath": "/data/LLaMA3-8B", "worldSize": 2, "tp": 1}]}}}})
    only(mo.validate(bad), "config.json:BackendConfig.ModelDeployConfig.ModelConfig[0].tp", "must equal worldSize")
    good = copy.deepcopy(bad)
    good["overrides"]["config.json"]["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]["tp"] = 2
    assert mo.validate(good) == []


@pytest.mark.parametrize("ids", [[[1, 2]], [[0, 1, 2]], [[0], [1]], "0,1"])
def test_npu_device_ids_from_zero_of_world_size(ids):
    only(mo.validate(model(overrides={"config.json": {"BackendConfig": {"npuDeviceIds": ids}}})),
         "config.json:BackendConfig.npuDeviceIds", "numbered from 0")


def test_npu_device_ids_rendered():
    assert mo.render(model(world_size=4))["files"]["config.json"]["BackendConfig"]["npuDeviceIds"] == [[0, 1, 2, 3]]
    files = mo.render(single())["files"]
    assert all(files["config%d.json" % i]["BackendConfig"]["npuDeviceIds"] == [[0, 1]] for i in (1, 2, 3, 4))


def test_infer_mode_dmi():
    only(mo.validate(model(overrides={"config.json": {"ServerConfig": {"inferMode": "standard"}}})),
         "config.json:ServerConfig.inferMode", "must be dmi")
    assert mo.render(model())["files"]["config.json"]["ServerConfig"]["inferMode"] == "dmi"


def test_model_name_in_file_not_empty():
    bad = model(overrides={"config.json": {"BackendConfig": {"ModelDeployConfig": {"ModelConfig": [
        {"modelName": "", "modelWeightPath": "/data/LLaMA3-8B", "worldSize": 2, "tp": 2}]}}}})
    only(mo.validate(bad), "config.json:BackendConfig.ModelDeployConfig.ModelConfig[0].modelName", "non-empty")


# ---------------------------------------------------------------------- TLS

def test_tls_switch_disagreeing_across_files():
    bad = model(overrides={"ms_controller.json": {"tls_config": {"request_server_tls_enable": False}}})
    error = only(mo.validate(bad), "ms_controller.json:tls_config.request_server_tls_enable", "must agree")
    assert "config.json:ServerConfig.httpsEnabled is true" in error.rule


def test_tls_coordinator_pair_disagreeing():
    bad = model(overrides={"ms_coordinator.json": {"tls_config": {"controller_server_tls_enable": False}}})
    only(mo.validate(bad), "ms_controller.json:tls_config.request_coordinator_tls_enable", "must agree")


def test_tls_probe_file_disagreeing():
    bad = model(overrides={"http_client_ctl.json": {"tls_enable": False}})
    errors = mo.validate(bad)
    assert paths(errors) == ["config.json:ServerConfig.httpsEnabled",
                             "ms_controller.json:tls_config.http_server_tls_enable"]


def test_tls_all_off_is_consistent_and_rendered_everywhere():
    files = mo.render(model(tls={"enabled": False}))["files"]
    assert files["config.json"]["ServerConfig"]["httpsEnabled"] is False
    assert files["ms_controller.json"]["tls_config"]["request_server_tls_enable"] is False
    assert files["ms_coordinator.json"]["tls_config"]["mindie_mangment_tls_enable"] is False
    assert files["http_client_ctl.json"]["tls_enable"] is False


def test_tls_probe_must_match_server_and_controller():
    errors = mo.validate(model(tls={"server": False}))
    only(errors, "tls.probe", "tls.server")
    assert mo.validate(model(tls={"server": False, "controller": False, "probe": False})) == []


def test_tls_on_per_channel_renders_the_right_switches():
    files = mo.render(model(tls={"inference": False, "cluster": False}))["files"]
    coord = files["ms_coordinator.json"]["tls_config"]
    assert coord["request_server_tls_enable"] is False and coord["mindie_client_tls_enable"] is True
    assert files["ms_controller.json"]["tls_config"]["cluster_tls_enable"] is False


def test_inter_comm_tls_same_in_every_server_file():
    bad = single(overrides={"config2.json": {"ServerConfig": {"interCommTLSEnabled": False}}})
    only(mo.validate(bad), "config2.json:ServerConfig.interCommTLSEnabled", "same in every server file")
    good = single(tls={"inter_comm": False})
    assert mo.validate(good) == []


def test_certificates_under_cert_dir():
    bad = model(overrides={"ms_controller.json": {"tls_config": {"http_server_tls_items": {"tls_cert": "/etc/c.pem"}}}})
    only(mo.validate(bad), "ms_controller.json:tls_config.http_server_tls_items.tls_cert", "under tls.cert_dir")
    files = mo.render(model(tls={"cert_dir": "/mnt/certs"}))["files"]
    assert files["http_client_ctl.json"]["cert"]["ca_cert"] == "/mnt/certs/http_client/ca.pem"
    assert files["config.json"]["ServerConfig"]["tlsCert"] == "/mnt/certs/server/cert.pem"


def test_certificate_required_when_switch_on():
    bad = model(overrides={"http_client_ctl.json": {"cert": {"tls_key": ""}}})
    only(mo.validate(bad), "http_client_ctl.json:cert.tls_key", "required when tls_enable is true")
    # the same empty value is fine when that switch is off
    off = model(tls={"server": False, "controller": False, "probe": False},
                overrides={"http_client_ctl.json": {"cert": {"tls_key": ""}}})
    assert mo.validate(off) == []


def test_server_certificate_paths_under_cert_dir():
    bad = model(overrides={"config.json": {"ServerConfig": {"tlsPk": "/root/key.pem"}}})
    only(mo.validate(bad), "config.json:ServerConfig.tlsPk", "under tls.cert_dir")


def test_tls_switch_must_be_boolean():
    bad = model(overrides={"ms_coordinator.json": {"tls_config": {"request_server_tls_enable": "true"}}})
    only(mo.validate(bad), "ms_coordinator.json:tls_config.request_server_tls_enable", "boolean")


# ---------------------------------------------------------------------- P / D rates

def test_rate_pair_with_one_zero():
    only(mo.validate(model(default_p_rate=1)), "default_d_rate", "both be 0")
    error = only(mo.validate(model(env={"MINDIE_MS_P_RATE": "1"})), "env.MINDIE_MS_D_RATE", "both be 0")
    assert error.value is ABSENT
    only(mo.validate(model(env={"MINDIE_MS_P_RATE": "0", "MINDIE_MS_D_RATE": 2})), "env.MINDIE_MS_P_RATE", "both be 0")


def test_rates_both_zero_is_automatic():
    derived = mo.render(model(env={"MINDIE_MS_P_RATE": "0", "MINDIE_MS_D_RATE": "0"}))["derived"]
    assert derived["pd_rate"] == {"p": 0, "d": 0, "source": "auto"}


def test_rate_sum_at_most_the_npus_of_the_machine_in_a_single_container():
    bad = single(p_instances=4, d_instances=4, world_size=1, env={"MINDIE_MS_P_RATE": "5", "MINDIE_MS_D_RATE": "5"})
    only(mo.validate(bad), "env.MINDIE_MS_D_RATE", "must not exceed the 8 NPUs")
    good = single(p_instances=4, d_instances=4, world_size=1, env={"MINDIE_MS_P_RATE": "4", "MINDIE_MS_D_RATE": "4"})
    assert mo.validate(good) == []


def test_rate_sum_limit_and_range():
    only(mo.validate(model(default_p_rate=768, default_d_rate=1)), "default_p_rate", "between 0 and 767")
    only(mo.validate(model(p_instances=1, d_instances=1, default_p_rate=400, default_d_rate=400)),
         "default_d_rate", "must not exceed 768")


def test_rate_ratio_must_match_the_instance_counts():
    only(mo.validate(model(p_instances=3, d_instances=1, default_p_rate=1, default_d_rate=1)),
         "default_d_rate", "contradicts p_instances:d_instances = 3:1")
    assert mo.validate(model(p_instances=4, d_instances=2, default_p_rate=2, default_d_rate=1)) == []


def test_env_rate_wins_over_default_rate():
    derived = mo.render(model(p_instances=3, d_instances=1, env={"MINDIE_MS_P_RATE": 3, "MINDIE_MS_D_RATE": 1}))["derived"]
    assert derived["pd_rate"] == {"p": 3, "d": 1, "source": "env"}
    assert derived["pods"]["controller"]["env"]["MINDIE_MS_P_RATE"] == "3"
    derived = mo.render(model(p_instances=3, d_instances=1, default_p_rate=3, default_d_rate=1))["derived"]
    assert derived["pd_rate"] == {"p": 3, "d": 1, "source": "ms_controller.json"}
    # default says 3:1 but the environment (which wins) says 1:1: that is the one that contradicts
    errors = mo.validate(model(p_instances=3, d_instances=1, default_p_rate=3, default_d_rate=1,
                               env={"MINDIE_MS_P_RATE": "1", "MINDIE_MS_D_RATE": "1"}))
    only(errors, "env.MINDIE_MS_D_RATE", "contradicts")


def test_rate_env_not_a_number():
    only(mo.validate(model(env={"MINDIE_MS_P_RATE": "x", "MINDIE_MS_D_RATE": "1"})), "env.MINDIE_MS_P_RATE",
         "non-negative integer")


def test_default_rate_in_file_must_come_from_the_model():
    only(mo.validate(model(overrides={"ms_controller.json": {"default_p_rate": 1}})),
         "ms_controller.json:default_p_rate", "through the model")


# ---------------------------------------------------------------------- NPUs and shapes

def test_unequal_p_and_d_card_counts():
    only(mo.validate(hetero(d_world_size=4)), "d_world_size", "same number of NPUs")
    assert mo.validate(hetero(p_world_size=2, d_world_size=2)) == []


def test_single_container_servers_times_world_size_within_the_node():
    only(mo.validate(single(p_instances=3, d_instances=2)), "p_instances", "10 NPUs but the node has 8")
    derived = mo.render(single(p_instances=3, d_instances=2, hardware_type="800I_A3"))["derived"]
    assert derived["pods"]["single_container"]["npus_per_pod"] == 10
    assert derived["sp_block"] == 10 and derived["pods"]["single_container"]["sp_block"] == 10


def test_server_pod_larger_than_a_node():
    only(mo.validate(model(world_size=16)), "world_size", "never scheduled")
    only(mo.validate(model(world_size=4, npus_per_node=2)), "world_size", "never scheduled")


def test_npus_per_node_at_most_the_hardware():
    only(mo.validate(model(npus_per_node=16)), "npus_per_node", "at most 8")


def test_at_most_96_servers_in_the_ranktable():
    only(mo.validate(model(p_instances=50, d_instances=47)), "p_instances", "at most 96")
    assert mo.validate(model(p_instances=48, d_instances=48)) == []


def test_multi_machine_is_800i_a2_only():
    only(mo.validate(model(hardware_type="800I_A3")), "hardware_type", "800I_A2 only")
    assert mo.validate(single(hardware_type="800I_A3")) == []


def test_heterogeneous_needs_its_labels():
    only(mo.validate(model(deploy_shape="heterogeneous")), "heterogeneous", "is required")
    errors = mo.validate(hetero(heterogeneous={}))
    assert paths(errors) == ["heterogeneous.prefill_label", "heterogeneous.decode_label"]


def test_heterogeneous_labels_differ_and_have_no_spaces():
    only(mo.validate(hetero(heterogeneous={"prefill_label": "x", "decode_label": "x"})),
         "heterogeneous.decode_label", "must differ")
    only(mo.validate(hetero(heterogeneous={"prefill_label": "800I A2", "decode_label": "y"})),
         "heterogeneous.prefill_label", "no spaces")


def test_heterogeneous_hardware_type_values():
    only(mo.validate(hetero(heterogeneous={"prefill_label": "x", "decode_label": "y",
                                           "decode_hardware_type": "800I A2(32G)"})),
         "heterogeneous.decode_hardware_type", "800I A2(64G)")


def test_heterogeneous_section_only_with_that_shape():
    only(mo.validate(model(heterogeneous={"prefill_label": "x", "decode_label": "y"})), "heterogeneous",
         "only used with deploy_shape heterogeneous")


def test_is_heterogeneous_and_deploy_mode_in_the_files():
    files = mo.render(hetero())["files"]
    assert files["ms_controller.json"]["is_heterogeneous"] is True
    assert files["ms_controller.json"]["deploy_mode"] == "pd_separate"
    only(mo.validate(hetero(overrides={"ms_controller.json": {"is_heterogeneous": False}})),
         "ms_controller.json:is_heterogeneous", "must be true")
    files = mo.render(single())["files"]
    assert files["ms_coordinator.json"]["digs_scheduler_config"]["deploy_mode"] == "pd_disaggregation_single_container"
    only(mo.validate(single(overrides={"ms_coordinator.json": {"digs_scheduler_config": {"deploy_mode": "pd_separate"}}})),
         "ms_coordinator.json:digs_scheduler_config.deploy_mode", "pd_disaggregation_single_container")


# ---------------------------------------------------------------------- features

def test_prefix_cache_forbidden_on_multi_machine():
    only(mo.validate(model(features=["prefix_cache"])), "features[0]", "multi-machine")
    only(mo.validate(hetero(features=["prefix_cache"])), "features[0]", "multi-machine")
    files = mo.render(single(features=["prefix_cache"]))["files"]
    assert files["config1.json"]["BackendConfig"]["ScheduleConfig"]["enablePrefixCache"] is True
    assert "prefix_cache" in files["config1.json"]["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]["plugin_params"]


def test_prefix_cache_switched_on_in_the_file_on_multi_machine():
    bad = model(overrides={"config.json": {"BackendConfig": {"ScheduleConfig": {"enablePrefixCache": True}}}})
    only(mo.validate(bad), "config.json:BackendConfig.ScheduleConfig.enablePrefixCache", "Prefix Cache")


def test_features_forbidden_everywhere_and_unknown():
    only(mo.validate(single(features=["kv_cache_int8"])), "features[0]", "single-machine")
    only(mo.validate(model(features=["splitfuse"])), "features[0]", "must be one of")
    only(mo.validate(model(overrides={"config.json": {"BackendConfig": {"multiNodesInferEnabled": True}}})),
         "config.json:BackendConfig.multiNodesInferEnabled", "multi-node")


# ---------------------------------------------------------------------- ports

def test_port_range():
    only(mo.validate(model(ports={"server": {"port": 80}})), "ports.server.port", "between 1024 and 65535")
    only(mo.validate(model(ports={"coordinator_node_port": 1025})), "ports.coordinator_node_port", "30000")


def test_ports_of_a_server_pod_differ():
    only(mo.validate(model(ports={"server": {"metrics": 1025}})), "ports.server.metrics", "clashes with ports.server.port")
    # multi machine: server, controller and coordinator are separate pods, the same numbers are fine
    assert mo.validate(model(ports={"controller": {"http_server": 1025}})) == []


def test_ports_of_the_coordinator_pod_differ():
    only(mo.validate(model(ports={"coordinator": {"status": 1025}})), "ports.coordinator.status", "clashes")


def test_single_container_every_port_distinct():
    derived = mo.render(single())["derived"]
    ports = [p for entry in derived["ports"]["servers"] for p in entry.values()]
    ports += list(derived["ports"]["coordinator"].values()) + [derived["ports"]["controller"]["http_server"]]
    assert len(ports) == len(set(ports)) == 4 * 4 + 5 + 1
    only(mo.validate(single(ports={"single_container_base": 1030})),
         "ports.single_container_base (server 0, port)", "clashes with ports.coordinator.status")
    only(mo.validate(single(ports={"single_container_base": 65530})), "ports.single_container_base", "no room")


def test_single_container_explicit_server_ports():
    servers = [{"port": 2000 + 10 * i, "management": 2001 + 10 * i, "metrics": 2002 + 10 * i, "inter_comm": 2003 + 10 * i}
               for i in range(4)]
    files = mo.render(single(ports={"servers": servers}))["files"]
    assert files["config3.json"]["ServerConfig"]["port"] == 2020
    clash = copy.deepcopy(servers)
    clash[3]["metrics"] = 2001
    only(mo.validate(single(ports={"servers": clash})), "ports.servers[3].metrics", "clashes with ports.servers[0].management")
    only(mo.validate(single(ports={"servers": servers[:3]})), "ports.servers", "one entry per server")
    only(mo.validate(model(ports={"servers": servers})), "ports.servers", "only used with deploy_shape single_container")


def test_single_container_ports_clash_after_overrides():
    bad = single(overrides={"config2.json": {"ServerConfig": {"port": 1025}}})
    only(mo.validate(bad), "config2.json:ServerConfig.port", "clashes with ms_coordinator.json:http_config.predict_port")


def test_server_ports_clash_inside_one_file():
    bad = model(overrides={"config.json": {"ServerConfig": {"interCommPort": 1026}}})
    errors = mo.validate(bad)
    assert paths(errors) == ["config.json:ServerConfig.interCommPort"]


def test_controller_view_of_the_ports_matches():
    bad = model(overrides={"config.json": {"ServerConfig": {"port": 2025}}})
    only(mo.validate(bad), "ms_controller.json:mindie_server_port", "must equal config.json:ServerConfig.port (2025)")
    files = mo.render(model(ports={"server": {"port": 2025}, "coordinator": {"manage": 2026}}))["files"]
    assert files["ms_controller.json"]["mindie_server_port"] == 2025
    assert files["ms_controller.json"]["mindie_ms_coordinator_port"] == 2026
    assert files["ms_coordinator.json"]["http_config"]["manage_port"] == "2026"


def test_controller_port_defaults_per_shape():
    assert mo.render(model())["files"]["ms_controller.json"]["http_server"]["port"] == 1026
    assert mo.render(single())["files"]["ms_controller.json"]["http_server"]["port"] == 1027


# ---------------------------------------------------------------------- env, resources, overrides

def test_env_ranges_from_the_document():
    only(mo.validate(model(env={"HCCL_RDMA_TIMEOUT": "30"})), "env.HCCL_RDMA_TIMEOUT", "between 5 and 20")
    only(mo.validate(model(env={"MINDIE_DECODE_BATCH_SIZE": 100, "MINDIE_PREFILL_BATCH_SIZE": 100})),
         "env.MINDIE_PREFILL_BATCH_SIZE", "MINDIE_DECODE_BATCH_SIZE - 1")
    only(mo.validate(model(env={"MINDIE_MAX_SEQ_LEN": 10, "MINDIE_MAX_ITER_TIMES": 10})),
         "env.MINDIE_MAX_ITER_TIMES", "MINDIE_MAX_SEQ_LEN - 1")
    only(mo.validate(model(env={"MINDIE_INFER_MODE": "standard"})), "env.MINDIE_INFER_MODE", "dmi")
    assert mo.validate(model(env={"HCCL_RDMA_TIMEOUT": "18", "MINDIE_DECODE_BATCH_SIZE": 100,
                                  "MINDIE_PREFILL_BATCH_SIZE": 99, "HCCL_OP_EXPANSION_MODE": "AIV"})) == []


def test_env_owned_by_the_model():
    only(mo.validate(model(env={"MINDIE_ENDPOINT_HTTPS_ENABLED": "false"})), "env.MINDIE_ENDPOINT_HTTPS_ENABLED",
         "tls.server")
    derived = mo.render(model(tls={"inter_comm": False}, log={"level": "DEBUG"}))["derived"]
    env = derived["pods"]["server"]["env"]
    assert env["MINDIE_INTER_COMM_TLS_ENABLED"] == "false" and env["MINDIE_ENDPOINT_HTTPS_ENABLED"] == "true"
    assert env["MINDIE_LOG_LEVEL"] == "DEBUG"


def test_env_value_types():
    only(mo.validate(model(env={"X": True})), "env.X", "strings or integers")
    only(mo.validate(model(env={"1X": "a"})), "env.1X", "environment variable name")


def test_coordinator_memory():
    derived = mo.render(model())["derived"]
    assert derived["pods"]["coordinator"]["resources"] == {"requests": {"memory": "8Gi"}, "limits": {"memory": "48Gi"}}
    only(mo.validate(model(coordinator_resources={"requests_memory": "64Gi"})),
         "coordinator_resources.requests_memory", "must not exceed limits_memory")
    only(mo.validate(model(coordinator_resources={"limits_memory": "48 GB"})),
         "coordinator_resources.limits_memory", "quantity")


def test_overrides_unknown_file_and_shape():
    only(mo.validate(model(overrides={"ms_controler.json": {}})), "overrides.ms_controler.json", "not a rendered file")
    only(mo.validate(model(overrides={"config1.json": {}})), "overrides.config1.json", "not a rendered file")
    only(mo.validate(model(overrides={"config.json": []})), "overrides.config.json", "must be an object")


def test_overrides_merge_and_config_json_applies_to_every_server_in_a_single_container():
    files = mo.render(single(overrides={"config.json": {"ServerConfig": {"maxLinkNum": 300}},
                                        "config2.json": {"ServerConfig": {"maxLinkNum": 400}},
                                        "ms_coordinator.json": {"request_limit": {"max_requests": 5}}}))["files"]
    assert [files["config%d.json" % i]["ServerConfig"]["maxLinkNum"] for i in (1, 2, 3, 4)] == [300, 400, 300, 300]
    assert files["ms_coordinator.json"]["request_limit"] == {"single_node_max_requests": 1000, "max_requests": 5,
                                                             "body_limit": 1}
    assert "config.json" not in files


def test_controller_node_selector():
    only(mo.validate(model(controller_node_selector={"kubernetes.io/hostname": "node 1"})),
         "controller_node_selector.kubernetes.io/hostname", "label value")
    derived = mo.render(model(controller_node_selector={"kubernetes.io/hostname": "node1"}))["derived"]
    assert derived["pods"]["controller"]["node_selector"] == {"kubernetes.io/hostname": "node1"}


# ---------------------------------------------------------------------- render() and derived

def test_render_raises_with_every_error():
    with pytest.raises(mo.MotorConfigInvalid) as info:
        mo.render(model(world_size=0, image=""))
    assert sorted(paths(info.value.errors)) == ["image", "world_size"]
    assert "2 MindIE Motor configuration error(s)" in str(info.value)


def test_render_does_not_change_its_input():
    data = single(overrides={"config.json": {"ServerConfig": {"maxLinkNum": 3}}})
    before = copy.deepcopy(data)
    mo.render(data)
    assert data == before


def test_derived_multi_machine():
    derived = mo.render(fixture("doc_multi_machine_3p1d.json"))["derived"]
    assert derived["deploy_mode"] == "pd_separate"
    assert derived["server_count"] == 4 and derived["total_npus"] == 8
    assert derived["pods"]["server"]["replicas"] == 4 and derived["pods"]["server"]["npus_per_pod"] == 2
    assert derived["pods"]["server"]["node_selector"] == {"accelerator": "huawei-Ascend910",
                                                          "accelerator-type": "module-910b-8"}
    assert derived["pods"]["controller"]["probes"] is False  # TLS on: the doc removes their probes
    assert derived["pods"]["coordinator"]["liveness_probe"] is False
    assert derived["config_files"] == ["config.json", "http_client_ctl.json", "ms_controller.json",
                                       "ms_coordinator.json"]
    assert derived["sp_block"] is None and derived["coordinator_node_port"] == 31015
    assert mo.render(model(tls={"enabled": False}))["derived"]["pods"]["controller"]["probes"] is True


def test_derived_heterogeneous():
    derived = mo.render(fixture("doc_heterogeneous_3p4d.json"))["derived"]
    p, d = derived["pods"]["server"], derived["pods"]["server_heterogeneous"]
    assert (p["replicas"], d["replicas"]) == (3, 4)
    assert p["node_selector"]["hardware-type"] == "xx_device" and d["node_selector"]["hardware-type"] == "xx_device2"
    assert (p["hardware_type"], d["hardware_type"]) == ("800I A2(32G)", "800I A2(64G)")
    # "800I A2(32G)" is not a valid label value: it is never put into a node selector
    assert "800I A2(32G)" not in p["node_selector"].values()


def test_derived_single_container():
    derived = mo.render(fixture("doc_single_container_llama3_8b.json"))["derived"]
    pod = derived["pods"]["single_container"]
    assert set(derived["pods"]) == {"single_container"}
    assert pod["npus_per_pod"] == 8 and pod["sp_block"] is None
    assert pod["config_files"] == ["config1.json", "config2.json", "config3.json", "config4.json"]
    assert pod["env"]["MINDIE_MS_GEN_SERVER_PORT"] == "false"
    assert derived["deploy_mode"] == "pd_disaggregation_single_container"


def test_warnings():
    assert mo.warnings(model()) == []
    advice = mo.warnings(model(model_name="deepseek-r1", tls={"inference": False}))
    assert len(advice) == 2 and "inference" in advice[0] and "LLaMA3" in advice[1]
    assert mo.warnings("x") == []


# ---------------------------------------------------------------------- robustness

from hypothesis import given, settings, strategies as st  # noqa: E402

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=6))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                       max_leaves=6)
_KEYS = st.sampled_from(sorted(mo.SCHEMA.keys) + ["x"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_validate_never_raises_on_any_input(changes):
    errors = mo.validate(model(**changes))
    assert all(isinstance(e, ConfigError) for e in errors)
    if not errors:
        assert mo.render(model(**changes))["files"]


_FILE_KEYS = st.sampled_from(["tls_config", "ServerConfig", "BackendConfig", "http_config", "http_server",
                              "deploy_mode", "is_heterogeneous", "tls_enable", "cert", "digs_scheduler_config",
                              "ModelDeployConfig", "ModelConfig", "npuDeviceIds", "port", "worldSize"])
_FILE_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=2),
                                                              st.dictionaries(_FILE_KEYS, inner, max_size=3)),
                            max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["ms_controller.json", "ms_coordinator.json", "config.json", "http_client_ctl.json"]),
       st.dictionaries(_FILE_KEYS, _FILE_VALUES, max_size=3), st.booleans())
def test_overrides_of_any_shape_never_raise(name, override, one_pod):
    data = single() if one_pod else model()
    data["overrides"] = {name: override}
    errors = mo.validate(data)
    assert all(isinstance(e, ConfigError) for e in errors)


# --------------------------------------------------------------------------------------
# stack_view: the derived values in the stack role's shape
# --------------------------------------------------------------------------------------

def test_stack_view_multi_machine_roles_and_keys():
    derived = mo.render(model(p_instances=3, d_instances=1, job_id="motor-x"))["derived"]
    view = mo.stack_view(derived)
    assert view["deploy_mode"] == view["mode"] == "multi_machine"
    assert view["motor_deploy_mode"] == "pd_separate"
    assert view["job_id"] == view["namespace"] == "motor-x"
    assert view["tls"]["any"] is True
    assert view["engine_roles"] == ["server"]
    assert view["roles"]["server"] == {
        "instances": 4, "pods_per_instance": 1, "npus_per_pod": 2, "total_npus": 8,
        "node_selector": {"accelerator": "huawei-Ascend910", "accelerator-type": "module-910b-8"},
        "env": derived["pods"]["server"]["env"], "deployment": "mindie-server", "component": "server"}
    assert view["roles"]["controller"]["npus_per_pod"] == 0
    assert view["pods"] == derived["pods"]          # every motor key stays
    assert derived["deploy_mode"] == "pd_separate"  # the input is not changed


def test_stack_view_single_container_and_heterogeneous():
    single = mo.stack_view(mo.render(model(deploy_shape="single_container", hardware_type="800I_A3"))["derived"])
    assert list(single["roles"]) == ["single_container"] and single["engine_roles"] == ["single_container"]
    assert single["roles"]["single_container"]["total_npus"] == 8
    assert single["node_selector"]["accelerator-type"] == "module-a3-16"
    assert single["roles"]["single_container"]["deployment"] == "mindie-service"
    hetero = mo.stack_view(mo.render(model(deploy_shape="heterogeneous",
                                           heterogeneous={"prefill_label": "p32", "decode_label": "d64"}))["derived"])
    assert hetero["engine_roles"] == ["server", "server_heterogeneous"]
    assert hetero["roles"]["server"]["node_selector"]["hardware-type"] == "p32"
    assert hetero["roles"]["server_heterogeneous"]["node_selector"]["hardware-type"] == "d64"
    assert hetero["roles"]["server_heterogeneous"]["component"] == "server-heterogeneous"


@pytest.mark.parametrize("path", ["/", "/etc", "/etc/model", "/usr/local/model", "/lib64", "/var/run/x", "/root"])
def test_model_weight_path_refuses_system_paths(path):
    error = only(mo.validate(model(model_weight_path=path)), "model_weight_path", "must not be / or a system path")
    assert error.value == path


def test_model_weight_path_system_rule_with_other_errors():
    errors = mo.validate(model(model_weight_path="/proc/x", job_id="MindIE"))
    assert sorted(paths(errors)) == ["job_id", "model_weight_path"]
