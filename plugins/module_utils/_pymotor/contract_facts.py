# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Names and defaults of the MindIE-PyMotor pod contract: what upstream's templates and
boot.sh expect (ConfigMap, paths, roles, ServiceAccounts) and the stack settings' defaults."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    NPU_SCHEDULER,
    PKI_MOUNT_PATH,
    POD_CERT_DIR,
)


#: ConfigMap holding user_config.json, env.json and the start / probe scripts (every pod runs
#: its boot.sh, so no pod may write it: see rbac()).
CONFIGMAP = "motor-config"
#: Where upstream's templates mount that ConfigMap (env CONFIGMAP_PATH).
CONFIGMAP_PATH = "/mnt/configmap"
#: Upstream's CONFIG_PATH: a writable folder for the runtime's own files (hccl.json, ranktable,
#: the synced user_config.json); an emptyDir here.
CONFIG_PATH = "/usr/local/Ascend/pyMotor/conf"
#: ROLE values upstream's boot.sh dispatches on (controller.sh, coordinator.sh, engine.sh, ...).
COMPONENT_ROLES = {
    "controller": "controller",
    "coordinator": "coordinator",
    "union": "union",
    "prefill": "prefill",
    "decode": "decode",
    "kv_pool": "kv_pool",
    "kv_conductor": "kv_conductor",
    "single_container": "SINGLE_CONTAINER",
}
#: Letter upstream puts in an engine instance's JOB_NAME (engine.sh, generator/engine.py).
ENGINE_LETTER = {"union": "u", "prefill": "p", "decode": "d"}
#: InferServiceSet role names (upstream's infer_service_template.yaml).
ISS_ROLE = {"kv_pool": "kv-pool", "kv_conductor": "kv-conductor"}
#: Name of the InferServiceSet per engine type (upstream: constant.SERVER_BASE_NAME_MAP); the
#: operator names Services <service>-<this>-<service index>-<role>, short enough for 63 chars.
ISS_NAME = {"vllm": "vllm", "mindie-llm": "mindie-server", "sglang": "sglang"}
#: ServiceAccounts: only the controller talks to the Kubernetes API.
SA_CONTROLLER = "pdserve-motor-controller"
SA_NONE = "pdserve-motor"
#: The Ascend device plugin's per-node ConfigMaps the controller watches
#: (motor/config/controller.py FaultToleranceConfig.configmap_namespace / configmap_prefix).
DEVICE_INFO_NAMESPACE = "kube-system"

#: Every environment variable the contract can set, and who reads it (docs/pymotor_contract.md).
ENV_NAMES = (
    "POD_IP", "HOST_IP", "POD_NAMESPACE", "CONFIGMAP_PATH", "CONFIG_PATH", "USER_CONFIG_PATH", "ROLE",
    "JOB_NAME", "CONTROLLER_SERVICE", "COORDINATOR_SERVICE", "COORDINATOR_INFER_SERVICE",
    "COORDINATOR_OBS_SERVICE", "KV_CONDUCTOR_SERVICE", "KVP_MASTER_SERVICE", "KV_POOL_PORT",
    "KV_POOL_EVICTION_HIGH_WATERMARK_RATIO", "KV_POOL_EVICTION_RATIO", "DEFAULT_KV_LEASE_TTL",
    "DISAGGREGATION_BOOTSTRAP_PORT", "ENGINE_TYPE", "MODEL_NAME", "SERVICE_ID", "NORTH_PLATFORM",
    "MOTOR_LOG_PATH", "ASCEND_WORK_PATH", "ASCEND_CACHE_PATH", "HCCL_PATH", "RANKTABLE_PATH",
    "CONDUCTOR_CONFIG_PATH", "MOONCAKE_CONFIG_PATH",
)

_CONTROL_TOLERATIONS = [  # upstream's controller / coordinator templates
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30},
]

#: What a stack role may set (roles/stack defaults pass them); see docs/pymotor_contract.md.
DEFAULT_SETTINGS = {
    "image": "",                      # empty: motor_deploy_config.image_name
    "image_pull_policy": "IfNotPresent",
    "scheduler_name": NPU_SCHEDULER,
    "labels": {},                     # the stack's common labels
    # Upstream's requests / limits (yaml_template/*.yaml).
    "resources": {
        "controller": {"requests": {"cpu": "4", "memory": "2Gi"}, "limits": {"cpu": "8", "memory": "4Gi"}},
        "coordinator": {"requests": {"cpu": "16", "memory": "4Gi"}, "limits": {"cpu": "64", "memory": "8Gi"}},
        "engine": {"requests": {"cpu": "16", "memory": "64Gi"}, "limits": {"cpu": "64", "memory": "256Gi"}},
        "kv": {"requests": {"cpu": "4", "memory": "2Gi"}, "limits": {"cpu": "8", "memory": "4Gi"}},
    },
    "tolerations": {"control": [], "engine": []},
    "node_selector": {"control": {}, "engine": {}},
    # Upstream: fsGroup 1001, seccomp Unconfined, root. We: RuntimeDefault, root unless set.
    # GUESS: the Python programs and the NPU runtime need no syscall RuntimeDefault blocks, and
    # engines need no capability (NPU access is through device files); not tried on hardware.
    "fs_group": 1001,
    "seccomp_profile": "RuntimeDefault",
    "run_as_user": None,
    # The control pods (controller, coordinator, KV pool / conductor) alone; None: run_as_user.
    # A non-root user makes them satisfy Pod Security "restricted" (docs/safety.md).
    "control_run_as_user": None,
    "run_as_group": None,
    "engine_capabilities_add": [],
    "shm_size": "64Gi",
    "startup_failure_threshold": 360,
    # Upstream scripts the image ships (hccl_tools.py, mooncake_config.py): GUESS, from the
    # vendor document's "/tmp/motor/examples" inside the image and deploy.py's patch path.
    "upstream_scripts_dir": "/tmp/motor/examples/deployer/startup",
    "tls": {"enabled": False, "secret_prefix": "pdserve-pki", "tools_configmap": "pdserve-cert-tools",
            "mount_path": PKI_MOUNT_PATH, "cert_dir": POD_CERT_DIR, "ca_sha256": ""},
}
