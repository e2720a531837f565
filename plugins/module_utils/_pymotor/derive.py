# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The values derived for the stack steps (NPUs per pod, node selectors, ports, names).

:func:`derive` reads a :class:`Checked` (what the rules found, filled in by ``validate``) and
gives ``Result.derived``: the shape ``module_utils/_family.py`` describes for every
configuration family, plus MindIE-PyMotor's own keys.
"""
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
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.tls import _tls_warnings


class Checked:
    """What ``validate`` learned on the way: the normalized files, the mode and topology, and
    what each rule group returned (engine infos and endpoints per role, scheduler, heterogeneous
    labels, TLS, ports, weight mount path, KV pool, the TLS sections turned off)."""

    __slots__ = ("user", "env", "mode", "topology", "roles", "infos", "endpoints", "sched", "hetero", "tls",
                 "ports", "wmp", "kv_pool", "tls_off")

    def __init__(self, user, env, mode, topology):
        self.user = user
        self.env = env
        self.mode = mode
        self.topology = topology
        self.roles = ()
        self.infos = {}
        self.endpoints = {}
        self.sched = {}
        self.hetero = None
        self.tls = None
        self.ports = {}
        self.wmp = None
        self.kv_pool = None
        self.tls_off = []


def _control_role(env, env_section, instances=1):
    """A component without NPUs (controller, coordinator, KV pool, KV conductor)."""
    return {"instances": instances, "pods_per_instance": 1, "npus_per_pod": 0, "npus_per_instance": 0,
            "total_npus": 0, "env": _component_env(env, env_section), "node_selector": {}}


def _engine_roles(c, selector, a3):
    """``{role: {...}}`` of the engine roles, their total NPUs and the largest pod's NPUs."""
    deploy = c.user["motor_deploy_config"]
    out, total, largest = {}, 0, 0
    for role in c.roles:
        _section, env_section, inst_key, pods_key, npu_key = ENGINE_ROLES[role]
        info = c.infos[role]
        inst, pods, npus = deploy[inst_key], deploy[pods_key], deploy[npu_key]
        role_selector = dict(selector)
        if c.hetero:
            role_selector[c.hetero["label_key"]] = c.hetero["%s_value" % role]
        per_instance = pods * npus
        total += inst * per_instance
        largest = max(largest, npus)
        par = info["parallel"]
        out[role] = {
            "instances": inst,
            "pods_per_instance": pods,
            "npus_per_pod": npus,
            "npus_per_instance": per_instance,
            "total_npus": inst * per_instance,
            "env": _component_env(c.env, env_section),
            "engine_type": info["engine_type"],
            "served_model_name": info.get("served_model_name"),
            "model_path": info.get("model_path"),
            "tensor_parallel_size": par["tensor_parallel_size"],
            "data_parallel_size": par["data_parallel_size"],
            "pipeline_parallel_size": par["pipeline_parallel_size"],
            "endpoints_per_instance": c.endpoints.get(role),
            "kv_role": info["kv_role"],
            "node_selector": role_selector,
            "sp_block": per_instance if a3 else 0,
            "ports": {name: value for name, (value, _path) in info["ports"].items()},
        }
        # motor/config/node_manager.py APIConfig.node_manager_port (default 1026)
        out[role]["ports"].setdefault("node_manager_port", 1026)
    if c.mode == "single_container" and c.topology == "pd":
        largest = total
    return out, total, largest


def _standby(user):
    ctrl = _sub(user, "motor_controller_config", "standby_config").get("enable_master_standby") is True
    coord = ctrl or _sub(user, "motor_coordinator_config", "standby_config").get("enable_master_standby") is True
    return ctrl, coord


def derive(c):
    """``Result.derived`` of a configuration that broke no rule."""
    deploy = c.user["motor_deploy_config"]
    hardware = deploy["hardware_type"]
    a5 = is_a5(hardware)
    a3 = hardware == HW_A3 or a5  # sp-block: every type but the A2, as upstream
    selector = node_selector(hardware)
    roles, total, largest = _engine_roles(c, selector, a3)
    ctrl_standby, coord_standby = _standby(c.user)
    roles["controller"] = _control_role(c.env, "motor_controller_env", 2 if ctrl_standby else 1)
    roles["coordinator"] = _control_role(c.env, "motor_coordinator_env", 2 if coord_standby else 1)
    if c.sched.get("kv_conductor_port"):
        roles["kv_conductor"] = _control_role(c.env, "motor_kv_conductor_env")
    if c.kv_pool:
        roles["kv_pool"] = _control_role(c.env, "motor_kv_cache_pool_env")
    first = c.infos[c.roles[0]]
    ports = dict(c.ports, kv_conductor=c.sched.get("kv_conductor_port", 0))
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
        "mode": c.mode,
        "topology": "pd_hybrid" if c.topology == "hybrid" else "pd_separate",
        "image": deploy["image_name"].strip(),
        "served_model_name": first.get("served_model_name"),
        "model_path": first.get("model_path"),
        "weight_mount_path": c.wmp,
        "npus_per_node": NPUS_PER_NODE.get(hardware),
        "node_selector": selector,
        "sp_block": a3,
        "roles": roles,
        "engine_roles": list(c.roles),
        "total_npus": total,
        "largest_pod_npus": largest,
        "ports": ports,
        "tls": c.tls,
        "scheduler": c.sched,
        "heterogeneous": dict(c.hetero, enabled=True) if c.hetero else {"enabled": False},
        "standby": {"controller": ctrl_standby, "coordinator": coord_standby},
        "tls_warnings": _tls_warnings(c.tls_off),
        "kv_pool": dict(c.kv_pool, enabled=True) if c.kv_pool else {"enabled": False},
    }
