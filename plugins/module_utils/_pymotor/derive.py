# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The values derived for the stack steps (NPUs per pod, node selectors, ports, names)."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    A5_SCHEDULE_POLICY,
    HW_A3,
    is_a5,
    node_selector,
    npu_resource,
    NPUS_PER_NODE,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.checks import _sub
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.constants import ENGINE_ROLES
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.env import _component_env


def _derive(user, env, mode, topology, roles, infos, endpoints, sched, hetero, tls, ports, wmp):
    deploy = user["motor_deploy_config"]
    hardware = deploy["hardware_type"]
    cards = NPUS_PER_NODE.get(hardware)
    a5 = is_a5(hardware)
    a3 = hardware == HW_A3 or a5  # sp-block: every type but the A2, as upstream
    selector = node_selector(hardware)
    out_roles = {}
    total = 0
    largest = 0
    for role in roles:
        section, env_section, inst_key, pods_key, npu_key = ENGINE_ROLES[role]
        info = infos[role]
        inst, pods, npus = deploy[inst_key], deploy[pods_key], deploy[npu_key]
        role_selector = dict(selector)
        if hetero:
            role_selector[hetero["label_key"]] = hetero["%s_value" % role]
        per_instance = pods * npus
        total += inst * per_instance
        largest = max(largest, npus)
        par = info["parallel"]
        out_roles[role] = {
            "instances": inst,
            "pods_per_instance": pods,
            "npus_per_pod": npus,
            "npus_per_instance": per_instance,
            "total_npus": inst * per_instance,
            "env": _component_env(env, env_section),
            "engine_type": info["engine_type"],
            "served_model_name": info.get("served_model_name"),
            "model_path": info.get("model_path"),
            "tensor_parallel_size": par["tensor_parallel_size"],
            "data_parallel_size": par["data_parallel_size"],
            "pipeline_parallel_size": par["pipeline_parallel_size"],
            "endpoints_per_instance": endpoints.get(role),
            "kv_role": info["kv_role"],
            "node_selector": role_selector,
            "sp_block": per_instance if a3 else 0,
            "ports": {name: value for name, (value, _path) in info["ports"].items()},
        }
    ctrl_standby = _sub(user, "motor_controller_config", "standby_config").get("enable_master_standby") is True
    coord_standby = ctrl_standby or _sub(
        user, "motor_coordinator_config", "standby_config").get("enable_master_standby") is True
    for role, standby, env_section in (("controller", ctrl_standby, "motor_controller_env"),
                                       ("coordinator", coord_standby, "motor_coordinator_env")):
        out_roles[role] = {
            "instances": 2 if standby else 1,
            "pods_per_instance": 1,
            "npus_per_pod": 0,
            "npus_per_instance": 0,
            "total_npus": 0,
            "env": _component_env(env, env_section),
            "node_selector": {},
        }
    if sched.get("kv_conductor_port"):
        out_roles["kv_conductor"] = {
            "instances": 1, "pods_per_instance": 1, "npus_per_pod": 0, "npus_per_instance": 0,
            "total_npus": 0, "env": _component_env(env, "motor_kv_conductor_env"), "node_selector": {},
        }
    if mode == "single_container" and topology == "pd":
        largest = total
    first = infos[roles[0]]
    ports = dict(ports)
    ports["kv_conductor"] = sched.get("kv_conductor_port", 0)
    for role in roles:
        # motor/config/node_manager.py APIConfig.node_manager_port (default 1026)
        out_roles[role]["ports"].setdefault("node_manager_port", 1026)
    return {
        "hardware": {
            "a5": a5,
            "npu_resource": npu_resource(hardware),
            "schedule_policy": A5_SCHEDULE_POLICY.get(hardware),
            "ring_controller": not a5,
        },
        "engine_type": first.get("engine_type"),
        "job_id": deploy["job_id"],
        "namespace": deploy["job_id"],
        "hardware_type": hardware,
        "deploy_mode": deploy["deploy_mode"],
        "mode": mode,
        "topology": "pd_hybrid" if topology == "hybrid" else "pd_separate",
        "image": deploy["image_name"].strip(),
        "served_model_name": first.get("served_model_name"),
        "model_path": first.get("model_path"),
        "weight_mount_path": wmp,
        "npus_per_node": cards,
        "node_selector": selector,
        "sp_block": a3,
        "roles": out_roles,
        "engine_roles": list(roles),
        "total_npus": total,
        "largest_pod_npus": largest,
        "ports": ports,
        "tls": tls,
        "scheduler": sched,
        "heterogeneous": dict(hetero, enabled=True) if hetero else {"enabled": False},
        "standby": {"controller": ctrl_standby, "coordinator": coord_standby},
    }
