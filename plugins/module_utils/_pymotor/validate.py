# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""validate(): files and overrides -> schema -> rules -> derived values (never raises)."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import NPUS_PER_NODE
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.checks import _good
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.derive import _derive
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.env import (
    _component_env,
    _rules_pd_rates,
    _validate_env,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.inputs import _apply_overrides
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.rules_deploy import (
    _detect,
    _rules_hardware,
    _rules_heterogeneous,
    _rules_identity,
    _rules_kv_pool,
    _rules_not_rendered,
    _rules_ports,
    _rules_scheduler,
    _rules_topology,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.rules_engine import (
    _rules_engine,
    _rules_mindie_llm,
    _rules_parallel_vs_npus,
    _rules_pd_pair,
    _rules_union,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.schema import (
    Result,
    USER_SCHEMA,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.tls import (
    _default_tls,
    _rules_tls,
    _tls_warnings,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    copy_json,
    Ctx,
    walk_schema,
)


def validate(user_config, env_config=None, overrides=None, tls_cert_dir=None):
    """Validate and normalize a deployment configuration; never raises for bad input.

    ``user_config`` and ``env_config`` are the contents of ``user_config.json`` and ``env.json``
    (dicts); ``overrides`` are flat ``{key: value}`` pairs (``hybrid_instances_num: 4``) or
    dotted paths (``motor_coordinator_config.scheduler_config.scheduler_type``) applied on top.
    With ``tls_cert_dir`` (how stacks call it), TLS is on by default: the inference and
    management sections the user leaves unset get ``enable_tls: true`` and the per-pod
    certificate files in that folder; ``derived["tls_warnings"]`` names the ones turned off.
    """
    ctx = Ctx()
    if not isinstance(user_config, dict):
        ctx.err("user_config", user_config, "must be an object (the content of user_config.json)")
        return Result(ctx.errors, user_config, env_config, None, {})
    user = copy_json(user_config)
    env = copy_json(env_config) if env_config is not None else None
    _apply_overrides(user, overrides, ctx)
    tls_off = _default_tls(user, tls_cert_dir) if tls_cert_dir else []
    # as the user wrote it (plus overrides), before defaults are filled in
    kvc = user.get("kv_conductor_config")
    raw_conductor_port = kvc.get("http_server_port", ABSENT) if isinstance(kvc, dict) else ABSENT
    walk_schema(USER_SCHEMA, user, "", ctx)
    env = _validate_env(env, ctx)

    deploy = user.get("motor_deploy_config")
    if not isinstance(deploy, dict):
        return Result(ctx.errors, user, env, None, {})

    topology = _detect(deploy, ctx)
    mode = None
    deploy_mode = _good(ctx, "motor_deploy_config.deploy_mode", deploy.get("deploy_mode", ABSENT), "str")
    if topology:
        if deploy_mode == "single_container":
            mode = "single_container"
        else:
            mode = "pd_hybrid" if topology == "hybrid" else "pd_separate"

    wmp = _rules_identity(user, ctx)
    tls = _rules_tls(user, ctx)
    _rules_not_rendered(user, topology, ctx)
    kv_pool = _rules_kv_pool(user, ctx)
    cards = None
    roles = ()
    infos = {}
    endpoints = {}
    sched = {}
    hetero = None
    ports = {}
    if topology:
        roles = _rules_topology(user, topology, ctx)
        cards = _rules_hardware(user, roles, topology, ctx)
        for role in roles:
            info = _rules_engine(user, role, wmp, ctx)
            if info is not None:
                infos[role] = info
                endpoints[role] = _rules_parallel_vs_npus(user, role, info, ctx)
        if topology == "pd":
            _rules_pd_pair(user, infos, ctx)
            _rules_mindie_llm(user, infos, ctx)
        else:
            _rules_union(infos, ctx)
        hetero = _rules_heterogeneous(user, topology, ctx)
        sched = _rules_scheduler(user, topology, ctx, raw_conductor_port)
        ports = _rules_ports(user, topology, infos, ctx)
    else:
        hardware = deploy.get("hardware_type")
        cards = NPUS_PER_NODE.get(hardware) if isinstance(hardware, str) else None
    _rules_pd_rates(env, cards, ctx)

    if ctx.errors:
        return Result(ctx.errors, user, env, mode, {})
    derived = _derive(user, env, mode, topology, roles, infos, endpoints, sched, hetero, tls, ports, wmp)
    derived["tls_warnings"] = _tls_warnings(tls_off)
    derived["kv_pool"] = kv_pool or {"enabled": False}
    if kv_pool:
        derived["kv_pool"]["enabled"] = True
        derived["roles"]["kv_pool"] = {
            "instances": 1, "pods_per_instance": 1, "npus_per_pod": 0, "npus_per_instance": 0,
            "total_npus": 0, "env": _component_env(env, "motor_kv_cache_pool_env"), "node_selector": {},
        }
    return Result([], user, env, mode, derived)
