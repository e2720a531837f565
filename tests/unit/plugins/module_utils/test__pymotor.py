# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the configuration model: one failing and one passing case per rule."""

from __future__ import annotations

import copy
import json
import os

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _pymotor as c
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor import constants

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "configs")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return json.load(handle)


def hybrid(**deploy):
    cfg = {
        "version": "v2.0",
        "motor_deploy_config": {
            "hybrid_instances_num": 2,
            "single_hybrid_instance_pod_num": 1,
            "hybrid_pod_npu_num": 4,
            "image_name": "mindie-motor:2.0.0",
            "job_id": "mindie-motor",
            "hardware_type": "800I_A3",
            "weight_mount_path": "/mnt/weight/",
        },
        "motor_coordinator_config": {},
        "motor_engine_union_config": {
            "engine_type": "vllm",
            "engine_config": {
                "served_model_name": "qwen3-8B",
                "model": "/mnt/weight/qwen3_8B",
                "tensor_parallel_size": 4,
                "data_parallel_size": 1,
                "pipeline_parallel_size": 1,
                "data_parallel_rpc_port": 9000,
            },
        },
    }
    cfg["motor_deploy_config"].update(deploy)
    return cfg


def single(cfg):
    """single_container puts controller and coordinator in one pod: move the controller's ports
    (and let validate pick the single-container coordinator mode)."""
    ((cfg.get("motor_coordinator_config") or {}).get("scheduler_config") or {}).pop("deploy_mode", None)
    setp(cfg, "motor_controller_config.api_config.controller_api_port", 2026)
    return setp(cfg, "motor_controller_config.api_config.observability_api_port", 2027)


def pd(**deploy):
    cfg = fixture("pd_separate_a2.user_config.json")
    cfg["motor_deploy_config"].update(deploy)
    return cfg


def messages(result):
    return [str(e) for e in result.errors]


def paths(result):
    return [e.path for e in result.errors]


def one_error(result, path, rule_part):
    assert len(result.errors) == 1, messages(result)
    error = result.errors[0]
    assert error.path == path, messages(result)
    assert rule_part in error.rule, messages(result)
    return error


def has_error(result, path, rule_part):
    hits = [e for e in result.errors if e.path == path and rule_part in e.rule]
    assert hits, "no %s / %r in %s" % (path, rule_part, messages(result))
    return hits[0]


def ok(result):
    assert result.ok, messages(result)
    return result


def setp(cfg, dotted, value):
    node = cfg
    keys = dotted.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return cfg


def delp(cfg, dotted):
    node = cfg
    keys = dotted.split(".")
    for key in keys[:-1]:
        node = node[key]
    del node[keys[-1]]
    return cfg


# ---------------------------------------------------------------------------------------
# The reference configs (mindie-pymotor-pd-hybrid.md) and the other fixtures
# ---------------------------------------------------------------------------------------

class TestReferenceConfigs:
    def test_doc_fragment_with_empty_image_fails_with_exactly_the_image_error(self):
        result = c.validate(fixture("doc_pd_hybrid_as_written.user_config.json"),
                            fixture("doc_pd_hybrid.env.json"))
        assert messages(result) == ['motor_deploy_config.image_name: "": must be a non-empty string']
        assert result.mode == "pd_hybrid"
        assert result.derived == {}

    @pytest.mark.parametrize("user, env, mode", [
        ("doc_pd_hybrid.user_config.json", "doc_pd_hybrid.env.json", "pd_hybrid"),
        ("doc_pd_hybrid_kv_affinity.user_config.json", "doc_pd_hybrid.env.json", "pd_hybrid"),
        ("pd_hybrid_single_node.user_config.json", None, "pd_hybrid"),
        ("pd_separate_a2.user_config.json", "pd_separate_a2.env.json", "pd_separate"),
        ("pd_hybrid_a3_16.user_config.json", "pd_hybrid_a3_16.env.json", "pd_hybrid"),
    ])
    def test_complete_examples_validate(self, user, env, mode):
        result = ok(c.validate(fixture(user), fixture(env) if env else None))
        assert result.mode == mode
        assert result.derived["mode"] == mode

    def test_doc_env_json_is_valid_and_becomes_strings(self):
        result = ok(c.validate(fixture("doc_pd_hybrid.user_config.json"), fixture("doc_pd_hybrid.env.json")))
        env = result.derived["roles"]["union"]["env"]
        assert env["HCCL_BUFFSIZE"] == "200"
        assert env["OMP_NUM_THREADS"] == "100"
        assert env["CANN_INSTALL_PATH"] == "/usr/local/Ascend"  # common env merged in
        assert all(isinstance(v, str) for v in env.values())


# ---------------------------------------------------------------------------------------
# Ranges and enums
# ---------------------------------------------------------------------------------------

class TestRanges:
    @pytest.mark.parametrize("value", [0, 17, -1])
    def test_hybrid_instances_out_of_range(self, value):
        result = c.validate(hybrid(hybrid_instances_num=value))
        error = one_error(result, "motor_deploy_config.hybrid_instances_num", "must be between 1 and 16")
        assert str(error) == "motor_deploy_config.hybrid_instances_num: %d: must be between 1 and 16" % value

    @pytest.mark.parametrize("value", [1, 16])
    def test_hybrid_instances_in_range(self, value):
        assert ok(c.validate(hybrid(hybrid_instances_num=value))).derived["roles"]["union"]["instances"] == value

    @pytest.mark.parametrize("key", ["p_instances_num", "d_instances_num"])
    def test_pd_instances_range(self, key):
        one_error(c.validate(pd(**{key: 17})), "motor_deploy_config." + key, "between 1 and 16")
        ok(c.validate(pd(**{key: 16})))

    def test_pods_per_instance_at_least_one(self):
        one_error(c.validate(hybrid(single_hybrid_instance_pod_num=0)),
                  "motor_deploy_config.single_hybrid_instance_pod_num", "must be at least 1")
        result = ok(c.validate(hybrid(single_hybrid_instance_pod_num=2, hybrid_pod_npu_num=2)))
        assert result.derived["roles"]["union"]["npus_per_instance"] == 4

    @pytest.mark.parametrize("hardware, cards", [("800I_A2", 8), ("800I_A3", 16)])
    def test_npus_per_pod_at_most_the_node_cards(self, hardware, cards):
        cfg = hybrid(hardware_type=hardware, hybrid_pod_npu_num=cards + 1)
        setp(cfg, "motor_engine_union_config.engine_config.tensor_parallel_size", 1)
        error = has_error(c.validate(cfg), "motor_deploy_config.hybrid_pod_npu_num", "must be at most %d" % cards)
        assert hardware in error.rule
        cfg = hybrid(hardware_type=hardware, hybrid_pod_npu_num=cards)
        setp(cfg, "motor_engine_union_config.engine_config.tensor_parallel_size", cards)
        assert ok(c.validate(cfg)).derived["npus_per_node"] == cards

    def test_pd_npus_per_pod_checked_per_role(self):
        one_error(c.validate(pd(d_pod_npu_num=16)), "motor_deploy_config.d_pod_npu_num", "must be at most 8")

    def test_npus_per_pod_at_least_one(self):
        has_error(c.validate(hybrid(hybrid_pod_npu_num=0)), "motor_deploy_config.hybrid_pod_npu_num", "at least 1")

    def test_gpu_memory_utilization_range(self):
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.gpu_memory_utilization", 1.5)
        one_error(c.validate(cfg), "motor_engine_union_config.engine_config.gpu_memory_utilization",
                  "greater than 0 and at most 1")
        ok(c.validate(setp(hybrid(), "motor_engine_union_config.engine_config.gpu_memory_utilization", 0.9)))

    def test_exception_config_ranges(self):
        cfg = setp(hybrid(), "motor_coordinator_config.exception_config", {"max_retry": -1, "retry_delay": 0})
        result = c.validate(cfg)
        assert sorted(paths(result)) == ["motor_coordinator_config.exception_config.max_retry",
                                         "motor_coordinator_config.exception_config.retry_delay"]
        ok(c.validate(setp(hybrid(), "motor_coordinator_config.exception_config", {"max_retry": 0})))


class TestEnums:
    @pytest.mark.parametrize("path, bad, good, hint", [
        ("motor_deploy_config.hardware_type", "800I_A5", "800I_A2", "800I_A2, 800I_A3"),
        ("motor_deploy_config.deploy_mode", "crd", "multi_deployment", "infer_service_set"),
        ("motor_coordinator_config.scheduler_config.scheduler_type", "kv_affinity", "round_robin",
         "kv_cache_affinity"),
        ("motor_coordinator_config.scheduler_config.kv_affinity_mode", "gated", "load_gated", "unified"),
        ("motor_engine_union_config.engine_type", "vllm-ascend", "vllm", "mindie-llm"),
        ("version", "v1.0", "v2.0", "v2.0"),
    ])
    def test_enum(self, path, bad, good, hint):
        error = one_error(c.validate(setp(hybrid(), path, bad)), path, "must be one of")
        assert hint in error.rule
        ok(c.validate(setp(hybrid(), path, good)))

    def test_enum_suggests_the_closest_value(self):
        error = one_error(c.validate(hybrid(hardware_type="800I-A3")), "motor_deploy_config.hardware_type", "")
        assert 'did you mean "800I_A3"' in error.rule


class TestTypes:
    def test_integer_written_as_string_is_an_error(self):
        error = one_error(c.validate(hybrid(hybrid_instances_num="4")),
                          "motor_deploy_config.hybrid_instances_num", "must be an integer")
        assert str(error) == 'motor_deploy_config.hybrid_instances_num: "4": must be an integer'

    def test_boolean_is_not_an_integer(self):
        one_error(c.validate(hybrid(hybrid_instances_num=True)),
                  "motor_deploy_config.hybrid_instances_num", "must be an integer")

    def test_section_must_be_an_object(self):
        result = c.validate(setp(hybrid(), "motor_coordinator_config", []))
        one_error(result, "motor_coordinator_config", "must be an object")

    def test_user_config_must_be_an_object(self):
        result = c.validate([1, 2])
        one_error(result, "user_config", "must be an object")

    def test_motor_deploy_config_required(self):
        result = c.validate({"motor_engine_union_config": hybrid()["motor_engine_union_config"]})
        one_error(result, "motor_deploy_config", "is required")


# ---------------------------------------------------------------------------------------
# Topology: hybrid vs PD separate
# ---------------------------------------------------------------------------------------

class TestTopology:
    def test_hybrid_and_pd_keys_are_mutually_exclusive(self):
        result = c.validate(hybrid(p_instances_num=1, d_pod_npu_num=2))
        assert sorted(paths(result)) == ["motor_deploy_config.d_pod_npu_num", "motor_deploy_config.p_instances_num"]
        assert all("not allowed together with hybrid keys" in e.rule for e in result.errors)
        assert result.mode is None

    def test_neither_hybrid_nor_pd_keys(self):
        cfg = hybrid()
        for key in constants.HYBRID_KEYS:
            del cfg["motor_deploy_config"][key]
        one_error(c.validate(cfg), "motor_deploy_config", "must set either hybrid_instances_num")

    def test_hybrid_needs_union_section(self):
        one_error(c.validate(delp(hybrid(), "motor_engine_union_config")), "motor_engine_union_config",
                  "is required for PD hybrid")

    @pytest.mark.parametrize("section", ["motor_engine_prefill_config", "motor_engine_decode_config"])
    def test_hybrid_forbids_prefill_and_decode_sections(self, section):
        cfg = hybrid()
        cfg[section] = copy.deepcopy(cfg["motor_engine_union_config"])
        one_error(c.validate(cfg), section, "is not allowed in PD hybrid")

    def test_hybrid_needs_its_counts(self):
        result = c.validate(delp(hybrid(), "motor_deploy_config.hybrid_pod_npu_num"))
        one_error(result, "motor_deploy_config.hybrid_pod_npu_num", "is required for PD hybrid")

    def test_pods_per_instance_defaults_to_one(self):
        result = ok(c.validate(delp(hybrid(), "motor_deploy_config.single_hybrid_instance_pod_num")))
        assert result.user_config["motor_deploy_config"]["single_hybrid_instance_pod_num"] == 1

    @pytest.mark.parametrize("section", ["motor_engine_prefill_config", "motor_engine_decode_config"])
    def test_pd_needs_both_prefill_and_decode(self, section):
        one_error(c.validate(delp(pd(), section)), section, "is required for PD separate")

    def test_pd_forbids_union_section(self):
        cfg = pd()
        cfg["motor_engine_union_config"] = hybrid()["motor_engine_union_config"]
        one_error(c.validate(cfg), "motor_engine_union_config", "is not allowed in PD separate")

    def test_pd_kv_roles_producer_consumer(self):
        cfg = setp(pd(), "motor_engine_prefill_config.engine_config.kv_transfer_config.kv_role", "kv_consumer")
        one_error(c.validate(cfg), "motor_engine_prefill_config.engine_config.kv_transfer_config.kv_role",
                  "must be kv_producer")
        cfg = setp(pd(), "motor_engine_decode_config.engine_config.kv_transfer_config.kv_role", "kv_producer")
        one_error(c.validate(cfg), "motor_engine_decode_config.engine_config.kv_transfer_config.kv_role",
                  "must be kv_consumer")

    def test_pd_kv_role_missing(self):
        cfg = delp(pd(), "motor_engine_decode_config.engine_config.kv_transfer_config.kv_role")
        one_error(c.validate(cfg), "motor_engine_decode_config.engine_config.kv_transfer_config.kv_role",
                  "is required (kv_consumer)")

    def test_pd_vllm_needs_kv_transfer_config(self):
        cfg = delp(pd(), "motor_engine_prefill_config.engine_config.kv_transfer_config")
        one_error(c.validate(cfg), "motor_engine_prefill_config.engine_config.kv_transfer_config",
                  "is required for PD separate with vllm")

    def test_kv_transfer_config_dash_spelling_is_understood(self):
        cfg = pd()
        engine = cfg["motor_engine_prefill_config"]["engine_config"]
        engine["kv-transfer-config"] = engine.pop("kv_transfer_config")
        ok(c.validate(cfg))
        engine["kv-transfer-config"]["kv_role"] = "kv_consumer"
        one_error(c.validate(cfg), "motor_engine_prefill_config.engine_config.kv-transfer-config.kv_role",
                  "must be kv_producer")

    def test_union_rejects_producer_consumer_roles(self):
        kvt = {"kv_connector": "MooncakeConnectorV1", "kv_port": "30001"}
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.kv_transfer_config", dict(kvt))
        ok(c.validate(cfg))  # upstream's union example carries a kv_transfer_config without a role
        kvt["kv_role"] = "kv_producer"
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.kv_transfer_config", kvt)
        one_error(c.validate(cfg), "motor_engine_union_config.engine_config.kv_transfer_config.kv_role",
                  "PD separate only")

    def test_pd_engine_types_match(self):
        cfg = setp(pd(), "motor_engine_decode_config.engine_type", "mindie-llm")
        has_error(c.validate(cfg), "motor_engine_decode_config.engine_type", "must equal")

    def test_sglang_refused_with_the_reason(self):
        cfg = setp(pd(), "motor_engine_decode_config.engine_type", "sglang")
        has_error(c.validate(cfg), "motor_engine_decode_config.engine_type", "mf_store")

    def test_encode_role_refused_with_the_reason(self):
        result = c.validate(pd(e_instances_num=1))
        one_error(result, "motor_deploy_config.e_instances_num", "encode (E) role")

    def test_pd_served_model_names_match(self):
        cfg = setp(pd(), "motor_engine_decode_config.engine_config.served_model_name", "other")
        one_error(c.validate(cfg), "motor_engine_decode_config.engine_config.served_model_name", "must equal")

    def test_coordinator_deploy_mode_matches_topology(self):
        cfg = setp(hybrid(), "motor_coordinator_config.scheduler_config.deploy_mode", "pd_separate")
        one_error(c.validate(cfg), "motor_coordinator_config.scheduler_config.deploy_mode", "must be single_node")
        cfg = setp(pd(), "motor_coordinator_config.scheduler_config.deploy_mode", "single_node")
        one_error(c.validate(cfg), "motor_coordinator_config.scheduler_config.deploy_mode", "must be pd_separate")
        ok(c.validate(setp(hybrid(), "motor_coordinator_config.scheduler_config.deploy_mode", "single_node")))

    @pytest.mark.parametrize("mode", ["pd_separate", "pd_dual_dispatch", "cdp_separate", "cpcd_separate"])
    def test_upstream_pd_coordinator_modes_accepted(self, mode):
        result = ok(c.validate(setp(pd(), "motor_coordinator_config.scheduler_config.deploy_mode", mode)))
        assert result.derived["scheduler"]["deploy_mode"] == mode

    def test_hybrid_gets_single_node_written(self):
        result = ok(c.validate(hybrid()))
        assert result.user_config["motor_coordinator_config"]["scheduler_config"]["deploy_mode"] == "single_node"

    def test_single_container_coordinator_mode(self):
        cfg = single(pd(deploy_mode="single_container", p_instances_num=1, p_pod_npu_num=4, d_pod_npu_num=4))
        setp(cfg, "motor_engine_decode_config.engine_config.tensor_parallel_size", 4)
        result = ok(c.validate(cfg))
        assert result.user_config["motor_coordinator_config"]["scheduler_config"]["deploy_mode"] == \
            "pd_disaggregation_single_container"
        setp(cfg, "motor_coordinator_config.scheduler_config.deploy_mode", "pd_separate")
        one_error(c.validate(cfg), "motor_coordinator_config.scheduler_config.deploy_mode",
                  "must be pd_disaggregation_single_container")
        cfg = setp(pd(), "motor_coordinator_config.scheduler_config.deploy_mode", "pd_disaggregation_single_container")
        one_error(c.validate(cfg), "motor_coordinator_config.scheduler_config.deploy_mode", "single_container")

    def test_single_container_mode(self):
        cfg = single(pd(deploy_mode="single_container", p_instances_num=1, p_pod_npu_num=4, d_pod_npu_num=4))
        setp(cfg, "motor_engine_decode_config.engine_config.tensor_parallel_size", 4)
        result = ok(c.validate(cfg))
        assert result.mode == "single_container"
        assert result.derived["topology"] == "pd_separate"

    def test_single_container_hybrid_refused_with_the_reason(self):
        result = c.validate(single(hybrid(deploy_mode="single_container", hybrid_instances_num=1)))
        one_error(result, "motor_deploy_config.deploy_mode", "starts prefill and decode instances")

    def test_single_container_one_pod_per_instance(self):
        cfg = single(pd(deploy_mode="single_container", p_instances_num=1, single_p_instance_pod_num=2,
                        p_pod_npu_num=2, d_pod_npu_num=4))
        setp(cfg, "motor_engine_prefill_config.engine_config.tensor_parallel_size", 2)
        setp(cfg, "motor_engine_decode_config.engine_config.tensor_parallel_size", 4)
        one_error(c.validate(cfg), "motor_deploy_config.single_p_instance_pod_num", "must be 1")

    def test_single_container_pd_fits_one_machine(self):
        # 2 x 4 + 1 x 8 = 16 NPUs > 8 on an A2 node
        result = c.validate(single(pd(deploy_mode="single_container")))
        one_error(result, "motor_deploy_config.deploy_mode", "need 16 NPUs")
        cfg = single(pd(deploy_mode="single_container", p_instances_num=1, p_pod_npu_num=4, d_pod_npu_num=4))
        setp(cfg, "motor_engine_decode_config.engine_config.tensor_parallel_size", 4)
        setp(cfg, "motor_controller_config.api_config.controller_api_port", 2026)
        setp(cfg, "motor_controller_config.api_config.observability_api_port", 2027)
        result = ok(c.validate(cfg, fixture("pd_separate_a2.env.json")))
        assert result.derived["largest_pod_npus"] == 8


# ---------------------------------------------------------------------------------------
# Parallel sizes, model path, names
# ---------------------------------------------------------------------------------------

class TestParallelAndModel:
    def test_npus_must_be_a_multiple_of_tp_dp_pp(self):
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.tensor_parallel_size", 3)
        error = one_error(c.validate(cfg), "motor_engine_union_config.engine_config.tensor_parallel_size",
                          "whole multiple of TP x DP x PP")
        assert "3 x 1 x 1 = 3" in error.rule and "= 4" in error.rule

    def test_more_npus_than_world_size_gives_several_endpoints(self):
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.tensor_parallel_size", 2)
        assert ok(c.validate(cfg)).derived["roles"]["union"]["endpoints_per_instance"] == 2

    def test_exact_match_when_multi_endpoints_off(self):
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.tensor_parallel_size", 2)
        setp(cfg, "motor_engine_union_config.enable_multi_endpoints", False)
        one_error(c.validate(cfg), "motor_engine_union_config.engine_config.tensor_parallel_size",
                  "must equal the NPUs of one instance")
        setp(cfg, "motor_engine_union_config.engine_config.data_parallel_size", 2)
        ok(c.validate(cfg))

    def test_parallel_sizes_span_pods(self):
        cfg = hybrid(single_hybrid_instance_pod_num=2, hybrid_pod_npu_num=16)
        setp(cfg, "motor_engine_union_config.engine_config.tensor_parallel_size", 16)
        setp(cfg, "motor_engine_union_config.engine_config.data_parallel_size", 2)
        setp(cfg, "motor_engine_union_config.enable_multi_endpoints", False)
        result = ok(c.validate(cfg))
        assert result.derived["roles"]["union"]["npus_per_instance"] == 32

    def test_parallel_size_must_be_positive_integer(self):
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.data_parallel_size", 0)
        one_error(c.validate(cfg), "motor_engine_union_config.engine_config.data_parallel_size", "at least 1")

    def test_parallel_sizes_default_to_one(self):
        cfg = hybrid(hybrid_pod_npu_num=1)
        engine = cfg["motor_engine_union_config"]["engine_config"]
        for key in ("tensor_parallel_size", "data_parallel_size", "pipeline_parallel_size"):
            del engine[key]
        result = ok(c.validate(cfg))
        assert result.user_config["motor_engine_union_config"]["engine_config"]["tensor_parallel_size"] == 1

    @pytest.mark.parametrize("model", ["/data/qwen3_8B", "/mnt/weightx/qwen", "/mnt/weight/../etc"])
    def test_model_must_lie_under_weight_mount_path(self, model):
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.model", model)
        error = one_error(c.validate(cfg), "motor_engine_union_config.engine_config.model",
                          "must lie under motor_deploy_config.weight_mount_path")
        assert error.value == model

    @pytest.mark.parametrize("model", ["/mnt/weight/qwen3_8B", "/mnt/weight", "/mnt/weight/a/b/"])
    def test_model_under_weight_mount_path(self, model):
        ok(c.validate(setp(hybrid(), "motor_engine_union_config.engine_config.model", model)))

    def test_model_must_be_absolute(self):
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.model", "qwen3_8B")
        one_error(c.validate(cfg), "motor_engine_union_config.engine_config.model", "absolute path")

    def test_weight_mount_path_must_be_absolute(self):
        one_error(c.validate(hybrid(weight_mount_path="mnt/weight")), "motor_deploy_config.weight_mount_path",
                  "absolute path")

    def test_model_required(self):
        cfg = delp(hybrid(), "motor_engine_union_config.engine_config.model")
        one_error(c.validate(cfg), "motor_engine_union_config.engine_config.model", "is required")

    @pytest.mark.parametrize("value", ["", "   "])
    def test_image_name_non_empty(self, value):
        one_error(c.validate(hybrid(image_name=value)), "motor_deploy_config.image_name", "non-empty")

    def test_image_name_required(self):
        one_error(c.validate(delp(hybrid(), "motor_deploy_config.image_name")),
                  "motor_deploy_config.image_name", "is required")

    def test_image_name_without_spaces(self):
        one_error(c.validate(hybrid(image_name="mindie motor:1")), "motor_deploy_config.image_name", "spaces")

    @pytest.mark.parametrize("value", ["", " ", 3])
    def test_served_model_name_non_empty(self, value):
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.served_model_name", value)
        one_error(c.validate(cfg), "motor_engine_union_config.engine_config.served_model_name", "non-empty")

    def test_served_model_name_dash_spelling(self):
        cfg = hybrid()
        engine = cfg["motor_engine_union_config"]["engine_config"]
        engine["served-model-name"] = engine.pop("served_model_name")
        assert ok(c.validate(cfg)).derived["served_model_name"] == "qwen3-8B"

    @pytest.mark.parametrize("job_id", ["Mindie-Motor", "mindie_motor", "-motor", "motor-", "a" * 64, ""])
    def test_job_id_must_be_a_namespace_name(self, job_id):
        one_error(c.validate(hybrid(job_id=job_id)), "motor_deploy_config.job_id", "valid Kubernetes namespace")

    @pytest.mark.parametrize("job_id", ["mindie-motor", "a", "a" * 63, "pd1"])
    def test_job_id_valid(self, job_id):
        result = ok(c.validate(hybrid(job_id=job_id)))
        assert result.derived["namespace"] == job_id

    def test_mindie_llm_multi_machine_forbids_prefix_cache(self):
        cfg = pd(p_pod_npu_num=8, p_instances_num=1)
        for role in ("prefill", "decode"):
            setp(cfg, "motor_engine_%s_config.engine_type" % role, "mindie-llm")
            setp(cfg, "motor_engine_%s_config.engine_config.tensor_parallel_size" % role, 8)
        setp(cfg, "motor_engine_prefill_config.engine_config.enable_prefix_caching", True)
        one_error(c.validate(cfg), "motor_engine_prefill_config.engine_config.enable_prefix_caching",
                  "Prefix Cache is not supported")
        cfg["motor_deploy_config"]["deploy_mode"] = "single_container"
        single(cfg)
        cfg["motor_deploy_config"]["p_pod_npu_num"] = cfg["motor_deploy_config"]["d_pod_npu_num"] = 4
        for role in ("prefill", "decode"):
            setp(cfg, "motor_engine_%s_config.engine_config.tensor_parallel_size" % role, 4)
        setp(cfg, "motor_controller_config.api_config.controller_api_port", 2026)
        setp(cfg, "motor_controller_config.api_config.observability_api_port", 2027)
        ok(c.validate(cfg))

    def test_vllm_pd_allows_prefix_cache(self):
        ok(c.validate(setp(pd(), "motor_engine_prefill_config.engine_config.enable-prefix-caching", True)))

    def test_mindie_llm_p_and_d_same_npus(self):
        cfg = pd()
        for role in ("prefill", "decode"):
            setp(cfg, "motor_engine_%s_config.engine_type" % role, "mindie-llm")
        one_error(c.validate(cfg), "motor_deploy_config.d_pod_npu_num", "same number of NPUs")


# ---------------------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------------------

class TestPorts:
    @pytest.mark.parametrize("value", [0, 65536, "1025", 1.5])
    def test_port_range_and_type(self, value):
        cfg = setp(hybrid(), "motor_coordinator_config.api_config.coordinator_api_infer_port", value)
        one_error(c.validate(cfg), "motor_coordinator_config.api_config.coordinator_api_infer_port", "port")

    def test_port_defaults(self):
        ports = ok(c.validate(hybrid())).derived["ports"]
        assert ports == {"coordinator_infer": 1025, "coordinator_mgmt": 1026, "coordinator_obs": 1027,
                         "controller_api": 1026, "controller_obs": 1027, "coordinator_node_port": 31015,
                         "coordinator_obs_node_port": 31017, "controller_obs_node_port": 31027,
                         "kv_conductor": 0}

    def test_coordinator_ports_must_differ(self):
        cfg = setp(hybrid(), "motor_coordinator_config.api_config.coordinator_api_mgmt_port", 1025)
        error = one_error(c.validate(cfg), "motor_coordinator_config.api_config.coordinator_api_mgmt_port",
                          "clashes with motor_coordinator_config.api_config.coordinator_api_infer_port")
        assert "coordinator pod" in error.rule

    def test_controller_and_coordinator_are_separate_pods(self):
        # 1026 on both is upstream's default and fine: they are different pods
        ok(c.validate(hybrid(deploy_mode="multi_deployment")))

    def test_single_container_ports_must_all_differ(self):
        cfg = single(pd(deploy_mode="single_container", p_instances_num=1, p_pod_npu_num=4, d_pod_npu_num=4))
        setp(cfg, "motor_controller_config.api_config.controller_api_port", 1026)
        setp(cfg, "motor_controller_config.api_config.observability_api_port", 1027)
        setp(cfg, "motor_engine_decode_config.engine_config.tensor_parallel_size", 4)
        result = c.validate(cfg)
        one_error(result, "motor_controller_config.api_config.controller_api_port", "single container")
        # upstream's own single-container example: controller API moved, observability ports both 1027
        setp(cfg, "motor_controller_config.api_config.controller_api_port", 2026)
        ok(c.validate(cfg))

    def test_engine_ports_must_differ(self):
        cfg = setp(pd(), "motor_engine_prefill_config.engine_config.kv_transfer_config.kv_port", "9000")
        one_error(c.validate(cfg), "motor_engine_prefill_config.engine_config.kv_transfer_config.kv_port",
                  "clashes with motor_engine_prefill_config.engine_config.data_parallel_rpc_port")

    def test_kv_port_must_be_a_port(self):
        cfg = setp(pd(), "motor_engine_prefill_config.engine_config.kv_transfer_config.kv_port", "port")
        one_error(c.validate(cfg), "motor_engine_prefill_config.engine_config.kv_transfer_config.kv_port", "port")

    def test_data_parallel_rpc_port_range(self):
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.data_parallel_rpc_port", 70000)
        one_error(c.validate(cfg), "motor_engine_union_config.engine_config.data_parallel_rpc_port", "65535")

    def test_kv_conductor_port_range(self):
        cfg = setp(hybrid(), "kv_conductor_config.http_server_port", 80)
        one_error(c.validate(cfg), "kv_conductor_config.http_server_port", "1024 and 65535")
        assert ok(c.validate(setp(hybrid(), "kv_conductor_config.http_server_port", 0))).derived["ports"][
            "kv_conductor"] == 0


# ---------------------------------------------------------------------------------------
# KV cache affinity, heterogeneous, TLS
# ---------------------------------------------------------------------------------------

class TestFeatures:
    def test_kv_cache_affinity_requires_conductor_port(self):
        cfg = setp(hybrid(), "motor_coordinator_config.scheduler_config.scheduler_type", "kv_cache_affinity")
        one_error(c.validate(cfg), "kv_conductor_config.http_server_port", "is required when scheduler_type")
        setp(cfg, "kv_conductor_config", {"block_size": 128})
        one_error(c.validate(cfg), "kv_conductor_config.http_server_port", "is required when scheduler_type")
        setp(cfg, "kv_conductor_config.http_server_port", 0)
        one_error(c.validate(cfg), "kv_conductor_config.http_server_port", "must not be 0")
        setp(cfg, "kv_conductor_config.http_server_port", 13333)
        result = ok(c.validate(cfg))
        assert result.derived["ports"]["kv_conductor"] == 13333
        assert result.derived["scheduler"]["kv_conductor_port"] == 13333
        assert "kv_conductor" in result.derived["roles"]

    def test_kv_affinity_nested_and_flat_must_agree(self):
        cfg = setp(hybrid(), "motor_coordinator_config.scheduler_config.kv_affinity_mode", "unified")
        setp(cfg, "motor_coordinator_config.scheduler_config.kv_affinity", {"mode": "load_gated"})
        one_error(c.validate(cfg), "motor_coordinator_config.scheduler_config.kv_affinity.mode", "contradicts")
        setp(cfg, "motor_coordinator_config.scheduler_config.kv_affinity", {"mode": "unified"})
        ok(c.validate(cfg))

    def hetero(self, **extra):
        values = dict(enable_pd_heterogeneous=True, pd_heterogeneous_label_key="hardware-type",
                      pd_heterogeneous_prefill_label_value="800I-A2-32G",
                      pd_heterogeneous_decode_label_value="800I-A2-64G")
        values.update(extra)
        return pd(**values)

    def test_heterogeneous_needs_its_labels(self):
        result = c.validate(pd(enable_pd_heterogeneous=True))
        assert sorted(paths(result)) == [
            "motor_deploy_config.pd_heterogeneous_decode_label_value",
            "motor_deploy_config.pd_heterogeneous_label_key",
            "motor_deploy_config.pd_heterogeneous_prefill_label_value",
        ]
        assert all("is required when enable_pd_heterogeneous is true" in e.rule for e in result.errors)

    def test_heterogeneous_selectors(self):
        derived = ok(c.validate(self.hetero())).derived
        assert derived["roles"]["prefill"]["node_selector"]["hardware-type"] == "800I-A2-32G"
        assert derived["roles"]["decode"]["node_selector"]["hardware-type"] == "800I-A2-64G"
        assert derived["roles"]["decode"]["node_selector"]["accelerator"] == "huawei-Ascend910"
        assert derived["heterogeneous"]["enabled"] is True

    def test_heterogeneous_label_value_without_spaces(self):
        result = c.validate(self.hetero(pd_heterogeneous_decode_label_value="800I A2(64G)"))
        one_error(result, "motor_deploy_config.pd_heterogeneous_decode_label_value", "label value")

    def test_heterogeneous_label_key_valid(self):
        result = c.validate(self.hetero(pd_heterogeneous_label_key="hardware type"))
        one_error(result, "motor_deploy_config.pd_heterogeneous_label_key", "label key")
        ok(c.validate(self.hetero(pd_heterogeneous_label_key="example.com/card-type")))

    def test_heterogeneous_values_differ(self):
        result = c.validate(self.hetero(pd_heterogeneous_decode_label_value="800I-A2-32G"))
        one_error(result, "motor_deploy_config.pd_heterogeneous_decode_label_value", "must differ")

    def test_heterogeneous_needs_pd_separate(self):
        result = c.validate(hybrid(enable_pd_heterogeneous=True))
        one_error(result, "motor_deploy_config.enable_pd_heterogeneous", "needs PD separate")

    def test_heterogeneous_labels_without_the_switch(self):
        result = c.validate(pd(pd_heterogeneous_label_key="hardware-type"))
        one_error(result, "motor_deploy_config.pd_heterogeneous_label_key", "has no effect")

    def tls(self, **item):
        return setp(hybrid(), "motor_deploy_config.tls_config.infer_tls_config", item)

    def test_tls_enabled_needs_its_files(self):
        result = c.validate(self.tls(enable_tls=True))
        assert sorted(paths(result)) == ["motor_deploy_config.tls_config.infer_tls_config.%s" % k
                                         for k in ("ca_file", "cert_file", "key_file")]
        assert all("is required when TLS is enabled" in e.rule for e in result.errors)

    def test_tls_enabled_with_files(self):
        files = dict(ca_file="/mnt/security/infer/ca.pem", cert_file="/mnt/security/infer/cert.pem",
                     key_file="/mnt/security/infer/cert.key.pem", passwd_file="", crl_file="")
        derived = ok(c.validate(self.tls(enable_tls=True, **files))).derived
        assert derived["tls"]["infer"] is True and derived["tls"]["any"] is True
        assert derived["tls"]["mgmt"] is False

    def test_tls_files_absolute(self):
        result = c.validate(self.tls(enable_tls=True, ca_file="ca.pem", cert_file="/a/cert.pem",
                                     key_file="/a/key.pem"))
        one_error(result, "motor_deploy_config.tls_config.infer_tls_config.ca_file", "absolute path")

    @pytest.mark.parametrize("key", ["tls_enable", "tls_crl"])
    def test_foreign_tls_keys_refused_with_the_reason(self, key):
        # motor/config/tls_config.py drops them silently: TLS would stay off
        result = c.validate(self.tls(**{key: True if key == "tls_enable" else ""}))
        error = one_error(result, "motor_deploy_config.tls_config.infer_tls_config." + key, "silently drops")
        assert "write " + constants.TLS_FOREIGN_KEYS[key] in error.rule

    def test_mgmt_tls_needs_the_inference_files(self):
        files = dict(ca_file="/c/ca.pem", cert_file="/c/cert.pem", key_file="/c/key.pem")
        cfg = setp(hybrid(), "motor_deploy_config.tls_config.mgmt_tls_config", dict(enable_tls=True, **files))
        setp(cfg, "motor_deploy_config.tls_config.infer_tls_config", {"enable_tls": False})
        result = c.validate(cfg)
        assert sorted(paths(result)) == ["motor_deploy_config.tls_config.infer_tls_config.%s" % k
                                         for k in ("ca_file", "cert_file", "key_file")]
        setp(cfg, "motor_deploy_config.tls_config.infer_tls_config", dict(enable_tls=False, **files))
        ok(c.validate(cfg))

    def test_tls_off_by_default(self):
        derived = ok(c.validate(hybrid())).derived
        assert derived["tls"] == {"infer": False, "mgmt": False, "etcd": False, "grpc": False,
                                  "observability": False, "any": False}

    def test_tls_disabled_needs_no_files(self):
        ok(c.validate(self.tls(enable_tls=False)))

    # TLS on by default (how stacks call validate: with the per-pod certificate folder)
    def test_tls_default_turns_on_inference_and_management(self):
        result = ok(c.validate(hybrid(), tls_cert_dir="/mnt/pdserve-tls/"))
        tls = result.user_config["motor_deploy_config"]["tls_config"]
        for name in ("infer_tls_config", "mgmt_tls_config"):
            assert tls[name] == {"enable_tls": True, "ca_file": "/mnt/pdserve-tls/ca.pem",
                                 "cert_file": "/mnt/pdserve-tls/cert.pem",
                                 "key_file": "/mnt/pdserve-tls/cert.key.pem",
                                 "passwd_file": "/mnt/pdserve-tls/cert_passwd.txt"}
        assert result.derived["tls"] == {"infer": True, "mgmt": True, "etcd": False, "grpc": False,
                                         "observability": False, "any": True}
        assert result.derived["tls_warnings"] == []

    def test_tls_default_keeps_the_users_files(self):
        config = self.tls(cert_file="/mine/cert.pem")
        tls = ok(c.validate(config, tls_cert_dir="/d")).user_config["motor_deploy_config"]["tls_config"]
        assert tls["infer_tls_config"]["cert_file"] == "/mine/cert.pem"
        assert tls["infer_tls_config"]["ca_file"] == "/d/ca.pem"

    def test_tls_turned_off_is_kept_off_with_a_warning(self):
        for key in ("enable_tls",):
            result = ok(c.validate(self.tls(**{key: False}), tls_cert_dir="/d"))
            assert result.derived["tls"]["infer"] is False and result.derived["tls"]["mgmt"] is True
            # off, but with the files (the engine side reads them while management TLS is on)
            assert result.user_config["motor_deploy_config"]["tls_config"]["infer_tls_config"] == {
                key: False, "ca_file": "/d/ca.pem", "cert_file": "/d/cert.pem", "key_file": "/d/cert.key.pem",
                "passwd_file": "/d/cert_passwd.txt"}
            (warning,) = result.derived["tls_warnings"]
            assert "infer_tls_config" in warning and "unencrypted" in warning

    def test_tls_default_leaves_a_broken_tls_config_to_the_schema(self):
        config = setp(hybrid(), "motor_deploy_config.tls_config", "on")
        one_error(c.validate(config, tls_cert_dir="/d"), "motor_deploy_config.tls_config", "object")
        config = self.tls()
        config["motor_deploy_config"]["tls_config"]["mgmt_tls_config"] = 3
        one_error(c.validate(config, tls_cert_dir="/d"), "motor_deploy_config.tls_config.mgmt_tls_config", "object")


# ---------------------------------------------------------------------------------------
# env.json
# ---------------------------------------------------------------------------------------

class TestEnv:
    @pytest.mark.parametrize("value", [None, [1], {"a": 1}])
    def test_env_values_strings_or_numbers(self, value):
        env = {"motor_engine_union_env": {"OMP_PROC_BIND": value}}
        result = c.validate(hybrid(), env)
        one_error(result, "env_config.motor_engine_union_env.OMP_PROC_BIND", "strings, numbers or booleans")

    @pytest.mark.parametrize("value,text", [(True, "True"), (False, "False")])
    def test_env_booleans_as_upstream_exports_them(self, value, text):
        env = {"motor_engine_union_env": {"OMP_PROC_BIND": value}}
        assert ok(c.validate(hybrid(), env)).derived["roles"]["union"]["env"]["OMP_PROC_BIND"] == text

    @pytest.mark.parametrize("value", ["false", 100, 0.5])
    def test_env_values_valid(self, value):
        env = {"motor_engine_union_env": {"OMP_PROC_BIND": value}}
        derived = ok(c.validate(hybrid(), env)).derived
        assert derived["roles"]["union"]["env"]["OMP_PROC_BIND"] == str(value)

    def test_env_name_valid(self):
        one_error(c.validate(hybrid(), {"motor_common_env": {"BAD-NAME": "x"}}),
                  "env_config.motor_common_env.BAD-NAME", "not a valid environment variable name")

    def test_unknown_env_section(self):
        error = one_error(c.validate(hybrid(), {"motor_engine_unoin_env": {}}),
                          "env_config.motor_engine_unoin_env", "unknown key")
        assert 'did you mean "motor_engine_union_env"' in error.rule

    def test_env_section_must_be_object(self):
        one_error(c.validate(hybrid(), {"motor_common_env": ["A=1"]}), "env_config.motor_common_env",
                  "must be an object")

    def test_component_env_overrides_common(self):
        env = {"motor_common_env": {"X": "common", "Y": "y"}, "motor_coordinator_env": {"X": "mine"}}
        roles = ok(c.validate(hybrid(), env)).derived["roles"]
        assert roles["coordinator"]["env"] == {"X": "mine", "Y": "y"}
        assert roles["controller"]["env"] == {"X": "common", "Y": "y"}

    @pytest.mark.parametrize("p, d", [(2, 0), (0, "1")])
    def test_pd_rates_both_zero_or_both_set(self, p, d):
        env = {"motor_controller_env": {"MINDIE_MS_P_RATE": p, "MINDIE_MS_D_RATE": d}}
        error = one_error(c.validate(pd(), env), "env_config.motor_controller_env.MINDIE_MS_%s_RATE"
                          % ("D" if p else "P"), "must both be 0")
        assert "P=%s, D=%s" % (p, d) in error.rule

    def test_pd_rates_one_missing_counts_as_zero(self):
        env = {"motor_common_env": {"MINDIE_MS_P_RATE": "3"}}
        one_error(c.validate(pd(), env), "env_config.motor_common_env.MINDIE_MS_D_RATE", "must both be 0")

    def test_pd_rates_sum_at_most_the_machine(self):
        env = {"motor_controller_env": {"MINDIE_MS_P_RATE": 5, "MINDIE_MS_D_RATE": "4"}}
        one_error(c.validate(pd(), env), "env_config.motor_controller_env.MINDIE_MS_D_RATE",
                  "must not exceed the 8 NPUs")

    @pytest.mark.parametrize("p, d", [(0, 0), ("0", "0"), (5, 3), ("1", "7")])
    def test_pd_rates_valid(self, p, d):
        ok(c.validate(pd(), {"motor_controller_env": {"MINDIE_MS_P_RATE": p, "MINDIE_MS_D_RATE": d}}))

    def test_pd_rates_integers(self):
        env = {"motor_controller_env": {"MINDIE_MS_P_RATE": "one", "MINDIE_MS_D_RATE": 1}}
        one_error(c.validate(pd(), env), "env_config.motor_controller_env.MINDIE_MS_P_RATE", "non-negative integer")


# ---------------------------------------------------------------------------------------
# Unknown keys
# ---------------------------------------------------------------------------------------

class TestUnknownKeys:
    @pytest.mark.parametrize("path, key, suggestion", [
        ("motor_deploy_config", "hybird_instances_num", "hybrid_instances_num"),
        ("", "motor_engine_unoin_config", "motor_engine_union_config"),
        ("motor_coordinator_config.scheduler_config", "schedule_type", "scheduler_type"),
        ("motor_controller_config.api_config", "controller_api_prot", "controller_api_port"),
        ("motor_deploy_config.tls_config.infer_tls_config", "cert_files", "cert_file"),
        ("motor_engine_union_config", "engine_configs", "engine_config"),
    ])
    def test_unknown_key_with_closest(self, path, key, suggestion):
        cfg = hybrid()
        node = cfg
        for part in filter(None, path.split(".")):
            node = node.setdefault(part, {})
        node[key] = 1
        result = c.validate(cfg)
        error = has_error(result, (path + "." if path else "") + key, "unknown key")
        assert 'did you mean "%s"' % suggestion in error.rule

    def test_unknown_key_without_close_match_lists_known(self):
        cfg = hybrid()
        cfg["motor_controller_config"] = {"api_config": {"zzz": 1}}
        error = one_error(c.validate(cfg), "motor_controller_config.api_config.zzz", "unknown key")
        assert "controller_api_port" in error.rule

    def test_engine_native_arguments_are_not_unknown(self):
        cfg = setp(hybrid(), "motor_engine_union_config.engine_config.max-num-seqs", 16)
        setp(cfg, "motor_engine_union_config.engine_config.additional-config", {"x": {"y": 1}})
        ok(c.validate(cfg))

    def test_documented_upstream_sections_are_known(self):
        cfg = hybrid()
        cfg["motor_coordinator_config"] = {"rate_limit_config": {"enable_rate_limit": False},
                                           "timeout_config": {"request_timeout": 30}, "aigw_model": None}
        cfg["motor_controller_config"] = {"fault_tolerance_config": {"enable_fault_tolerance": True}}
        ok(c.validate(cfg))


# ---------------------------------------------------------------------------------------
# All errors at once, normalization, derived values
# ---------------------------------------------------------------------------------------

class TestWhole:
    def test_all_errors_are_returned_together(self):
        cfg = hybrid(hybrid_instances_num=17, image_name="", job_id="Bad_Name", hardware_type="910")
        setp(cfg, "motor_engine_union_config.engine_config.model", "/elsewhere/m")
        setp(cfg, "motor_coordinator_config.scheduler_config.scheduler_type", "random")
        result = c.validate(cfg, {"motor_common_env": {"A": None}})
        assert sorted(paths(result)) == sorted([
            "motor_deploy_config.hybrid_instances_num",
            "motor_deploy_config.image_name",
            "motor_deploy_config.job_id",
            "motor_deploy_config.hardware_type",
            "motor_engine_union_config.engine_config.model",
            "motor_coordinator_config.scheduler_config.scheduler_type",
            "env_config.motor_common_env.A",
        ])

    def test_error_value_of_missing_key(self):
        result = c.validate(delp(hybrid(), "motor_deploy_config.job_id"))
        assert messages(result) == ["motor_deploy_config.job_id: <missing>: is required"]

    def test_error_to_dict(self):
        error = c.validate(hybrid(hybrid_instances_num=17)).errors[0]
        assert error.to_dict() == {"path": "motor_deploy_config.hybrid_instances_num", "value": 17,
                                   "rule": "must be between 1 and 16",
                                   "message": "motor_deploy_config.hybrid_instances_num: 17: must be between 1 and 16"}

    def test_input_is_not_modified(self):
        cfg = hybrid()
        before = copy.deepcopy(cfg)
        env = {"motor_common_env": {"A": 1}}
        c.validate(cfg, env, {"hybrid_instances_num": 4})
        assert cfg == before and env == {"motor_common_env": {"A": 1}}

    def test_defaults_are_filled_in(self):
        user = ok(c.validate(hybrid())).user_config
        assert user["motor_deploy_config"]["deploy_mode"] == "infer_service_set"
        assert user["motor_coordinator_config"]["api_config"]["coordinator_api_infer_port"] == 1025
        assert user["motor_coordinator_config"]["scheduler_config"]["scheduler_type"] == "load_balance"
        assert user["motor_coordinator_config"]["exception_config"]["max_retry"] == 5
        assert user["motor_controller_config"]["api_config"]["controller_api_port"] == 1026
        assert user["motor_controller_config"]["standby_config"]["enable_master_standby"] is False
        # no keys of the other topology appear
        assert not set(constants.PD_KEYS) & set(user["motor_deploy_config"])
        assert "motor_engine_prefill_config" not in user

    def test_normalization_is_idempotent(self):
        for name, env in (("pd_separate_a2.user_config.json", "pd_separate_a2.env.json"),
                          ("doc_pd_hybrid_kv_affinity.user_config.json", None)):
            first = ok(c.validate(fixture(name), fixture(env) if env else None))
            second = ok(c.validate(first.user_config, first.env_config))
            assert second.user_config == first.user_config
            assert second.derived == first.derived

    def test_derived_is_json_serialisable(self):
        result = ok(c.validate(fixture("pd_hybrid_a3_16.user_config.json"), fixture("pd_hybrid_a3_16.env.json")))
        assert json.loads(json.dumps(result.derived)) == result.derived

    def test_derived_hybrid_a3(self):
        derived = ok(c.validate(fixture("pd_hybrid_a3_16.user_config.json"),
                                fixture("pd_hybrid_a3_16.env.json"))).derived
        assert derived["job_id"] == derived["namespace"] == "deepseek-v3-hybrid"
        assert derived["node_selector"] == {"accelerator": "huawei-Ascend910", "accelerator-type": "module-a3-16"}
        assert derived["sp_block"] is True
        assert derived["npus_per_node"] == 16
        union = derived["roles"]["union"]
        assert (union["instances"], union["pods_per_instance"], union["npus_per_pod"]) == (16, 1, 16)
        assert union["total_npus"] == 256 and derived["total_npus"] == 256
        assert union["sp_block"] == 16
        assert derived["largest_pod_npus"] == 16
        assert derived["roles"]["controller"]["instances"] == 2  # master / standby
        assert derived["roles"]["coordinator"]["instances"] == 2
        assert derived["roles"]["controller"]["npus_per_pod"] == 0
        assert derived["scheduler"]["deploy_mode"] == "single_node"
        assert derived["scheduler"]["scheduler_type"] == "kv_cache_affinity"
        assert derived["scheduler"]["kv_affinity_mode"] == "load_gated"
        assert derived["scheduler"]["kv_affinity_load_gate_topn"] == 4
        assert derived["tls"]["any"] and derived["tls"]["grpc"] and not derived["tls"]["observability"]
        assert derived["image"].endswith("mindie-motor:2.0.0-a3")
        assert derived["engine_roles"] == ["union"]
        assert set(derived["roles"]) == {"union", "controller", "coordinator", "kv_conductor"}

    def test_derived_pd_a2(self):
        derived = ok(c.validate(pd(), fixture("pd_separate_a2.env.json"))).derived
        assert derived["node_selector"]["accelerator-type"] == "module-910b-8"
        assert derived["sp_block"] is False
        assert derived["scheduler"]["deploy_mode"] == "pd_separate"
        assert derived["roles"]["prefill"]["total_npus"] == 8
        assert derived["roles"]["decode"]["total_npus"] == 8
        assert derived["roles"]["prefill"]["kv_role"] == "kv_producer"
        assert derived["roles"]["prefill"]["ports"] == {"data_parallel_rpc_port": 9000, "kv_port": 30001,
                                                        "node_manager_port": 1026}
        assert derived["total_npus"] == 16
        assert derived["largest_pod_npus"] == 8
        assert derived["roles"]["controller"]["instances"] == 1
        assert "union" not in derived["roles"] and "kv_conductor" not in derived["roles"]

    def test_coordinator_standby_alone(self):
        cfg = setp(hybrid(), "motor_coordinator_config.standby_config.enable_master_standby", True)
        roles = ok(c.validate(cfg)).derived["roles"]
        assert (roles["controller"]["instances"], roles["coordinator"]["instances"]) == (1, 2)


# ---------------------------------------------------------------------------------------
# Overrides
# ---------------------------------------------------------------------------------------

class TestOverrides:
    def test_flat_key_lands_in_its_section(self):
        result = ok(c.validate(hybrid(), overrides={"hybrid_instances_num": 4, "scheduler_type": "round_robin"}))
        assert result.user_config["motor_deploy_config"]["hybrid_instances_num"] == 4
        assert result.user_config["motor_coordinator_config"]["scheduler_config"]["scheduler_type"] == "round_robin"

    def test_string_values_are_converted(self):
        overrides = {"hybrid_instances_num": "4", "controller_api_port": "2026", "kv_affinity_load_weight": "0.5"}
        result = ok(c.validate(hybrid(), overrides=overrides))
        assert result.derived["roles"]["union"]["instances"] == 4
        assert result.derived["ports"]["controller_api"] == 2026
        assert result.user_config["motor_coordinator_config"]["scheduler_config"]["kv_affinity_load_weight"] == 0.5

    def test_override_values_are_validated(self):
        one_error(c.validate(hybrid(), overrides={"hybrid_instances_num": 40}),
                  "motor_deploy_config.hybrid_instances_num", "between 1 and 16")

    def test_unknown_override(self):
        error = one_error(c.validate(hybrid(), overrides={"hybrid_instance_num": 4}),
                          "overrides.hybrid_instance_num", "unknown configuration key")
        assert 'did you mean "hybrid_instances_num"' in error.rule

    def test_ambiguous_override(self):
        error = one_error(c.validate(hybrid(), overrides={"enable_master_standby": True}),
                          "overrides.enable_master_standby", "ambiguous")
        assert "motor_controller_config.standby_config.enable_master_standby" in error.rule

    def test_dotted_override(self):
        result = ok(c.validate(hybrid(), overrides={
            "motor_coordinator_config.standby_config.enable_master_standby": "true"}))
        assert result.derived["roles"]["coordinator"]["instances"] == 2

    def test_section_override_merges(self):
        result = ok(c.validate(hybrid(), overrides={"motor_deploy_config": {"hybrid_instances_num": 3}}))
        assert result.user_config["motor_deploy_config"]["image_name"] == "mindie-motor:2.0.0"
        assert result.derived["roles"]["union"]["instances"] == 3

    def test_overrides_must_be_a_dict(self):
        has_error(c.validate(hybrid(), overrides=["hybrid_instances_num=4"]), "overrides", "must be an object")


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------

class TestLoadFiles:
    def test_reads_both(self):
        user, env, errors = c.load_files(os.path.join(FIXTURES, "doc_pd_hybrid.user_config.json"),
                                         os.path.join(FIXTURES, "doc_pd_hybrid.env.json"))
        assert errors == [] and user["version"] == "v2.0" and "motor_engine_union_env" in env

    def test_none_paths(self):
        assert c.load_files(None, None) == (None, None, [])

    def test_missing_file(self, tmp_path):
        path = str(tmp_path / "nope.json")
        user, env, errors = c.load_files(path, None)
        assert user is None
        assert [str(e) for e in errors] == ['user_config_path: "%s": file not found' % path]

    def test_invalid_json_names_line_and_column(self, tmp_path):
        path = tmp_path / "env.json"
        path.write_text('{\n  "motor_common_env": {"A": 1,}\n}\n')
        _user, env, errors = c.load_files(None, str(path))
        assert env is None and len(errors) == 1
        assert errors[0].path == "env_config_path"
        assert "is not valid JSON at line 2 column" in errors[0].rule

    def test_top_level_must_be_an_object(self, tmp_path):
        path = tmp_path / "u.json"
        path.write_text("[1]")
        _u, _e, errors = c.load_files(str(path), None)
        assert "must contain a JSON object" in errors[0].rule

    def test_directory(self, tmp_path):
        _u, _e, errors = c.load_files(str(tmp_path), None)
        assert "is a directory" in errors[0].rule

    def test_both_errors_reported(self, tmp_path):
        _u, _e, errors = c.load_files(str(tmp_path / "a"), str(tmp_path / "b"))
        assert [e.path for e in errors] == ["user_config_path", "env_config_path"]


# ---------------------------------------------------------------------------------------
# config_diff and the scale guard
# ---------------------------------------------------------------------------------------

class TestDiff:
    def test_identical(self):
        user = ok(c.validate(hybrid())).user_config
        assert c.config_diff(user, copy.deepcopy(user)) == []

    def test_changed_added_removed(self):
        old = {"a": {"b": 1, "c": [1, 2], "gone": True}, "x": 1}
        new = {"a": {"b": 2, "c": [1, 3], "new": None}, "x": 1.0}
        assert c.config_diff(old, new) == [
            ("a.b", 1, 2),
            ("a.c[1]", 2, 3),
            ("a.gone", True, c.ABSENT),
            ("a.new", c.ABSENT, None),
        ]

    def test_list_length_and_type_changes(self):
        assert c.config_diff({"l": [1]}, {"l": [1, 2]}) == [("l", [1], [1, 2])]
        assert c.config_diff({"v": "1"}, {"v": 1}) == [("v", "1", 1)]
        assert c.config_diff({"v": True}, {"v": 1}) == [("v", True, 1)]

    def test_scale_guard_allows_instance_counts_only(self):
        base = ok(c.validate(hybrid())).user_config
        requested = ok(c.validate(hybrid(hybrid_instances_num=5, image_name="mindie-motor:2.0.1"),
                                  overrides={"motor_deploy_config.deploy_mode": "multi_deployment"})).user_config
        errors, changes = c.scale_guard(base, requested)
        assert changes == [("motor_deploy_config.hybrid_instances_num", 2, 5)]
        assert sorted(e.path for e in errors) == ["motor_deploy_config.deploy_mode", "motor_deploy_config.image_name"]
        image = [e for e in errors if e.path.endswith("image_name")][0]
        assert str(image) == ('motor_deploy_config.image_name: "mindie-motor:2.0.1": differs from the deployed '
                              'baseline ("mindie-motor:2.0.0"); only d_instances_num, hybrid_instances_num, '
                              'p_instances_num may change on an update of a running deployment')

    def test_scale_guard_dotted_allowance(self):
        errors, changes = c.scale_guard({"a": {"b": 1}}, {"a": {"b": 2}}, ["a.b"])
        assert errors == [] and changes == [("a.b", 1, 2)]


# ---------------------------------------------------------------------------------------
# Robustness: any JSON in, errors out, never an exception
# ---------------------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _all_paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from _all_paths(value, prefix + (key,))


_BASE = hybrid()
_BASE_PATHS = list(_all_paths(_BASE)) + list(_all_paths(fixture("pd_separate_a2.user_config.json")))


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.sampled_from(_BASE_PATHS), _json, st.booleans())
def test_never_raises_on_any_value(path, value, use_pd):
    cfg = pd() if use_pd else hybrid()
    node = cfg
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value
    result = c.validate(cfg, {"motor_common_env": {"X": value}} if isinstance(value, str) else None)
    assert all(isinstance(e, c.ConfigError) and e.path and e.rule for e in result.errors)
    for error in result.errors:
        str(error)
    if result.ok:
        json.dumps(result.derived)


# --- issue 14 point 1: weight / model paths stay out of system paths --------------------------

@pytest.mark.parametrize("wmp", ["/", "/etc", "/etc/models", "/proc", "/sys/x", "/dev", "/boot", "/root/w",
                                 "/var/run", "/run/w", "/usr", "/usr/local/w", "/bin", "/lib", "/lib64/w",
                                 "/libx32", "/sbin", "/mnt/../etc", "//etc"])
def test_weight_mount_path_refuses_system_paths(wmp):
    cfg = hybrid(weight_mount_path=wmp)
    setp(cfg, "motor_engine_union_config.engine_config.model", "/mnt/weight/qwen3_8B")
    result = c.validate(cfg)
    error = has_error(result, "motor_deploy_config.weight_mount_path", "must not be / or a system path")
    assert error.value == wmp
    assert "/etc" in error.rule and "/lib64" in error.rule


@pytest.mark.parametrize("wmp", ["/mnt/weight", "/data/models", "/var/lib/models", "/library", "/home/m",
                                 "/etcetera", "/usrdata"])
def test_weight_mount_path_allows_other_paths(wmp):
    cfg = hybrid(weight_mount_path=wmp)
    setp(cfg, "motor_engine_union_config.engine_config.model", wmp.rstrip("/") + "/qwen3_8B")
    ok(c.validate(cfg))


def test_model_path_refuses_system_paths_and_every_error_is_listed():
    cfg = hybrid(weight_mount_path="/")
    setp(cfg, "motor_engine_union_config.engine_config.model", "/etc/qwen")
    result = c.validate(cfg)
    assert sorted(paths(result)) == ["motor_deploy_config.weight_mount_path",
                                     "motor_engine_union_config.engine_config.model"], messages(result)
    assert "it is below /etc" in has_error(result, "motor_engine_union_config.engine_config.model", "system path").rule
    assert "it is /" in has_error(result, "motor_deploy_config.weight_mount_path", "system path").rule


def test_pd_model_paths_refuse_system_paths():
    cfg = pd()
    for section in ("motor_engine_prefill_config", "motor_engine_decode_config"):
        setp(cfg, section + ".engine_config.model", "/usr/share/model")
    result = c.validate(cfg)
    for section in ("motor_engine_prefill_config", "motor_engine_decode_config"):
        has_error(result, section + ".engine_config.model", "below /usr")
