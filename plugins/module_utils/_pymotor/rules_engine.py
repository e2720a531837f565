# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Cross-field rules of the engines: engine arguments, parallelism against NPUs, P/D pairs."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import system_path_rule
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.checks import (
    _eget,
    _good,
    _norm_path,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.constants import (
    ENGINE_ROLES,
    KV_ROLES,
    _PREFIX_CACHE_KEYS,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.rules_deploy import _role_counts
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    is_int,
    is_num,
    join,
    port_number,
)


def _parallel(cfg, base, ctx):
    out = {}
    for name in ("tensor_parallel_size", "data_parallel_size", "pipeline_parallel_size"):
        key, value = _eget(cfg, name)
        path = join(base, key)
        if value is ABSENT:
            cfg[name] = 1
            value = 1
        elif not is_int(value):
            ctx.err(path, value, "must be an integer")
            value = None
        elif value < 1:
            ctx.err(path, value, "must be at least 1")
            value = None
        out[name] = value
    return out


def _rules_engine(user, role, wmp, ctx):
    """Rules inside one motor_engine_<role>_config section; returns facts for derived values."""
    section = ENGINE_ROLES[role][0]
    sec = user.get(section)
    if not isinstance(sec, dict) or ctx.is_bad(section):
        return None
    cfg = sec.get("engine_config", ABSENT)
    base = join(section, "engine_config")
    if cfg is ABSENT:
        ctx.err(base, ABSENT, "is required (model, served_model_name and the parallel sizes)")
        return None
    if not isinstance(cfg, dict):
        return None
    info = {"engine_type": _good(ctx, join(section, "engine_type"), sec.get("engine_type", ABSENT), "str")}
    key, name = _eget(cfg, "served_model_name")
    if name is ABSENT:
        ctx.err(join(base, key), ABSENT, "is required")
    elif not isinstance(name, str) or not name.strip():
        ctx.err(join(base, key), name, "must be a non-empty string")
    else:
        info["served_model_name"] = name
    key, model = _eget(cfg, "model")
    mpath = join(base, key)
    if model is ABSENT:
        ctx.err(mpath, ABSENT, "is required (path of the weights inside the container)")
    elif not isinstance(model, str) or not model.strip():
        ctx.err(mpath, model, "must be a non-empty string")
    elif not model.startswith("/"):
        ctx.err(mpath, model, "must be an absolute path under weight_mount_path")
    else:
        norm = _norm_path(model)
        info["model_path"] = norm
        if system_path_rule(norm):
            ctx.err(mpath, model, system_path_rule(norm))
        elif wmp and not (norm == wmp or norm.startswith(wmp.rstrip("/") + "/")):
            ctx.err(mpath, model, "must lie under motor_deploy_config.weight_mount_path (%s): only that "
                                  "host path is mounted into the pod" % wmp)
    info["parallel"] = _parallel(cfg, base, ctx)
    key, gmu = _eget(cfg, "gpu_memory_utilization")
    if gmu is not ABSENT and (not is_num(gmu) or not 0 < gmu <= 1):
        ctx.err(join(base, key), gmu, "must be a number greater than 0 and at most 1")
    key, mml = _eget(cfg, "max_model_len")
    if mml is not ABSENT and (not is_int(mml) or mml < 1):
        ctx.err(join(base, key), mml, "must be a positive integer")
    key, eep = _eget(cfg, "enable_expert_parallel")
    if eep is not ABSENT and not isinstance(eep, bool):
        ctx.err(join(base, key), eep, "must be a boolean (true or false)")
    ports = {}
    key, rpc = _eget(cfg, "data_parallel_rpc_port")
    if rpc is not ABSENT:
        if not is_int(rpc) or not 1 <= rpc <= 65535:
            ctx.err(join(base, key), rpc, "port must be an integer between 1 and 65535")
        else:
            ports["data_parallel_rpc_port"] = (rpc, join(base, key))
    nm = sec.get("motor_nodemanger_config")
    if isinstance(nm, dict) and isinstance(nm.get("api_config"), dict) and "node_manager_port" in nm["api_config"]:
        value = nm["api_config"]["node_manager_port"]
        npath = join(section, "motor_nodemanger_config.api_config.node_manager_port")
        if not is_int(value) or not 1 <= value <= 65535:
            ctx.err(npath, value, "port must be an integer between 1 and 65535")
        else:
            ports["node_manager_port"] = (value, npath)
    key, kvt = _eget(cfg, "kv_transfer_config")
    kvt_path = join(base, key)
    info["kv_role"] = None
    info["kv_role_missing"] = isinstance(kvt, dict) and "kv_role" not in kvt
    if kvt is not ABSENT:
        if not isinstance(kvt, dict):
            ctx.err(kvt_path, kvt, "must be an object")
        else:
            kv_role = kvt.get("kv_role", ABSENT)
            if kv_role is not ABSENT:
                if kv_role not in KV_ROLES:
                    ctx.err(join(kvt_path, "kv_role"), kv_role, "must be one of %s" % ", ".join(KV_ROLES))
                else:
                    info["kv_role"] = kv_role
            if "kv_port" in kvt:
                kv_port = port_number(kvt["kv_port"])
                if kv_port is None or not 1 <= kv_port <= 65535:
                    ctx.err(join(kvt_path, "kv_port"), kvt["kv_port"],
                            "port must be an integer (or a string of digits) between 1 and 65535")
                else:
                    ports["kv_port"] = (kv_port, join(kvt_path, "kv_port"))
    info["kv_transfer_path"] = kvt_path
    info["kv_transfer_present"] = kvt is not ABSENT
    info["ports"] = ports
    prefix = [k for k in _PREFIX_CACHE_KEYS if cfg.get(k) is True]
    info["prefix_cache_keys"] = [join(base, k) for k in prefix]
    _key, events = _eget(cfg, "kv_events_config")
    info["kv_events"] = events is not ABSENT
    info["enable_multi_endpoints"] = sec.get("enable_multi_endpoints", cfg.get("enable_multi_endpoints", True))
    return info


def _rules_parallel_vs_npus(user, role, info, ctx):
    deploy = user["motor_deploy_config"]
    inst, pods, npus = _role_counts(deploy, role, ctx)
    par = info["parallel"]
    if pods is None or npus is None or None in par.values():
        return None
    world = par["tensor_parallel_size"] * par["data_parallel_size"] * par["pipeline_parallel_size"]
    per_instance = pods * npus
    section = ENGINE_ROLES[role][0]
    path = join(section, "engine_config.tensor_parallel_size")
    detail = ("TP x DP x PP = %d x %d x %d = %d, an instance has %d pod(s) x %d NPUs = %d"
              % (par["tensor_parallel_size"], par["data_parallel_size"], par["pipeline_parallel_size"],
                 world, pods, npus, per_instance))
    multi = info.get("enable_multi_endpoints") is not False
    if multi:
        # Upstream's default (enable_multi_endpoints: true) runs one engine endpoint per
        # TP x DP x PP NPUs of the instance, so the instance's NPUs must be a whole multiple.
        if per_instance % world:
            ctx.err(path, par["tensor_parallel_size"],
                    "the NPUs of one instance must be a whole multiple of TP x DP x PP (%s)" % detail)
            return None
    elif world != per_instance:
        ctx.err(path, par["tensor_parallel_size"],
                "TP x DP x PP must equal the NPUs of one instance when enable_multi_endpoints is "
                "false (%s)" % detail)
        return None
    return per_instance // world


def _rules_pd_pair(user, infos, ctx):
    """Prefill / decode consistency and kv_transfer_config roles."""
    expected = {"prefill": "kv_producer", "decode": "kv_consumer"}
    for role, info in infos.items():
        want = expected[role]
        if info["engine_type"] == "vllm" and not info["kv_transfer_present"]:
            ctx.err(info["kv_transfer_path"], ABSENT,
                    "is required for PD separate with vllm (kv_role %s)" % want)
        elif info["kv_role"] is not None and info["kv_role"] != want:
            ctx.err(join(info["kv_transfer_path"], "kv_role"), info["kv_role"],
                    "must be %s in motor_engine_%s_config" % (want, role))
        elif info["kv_role_missing"]:
            ctx.err(join(info["kv_transfer_path"], "kv_role"), ABSENT, "is required (%s)" % want)
    p, d = infos.get("prefill"), infos.get("decode")
    if not p or not d:
        return
    if p.get("engine_type") and d.get("engine_type") and p["engine_type"] != d["engine_type"]:
        ctx.err("motor_engine_decode_config.engine_type", d["engine_type"],
                "must equal motor_engine_prefill_config.engine_type (%s)" % p["engine_type"])
    if p.get("served_model_name") and d.get("served_model_name") and p["served_model_name"] != d["served_model_name"]:
        ctx.err("motor_engine_decode_config.engine_config.served_model_name", d["served_model_name"],
                "must equal the prefill served_model_name (%s): the coordinator routes one model"
                % p["served_model_name"])


def _rules_union(infos, ctx):
    info = infos.get("union")
    if info and info["kv_role"] in ("kv_producer", "kv_consumer"):
        ctx.err(join(info["kv_transfer_path"], "kv_role"), info["kv_role"],
                "PD hybrid (union) instances do both prefill and decode: kv_role %s is for PD "
                "separate only" % info["kv_role"])


def _rules_mindie_llm(user, infos, ctx):
    """MindIE LLM PD separation limits (multi-machine: no Prefix Cache; same NPUs for P and D)."""
    if not all(i.get("engine_type") == "mindie-llm" for i in infos.values()) or len(infos) != 2:
        return
    deploy = user["motor_deploy_config"]
    if deploy.get("deploy_mode") != "single_container":
        for info in infos.values():
            for path in info["prefix_cache_keys"]:
                ctx.err(path, True, "Prefix Cache is not supported by multi-machine PD separation "
                                    "with mindie-llm (use deploy_mode single_container or disable it)")
    _i, p_pods, p_npus = _role_counts(deploy, "prefill", ctx)
    _i, d_pods, d_npus = _role_counts(deploy, "decode", ctx)
    if None not in (p_pods, p_npus, d_pods, d_npus) and p_pods * p_npus != d_pods * d_npus:
        ctx.err("motor_deploy_config.d_pod_npu_num", d_npus,
                "P and D instances must use the same number of NPUs with mindie-llm "
                "(prefill %d, decode %d)" % (p_pods * p_npus, d_pods * d_npus))
