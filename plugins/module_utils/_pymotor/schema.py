# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The schema of ``user_config.json`` (engine: ``_schema``), the flat-key index the overrides
use."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import HARDWARE_TYPES
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.constants import (
    CONFIG_VERSION,
    COORDINATOR_DEPLOY_MODES,
    DEPLOY_MODES,
    ENGINE_TYPES,
    ENV_SECTIONS,
    KV_AFFINITY_MODES,
    MAX_INSTANCES,
    SCHEDULER_TYPES,
    TLS_FOREIGN_KEYS,
    TLS_SECTIONS,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    NO,
    Spec,
)


def _obj(keys=None, closed=True, default=NO, required=False):
    return Spec("obj", default=default, keys=keys, closed=closed, required=required)


def _open(default=NO):
    return Spec("obj", default=default, closed=False)


def _int(lo=None, hi=None, default=NO, required=False):
    return Spec("int", default=default, lo=lo, hi=hi, required=required)


def _num(lo=None, hi=None, default=NO, lo_open=False):
    return Spec("num", default=default, lo=lo, hi=hi, lo_open=lo_open)


def _bool(default=NO):
    return Spec("bool", default=default)


def _str(default=NO, enum=None, required=False, nonempty=False):
    return Spec("str", default=default, enum=enum, required=required, nonempty=nonempty)


def _port(default=NO, zero_ok=False, lo=1):
    return Spec("port", default=default, lo=0 if zero_ok else lo, hi=65535)


def _any():
    return Spec("any")


def _tls_item():
    # Exactly what motor/config/tls_config.py reads; tls_enable / tls_crl are reported by
    # _rules_tls with the reason (the runtime would drop them and leave TLS off).
    spec = _obj({
        "enable_tls": _bool(),
        "ca_file": _str(),
        "cert_file": _str(),
        "key_file": _str(),
        "passwd_file": _str(),
        "crl_file": _str(),
    })
    spec.keys.update({key: _any() for key in TLS_FOREIGN_KEYS})
    return spec


def _engine_section():
    return _obj({
        "engine_type": _str(required=True, enum=ENGINE_TYPES),
        # engine_config holds the engine's native arguments: open, checked by _rules_engine
        "engine_config": _open(),
        "enable_multi_endpoints": _bool(),
        "dispatch_profile": _str(enum=("handoff", "trigger")),
        "motor_nodemanger_config": _open(),
        "health_check_config": _open(),
        "model_config": _open(),
        "kv_cache_store_config": _open(),
    })


_STANDBY = _obj({
    "enable_master_standby": _bool(default=False),
    "master_standby_check_interval": _num(lo=0, lo_open=True),
    "master_lock_ttl": _num(lo=0, lo_open=True),
    "master_lock_retry_interval": _num(lo=0, lo_open=True),
    "master_lock_max_failures": _int(lo=1),
    "master_lock_key": _str(),
}, default={})

USER_SCHEMA = _obj({
    "version": _str(default=CONFIG_VERSION, enum=(CONFIG_VERSION,)),
    "motor_deploy_config": _obj({
        "deploy_mode": _str(default="infer_service_set", enum=DEPLOY_MODES),
        "hybrid_instances_num": _int(lo=1, hi=MAX_INSTANCES),
        "single_hybrid_instance_pod_num": _int(lo=1),
        "hybrid_pod_npu_num": _int(lo=1),
        "p_instances_num": _int(lo=1, hi=MAX_INSTANCES),
        "d_instances_num": _int(lo=1, hi=MAX_INSTANCES),
        "single_p_instance_pod_num": _int(lo=1),
        "single_d_instance_pod_num": _int(lo=1),
        "p_pod_npu_num": _int(lo=1),
        "d_pod_npu_num": _int(lo=1),
        "image_name": _str(required=True, nonempty=True),
        "job_id": _str(required=True),
        "hardware_type": _str(required=True, enum=HARDWARE_TYPES),
        "weight_mount_path": _str(default="/mnt/weight"),
        "enable_pd_heterogeneous": _bool(),
        "pd_heterogeneous_label_key": _str(),
        "pd_heterogeneous_prefill_label_value": _str(),
        "pd_heterogeneous_decode_label_value": _str(),
        "tls_config": _obj({name: _tls_item() for name in TLS_SECTIONS}),
        # Where upstream's deploy.py finds env.json (documented; its current deploy.py takes
        # --env). Accepted; pdserve takes env.json from its own inputs (pdserve_env_config etc.).
        "env_path": _str(),
        # The encode (E) role of upstream: recognised, refused by _rules_encode with the reason.
        "e_instances_num": _any(),
        "single_e_instance_pod_num": _any(),
        "e_pod_npu_num": _any(),
    }, required=True),
    "motor_controller_config": _obj({
        "logging_config": _open(),
        "api_config": _obj({
            "controller_api_host": _str(),
            "controller_api_dns": _str(),
            "controller_api_port": _port(default=1026),
            "observability_api_port": _port(default=1027),
        }, default={}),
        "instance_config": _open(),
        "event_config": _open(),
        "fault_tolerance_config": _open(),
        "observability_config": _open(),
        "standby_config": _STANDBY,
        "etcd_config": _open(),
        "port_allocator_config": _open(),
        "precision_auto_recovery_enable": _bool(),
    }, default={}),
    "motor_coordinator_config": _obj({
        "scheduler_config": _obj({
            "deploy_mode": _str(enum=COORDINATOR_DEPLOY_MODES),
            "scheduler_type": _str(default="load_balance", enum=SCHEDULER_TYPES),
            "kv_affinity_mode": _str(enum=KV_AFFINITY_MODES),
            "kv_affinity_load_weight": _num(lo=0),
            "kv_affinity_overlap_credit": _num(lo=0),
            "kv_affinity_prefill_load_scale": _num(lo=0),
            "kv_affinity_load_gate_topn": _int(lo=0),
            # newer upstream spelling of the kv_affinity_* keys, and its other knobs
            "kv_affinity": _obj({
                "mode": _str(enum=KV_AFFINITY_MODES),
                "load_weight": _num(lo=0),
                "overlap_credit": _num(lo=0),
                "prefill_load_scale": _num(lo=0),
                "load_gate_topn": _int(lo=0),
                "w_npu": _num(lo=0),
                "w_cpu": _num(lo=0),
                "w_disk": _num(lo=0),
            }),
            "enable_pd_separation_fallback_to_hybrid": _bool(),
            "endpoint_instance_score_weight": _num(lo=0),
        }, default={}),
        "api_config": _obj({
            "coordinator_api_host": _str(),
            "coordinator_api_dns": _str(),
            "coordinator_api_infer_dns": _str(),
            "coordinator_api_obs_dns": _str(),
            "coordinator_api_infer_port": _port(default=1025),
            "coordinator_api_mgmt_port": _port(default=1026),
            "coordinator_obs_port": _port(default=1027),
        }, default={}),
        "exception_config": _obj({
            "max_retry": _int(lo=0, default=5),
            "transport_max_retry": _any(),
            "retry_delay": _num(lo=0, lo_open=True, default=0.2),
            "first_token_timeout": _num(lo=0, lo_open=True, default=600),
            "infer_timeout": _num(lo=0, lo_open=True, default=3600),
            "upstream_error_body_max_bytes": _int(lo=0),
            "reschedule_config": _open(),
        }, default={}),
        "timeout_config": _open(),
        "logging_config": _open(),
        "standby_config": _STANDBY,
        "etcd_config": _open(),
        "api_key_config": _open(),
        "mgmt_api_key_config": _open(),
        "rate_limit_config": _open(),
        "prometheus_metrics_config": _open(),
        "tracer_config": _open(),
        "inference_workers_config": _open(),
        "token_sampling_config": _open(),
        "port_allocator_config": _open(),
        "prefill_kv_event_config": _open(),
        "request_limit": _open(),
        "context_budget_mode": _str(enum=("off", "on")),
        "aigw_model": _any(),
    }, default={}),
    "motor_engine_union_config": _engine_section(),
    "motor_engine_prefill_config": _engine_section(),
    "motor_engine_decode_config": _engine_section(),
    "kv_conductor_config": _obj({
        "http_server_port": _port(zero_ok=True),
        "block_size": _int(lo=1),
    }, closed=False),
    # Mooncake KV cache pool (upstream kv_pool role): its master's port and eviction settings;
    # other keys go to upstream's mooncake_config.py as they are.
    "kv_cache_pool_config": _obj({
        "port": _port(),
        "eviction_high_watermark_ratio": _num(lo=0, hi=1),
        "eviction_ratio": _num(lo=0, hi=1),
        "default_kv_lease_ttl": _int(lo=1),
    }, closed=False),
    "kv_cache_store_config": _open(),
    # Top-level node manager settings (upstream reads logging_config.host_log_dir from here).
    "motor_nodemanger_config": _open(),
    "north_config": _open(),
    "motor_engine_encode_config": _any(),
})

ENV_SCHEMA_KEYS = ("version",) + ENV_SECTIONS


def _schema_at(path_keys):
    """The spec at a key path of USER_SCHEMA, or None when unknown or inside an open object."""
    spec = USER_SCHEMA
    for key in path_keys:
        if spec.kind != "obj" or key not in spec.keys:
            return None
        spec = spec.keys[key]
    return spec


def _flat_index():
    """leaf key name -> list of key paths where the schema knows it (for flat overrides)."""
    index = {}

    def walk(spec, keys):
        for name, sub in spec.keys.items():
            here = keys + (name,)
            if sub.kind == "obj" and sub.keys:
                walk(sub, here)
            elif sub.kind != "obj":
                index.setdefault(name, []).append(here)

    walk(USER_SCHEMA, ())
    return index


_FLAT_INDEX = _flat_index()
