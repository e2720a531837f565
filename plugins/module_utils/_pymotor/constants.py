# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Facts of MindIE-PyMotor's ``user_config.json`` (v2.0) and ``env.json``: deploy modes, engine
roles, TLS sections, fixed ports (upstream deployer, see docs/validate_config.md). Platform
facts (hardware, labels, resources) live in ``_platform``."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    POD_CA_FILE,
    POD_CERT_FILE,
    POD_KEY_FILE,
    POD_PASSWD_FILE,
)

CONFIG_VERSION = "v2.0"
DEPLOY_MODES = ("infer_service_set", "multi_deployment", "single_container")
#: motor/config/coordinator.py DeployMode (upstream). Which ones fit which topology: see
#: _rules_scheduler.
COORDINATOR_DEPLOY_MODES = ("single_node", "pd_separate", "cdp_separate", "cpcd_separate",
                            "pd_dual_dispatch", "pd_disaggregation_single_container")
PD_COORDINATOR_DEPLOY_MODES = ("pd_separate", "cdp_separate", "cpcd_separate", "pd_dual_dispatch")
SINGLE_CONTAINER_COORDINATOR_MODE = "pd_disaggregation_single_container"
DEFAULT_KV_POOL_PORT = 50088
DEFAULT_KV_LEASE_TTL = 11000
SCHEDULER_TYPES = ("load_balance", "round_robin", "kv_cache_affinity")
KV_AFFINITY_MODES = ("unified", "load_gated")
ENGINE_TYPES = ("vllm", "mindie-llm", "sglang")
#: Engine types pdserve renders. sglang needs upstream's mf_store component (ASCEND_MF_STORE_URL),
#: which pdserve does not render yet: refused with that reason.
RENDERED_ENGINE_TYPES = ("vllm", "mindie-llm")
KV_ROLES = ("kv_producer", "kv_consumer", "kv_both")
MAX_INSTANCES = 16
COORDINATOR_NODE_PORT = 31015
COORDINATOR_OBS_NODE_PORT = 31017
CONTROLLER_OBS_NODE_PORT = 31027
DEFAULT_KV_CONDUCTOR_PORT = 13333
TLS_SECTIONS = ("infer_tls_config", "mgmt_tls_config", "etcd_tls_config", "grpc_tls_config",
                "observability_tls_config")
#: The keys motor/config/tls_config.py (TLSConfig) keeps; it silently drops every other key.
TLS_KEYS = ("enable_tls", "ca_file", "cert_file", "key_file", "passwd_file", "crl_file")
#: Spellings of other products that MindIE-PyMotor ignores (TLS would silently stay off).
TLS_FOREIGN_KEYS = {"tls_enable": "enable_tls", "tls_crl": "crl_file"}
TLS_FILES_REQUIRED = ("ca_file", "cert_file", "key_file")
#: The sections a stack turns TLS on in unless the user says otherwise (inference and management
#: traffic; etcd, gRPC and observability reach services pdserve does not deploy).
TLS_DEFAULT_SECTIONS = ("infer_tls_config", "mgmt_tls_config")
#: File names the per-pod certificate generator (roles/pki, pdserve_pod_cert.py) writes.
TLS_DEFAULT_FILES = (("ca_file", POD_CA_FILE), ("cert_file", POD_CERT_FILE), ("key_file", POD_KEY_FILE),
                     ("passwd_file", POD_PASSWD_FILE))
ENV_SECTIONS = ("motor_common_env", "motor_controller_env", "motor_coordinator_env",
                "motor_engine_prefill_env", "motor_engine_decode_env", "motor_engine_union_env",
                "motor_kv_cache_pool_env", "motor_kv_conductor_env")
#: Keys that a scale operation may change unless the caller says otherwise.
DEFAULT_ALLOWED_CHANGES = ("hybrid_instances_num", "p_instances_num", "d_instances_num")

# Engine roles: name -> (config section, env section, instances key, pods key, npus key)
ENGINE_ROLES = {
    "union": ("motor_engine_union_config", "motor_engine_union_env",
              "hybrid_instances_num", "single_hybrid_instance_pod_num", "hybrid_pod_npu_num"),
    "prefill": ("motor_engine_prefill_config", "motor_engine_prefill_env",
                "p_instances_num", "single_p_instance_pod_num", "p_pod_npu_num"),
    "decode": ("motor_engine_decode_config", "motor_engine_decode_env",
               "d_instances_num", "single_d_instance_pod_num", "d_pod_npu_num"),
}
HYBRID_KEYS = ("hybrid_instances_num", "single_hybrid_instance_pod_num", "hybrid_pod_npu_num")
PD_KEYS = ("p_instances_num", "d_instances_num", "single_p_instance_pod_num",
           "single_d_instance_pod_num", "p_pod_npu_num", "d_pod_npu_num")

_PREFIX_CACHE_KEYS = ("enable_prefix_caching", "enable-prefix-caching", "prefix_caching")
