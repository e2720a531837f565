# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""validate(): files and overrides -> schema -> rules -> derived values (never raises)."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import NPUS_PER_NODE
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.checks import _good
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.derive import Checked, derive
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.env import _rules_pd_rates, _validate_env
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
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.schema import USER_SCHEMA
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.tls import _default_tls, _rules_tls
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    copy_json,
    Ctx,
    ErrorsResult,
    walk_schema,
)


class Result(ErrorsResult):
    """What :func:`validate` returns."""

    __slots__ = ("errors", "user_config", "env_config", "mode", "derived")

    def __init__(self, errors, user_config, env_config, mode, derived):
        self.errors = errors
        self.user_config = user_config
        self.env_config = env_config
        self.mode = mode
        self.derived = derived

    def __repr__(self):
        return "Result(ok=%r, mode=%r, errors=%r)" % (self.ok, self.mode, self.messages)


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

    c = Checked(user, env, mode, topology)
    c.wmp = _rules_identity(user, ctx)
    c.tls = _rules_tls(user, ctx)
    c.tls_off = tls_off
    _rules_not_rendered(user, topology, ctx)
    c.kv_pool = _rules_kv_pool(user, ctx)
    cards = None
    if topology:
        c.roles = _rules_topology(user, topology, ctx)
        cards = _rules_hardware(user, c.roles, topology, ctx)
        for role in c.roles:
            info = _rules_engine(user, role, c.wmp, ctx)
            if info is not None:
                c.infos[role] = info
                c.endpoints[role] = _rules_parallel_vs_npus(user, role, info, ctx)
        if topology == "pd":
            _rules_pd_pair(user, c.infos, ctx)
            _rules_mindie_llm(user, c.infos, ctx)
        else:
            _rules_union(c.infos, ctx)
        c.hetero = _rules_heterogeneous(user, topology, ctx)
        c.sched = _rules_scheduler(user, topology, ctx, raw_conductor_port)
        c.ports = _rules_ports(user, topology, c.infos, ctx)
    else:
        hardware = deploy.get("hardware_type")
        cards = NPUS_PER_NODE.get(hardware) if isinstance(hardware, str) else None
    _rules_pd_rates(env, cards, ctx)

    if ctx.errors:
        return Result(ctx.errors, user, env, mode, {})
    derived = derive(c)
    return Result([], user, env, mode, derived)
