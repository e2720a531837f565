# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The kthena_mooncake configuration: its inputs and their defaults (private API).

The defaults reproduce the example of the users' document (kthena-modelserving-mooncake.md): a
ModelServing ``deepseek-pd`` in ``default``, one serving group of one prefill and one decode pod
(hostNetwork, 8 ``huawei.com/ascend-1980`` each, DP 4 x TP 2), vLLM-Ascend v0.13.0-a3 serving
DeepSeek-R1-Distill-Qwen-1.5B as ``ds_r1``, Mooncake KV transfer (``MooncakeConnectorV1``,
producer on kv_port 28000, consumer on 28100), NIC ``enp23s0f3``.
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import NPU_RESOURCE_1980, NPU_SCHEDULER
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import NO, Spec

#: The two roles of the stack, in the order the ModelServing lists them (Kthena: name <= 12 chars).
ROLES = ("prefill", "decode")
#: What each role is to Mooncake (vLLM's kv_role).
KV_ROLE = {"prefill": "kv_producer", "decode": "kv_consumer"}

#: The environment both scripts export, in the document's order (HCCL_BUFFSIZE differs per role
#: and is in the role's own ``env``).
_ENV_HEAD = {"OMP_PROC_BIND": "false", "OMP_NUM_THREADS": "10",
             "PYTORCH_NPU_ALLOC_CONF": "expandable_segments:True"}
_ENV_TAIL = {"TASK_QUEUE_ENABLE": "1", "HCCL_OP_EXPANSION_MODE": "AIV", "VLLM_USE_V1": "1"}


def _env(buffsize):
    out = dict(_ENV_HEAD)
    out["HCCL_BUFFSIZE"] = buffsize
    out.update(_ENV_TAIL)
    return out


#: The document's resources of each engine pod (the NPU count is the role's ``npus``).
_RESOURCES = {"limits": {"cpu": "94", "memory": "900Gi"}, "requests": {"cpu": "32", "memory": "350Gi"}}

#: The document's role settings.
ROLE_DEFAULTS = {
    "prefill": {
        "replicas": 1, "npus": 8, "dp": 4, "dp_local": 4, "tp": 2,
        "port": 7100, "dp_rpc_port": 12321, "kv_port": 28000,
        "env": _env("256"),
        "extra_args": ["--seed", "1024", "--max-model-len", "40000", "--max-num-batched-tokens", "16384",
                       "--max-num-seqs", "8", "--enforce-eager", "--trust-remote-code",
                       "--gpu-memory-utilization", "0.9", "--no-enable-prefix-caching",
                       "--additional-config", '{"recompute_scheduler_enable":true}'],
        "resources": _RESOURCES,
    },
    "decode": {
        "replicas": 1, "npus": 8, "dp": 4, "dp_local": None, "tp": 2,
        "port": 7101, "dp_rpc_port": 12322, "kv_port": 28100,
        "env": _env("600"),
        "extra_args": ["--seed", "1024", "--max-model-len", "40000", "--max-num-batched-tokens", "256",
                       "--max-num-seqs", "40", "--trust-remote-code", "--gpu-memory-utilization", "0.94",
                       "--no-enable-prefix-caching", "--additional-config",
                       '{"recompute_scheduler_enable":true,"finegrained_tp_config": {"lmhead_tensor_parallel_size":2}}',
                       "--compilation-config", '{"cudagraph_mode": "FULL_DECODE_ONLY"}'],
        "resources": _RESOURCES,
    },
}

#: The document's stack-wide settings.
DEFAULTS = {
    "name": "deepseek-pd",
    "namespace": "default",
    "image": "quay.io/ascend/vllm-ascend:v0.13.0-a3",
    "image_pull_policy": "IfNotPresent",
    "model_path": "/models/DeepSeek-R1-Distill-Qwen-1.5B",
    "model_host_dir": "/models",
    "served_model_name": "ds_r1",
    "replicas": 1,
    "scheduler_name": NPU_SCHEDULER,
    "recovery_policy": "ServingGroupRecreate",
    "restart_grace_period_seconds": 60,
    "host_network": True,
    "nic_name": "enp23s0f3",
    "npu_resource": NPU_RESOURCE_1980,
    "workspace": "/workspace",
    "vllm": "vllm",
    "kv_connector": "MooncakeConnectorV1",
    "kv_connector_module_path": "vllm_ascend.distributed.mooncake_connector",
    # The document's kv_connector_extra_config, without the prefill / decode sizes: those come
    # from the roles (given here, they must agree with them).
    "kv_connector_extra_config": {"use_ascend_direct": True},
    "readiness": {"path": "/health", "initial_delay_seconds": 60, "period_seconds": 10,
                  "timeout_seconds": 2, "failure_threshold": 3},
    # The node files the document mounts (hostPath); a node without them cannot run the engine.
    "host_files": {"hccn_conf": "/etc/hccn.conf", "hccn_tool": "/usr/local/Ascend/driver/tools/hccn_tool",
                   "ascend_install_info": "/etc/ascend_install.info"},
    "node_selector": {},
    "tolerations": [],
    "roles": ROLE_DEFAULTS,
}


#: The hostPath volumes of every engine pod, in the pod's order: (volume name, config key, hostPath type).
#: The template renders them from :func:`host_paths`; node_prepare checks them on the engine nodes.
HOST_PATH_VOLUMES = (
    ("model", "model_host_dir", "Directory"),
    ("hccn-conf", "host_files.hccn_conf", "File"),
    ("hccn-tool", "host_files.hccn_tool", "File"),
    ("ascend-install-info", "host_files.ascend_install_info", "File"),
)


def host_paths(cfg):
    """[{name, key, path, type}] of the hostPath volumes of ``cfg`` (a configuration with its
    defaults filled in); each is mounted in the container at its host path."""
    out = []
    for name, key, kind in HOST_PATH_VOLUMES:
        value = cfg
        for part in key.split("."):
            value = value[part]
        out.append({"name": name, "key": key, "path": value, "type": kind})
    return out


def model_host_path(cfg):
    """The model folder on the node (the pods mount ``model_host_dir`` at its own path), or None
    when ``model_path`` is not below ``model_host_dir`` (then it is in the image)."""
    root = cfg["model_host_dir"].rstrip("/") or "/"
    path = cfg["model_path"].rstrip("/") or "/"
    if path != root and path.startswith(root if root.endswith("/") else root + "/"):
        return path
    return None


def _role_spec(name):
    d = ROLE_DEFAULTS[name]
    return Spec("obj", default={}, keys={
        "replicas": Spec("int", default=d["replicas"], lo=1, hi=64),
        "npus": Spec("int", default=d["npus"], lo=1, hi=64),
        "dp": Spec("int", default=d["dp"], lo=1, hi=256),
        "dp_local": Spec("any", default=d["dp_local"]),
        "tp": Spec("int", default=d["tp"], lo=1, hi=64),
        "port": Spec("port", default=d["port"], lo=1024),
        "dp_rpc_port": Spec("port", default=d["dp_rpc_port"], lo=1024),
        "kv_port": Spec("port", default=d["kv_port"], lo=1024),
        "env": Spec("obj", default=d["env"], closed=False),
        "extra_args": Spec("list", default=d["extra_args"]),
        "resources": Spec("obj", default=d["resources"], closed=False),
    })


SPEC = Spec("obj", keys={
    "name": Spec("str", default=DEFAULTS["name"], check="name"),
    "namespace": Spec("str", default=DEFAULTS["namespace"], check="name"),
    "image": Spec("str", default=DEFAULTS["image"], check="nonempty"),
    "image_pull_policy": Spec("str", default=DEFAULTS["image_pull_policy"], enum=["Always", "IfNotPresent", "Never"]),
    "model_path": Spec("str", default=DEFAULTS["model_path"], check="weightpath"),
    "model_host_dir": Spec("str", default=DEFAULTS["model_host_dir"], check="weightpath"),
    "served_model_name": Spec("str", default=DEFAULTS["served_model_name"], check="nonempty"),
    "replicas": Spec("int", default=DEFAULTS["replicas"], lo=1, hi=64),
    "scheduler_name": Spec("str", default=DEFAULTS["scheduler_name"], check="nonempty"),
    "recovery_policy": Spec("str", default=DEFAULTS["recovery_policy"],
                            enum=["ServingGroupRecreate", "RoleRecreate", "None"]),
    "restart_grace_period_seconds": Spec("int", default=DEFAULTS["restart_grace_period_seconds"], lo=0),
    "host_network": Spec("bool", default=DEFAULTS["host_network"]),
    "nic_name": Spec("str", default=DEFAULTS["nic_name"], check="nonempty"),
    "npu_resource": Spec("str", default=DEFAULTS["npu_resource"], check="nonempty"),
    "workspace": Spec("str", default=DEFAULTS["workspace"], check="abspath"),
    "vllm": Spec("str", default=DEFAULTS["vllm"], check="nonempty"),
    "kv_connector": Spec("str", default=DEFAULTS["kv_connector"], check="nonempty"),
    "kv_connector_module_path": Spec("str", default=DEFAULTS["kv_connector_module_path"], check="nonempty"),
    "kv_connector_extra_config": Spec("obj", default=DEFAULTS["kv_connector_extra_config"], closed=False),
    "readiness": Spec("obj", default={}, keys={
        key: Spec("str" if key == "path" else "int", default=value, **({} if key == "path" else {"lo": 0}))
        for key, value in DEFAULTS["readiness"].items()}),
    "host_files": Spec("obj", default={}, keys={
        key: Spec("str", default=value, check="abspath") for key, value in DEFAULTS["host_files"].items()}),
    "node_selector": Spec("obj", default={}, closed=False),
    "tolerations": Spec("list", default=[]),
    "roles": Spec("obj", default={}, keys={name: _role_spec(name) for name in ROLES}),
})

__all__ = ["DEFAULTS", "HOST_PATH_VOLUMES", "KV_ROLE", "NO", "ROLES", "ROLE_DEFAULTS", "SPEC", "host_paths",
           "model_host_path"]
