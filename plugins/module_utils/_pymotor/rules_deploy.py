# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Cross-field rules of the deployment: topology, hardware, identity, KV pool, scheduler,
heterogeneous nodes, ports."""
from __future__ import annotations

import re

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    NPUS_PER_NODE,
    system_path_rule,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.checks import (
    _good,
    _norm_path,
    _sub,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.constants import (
    CONTROLLER_OBS_NODE_PORT,
    COORDINATOR_NODE_PORT,
    COORDINATOR_OBS_NODE_PORT,
    DEFAULT_KV_LEASE_TTL,
    DEFAULT_KV_POOL_PORT,
    ENGINE_ROLES,
    HYBRID_KEYS,
    PD_COORDINATOR_DEPLOY_MODES,
    PD_KEYS,
    RENDERED_ENGINE_TYPES,
    SINGLE_CONTAINER_COORDINATOR_MODE,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    is_int,
    is_label_key,
    is_label_value,
    join,
    NAMESPACE_RE,
)


def _detect(deploy, ctx):
    """Topology from the motor_deploy_config keys: 'hybrid', 'pd' or None (after reporting why)."""
    hybrid = [k for k in HYBRID_KEYS if k in deploy]
    pd = [k for k in PD_KEYS if k in deploy]
    if hybrid and pd:
        for key in pd:
            ctx.err(join("motor_deploy_config", key), deploy[key],
                    "PD-separate keys are not allowed together with hybrid keys (%s); use one set"
                    % ", ".join(hybrid))
        return None
    if hybrid:
        return "hybrid"
    if pd:
        return "pd"
    ctx.err("motor_deploy_config", ABSENT,
            "must set either hybrid_instances_num and hybrid_pod_npu_num (PD hybrid) or "
            "p_instances_num, d_instances_num, p_pod_npu_num and d_pod_npu_num (PD separate)")
    return None


def _rules_topology(user, topology, ctx):
    deploy = user["motor_deploy_config"]
    roles = ("union",) if topology == "hybrid" else ("prefill", "decode")
    other = ("prefill", "decode") if topology == "hybrid" else ("union",)
    for role in roles:
        section, _env, inst_key, pods_key, npu_key = ENGINE_ROLES[role]
        for key in (inst_key, npu_key):
            if key not in deploy:
                ctx.err(join("motor_deploy_config", key), ABSENT,
                        "is required for %s" % ("PD hybrid" if topology == "hybrid" else "PD separate"))
        if pods_key not in deploy:
            deploy[pods_key] = 1
        if section not in user:
            ctx.err(section, ABSENT, "is required for %s"
                    % ("PD hybrid" if topology == "hybrid" else "PD separate (both prefill and decode)"))
    for role in other:
        section = ENGINE_ROLES[role][0]
        if section in user:
            ctx.err(section, "{...}", "is not allowed in %s" % (
                "PD hybrid (hybrid_* keys are set): remove the prefill/decode sections"
                if topology == "hybrid" else
                "PD separate (p_*/d_* keys are set): remove motor_engine_union_config"))
    return roles


def _role_counts(deploy, role, ctx):
    _section, _env, inst_key, pods_key, npu_key = ENGINE_ROLES[role]
    base = "motor_deploy_config"
    inst = _good(ctx, join(base, inst_key), deploy.get(inst_key, ABSENT), "int")
    pods = _good(ctx, join(base, pods_key), deploy.get(pods_key, ABSENT), "int")
    npus = _good(ctx, join(base, npu_key), deploy.get(npu_key, ABSENT), "int")
    return inst, pods, npus


def _rules_hardware(user, roles, topology, ctx):
    deploy = user["motor_deploy_config"]
    hardware = _good(ctx, "motor_deploy_config.hardware_type", deploy.get("hardware_type", ABSENT), "str")
    cards = NPUS_PER_NODE.get(hardware)
    if cards is None:
        return None
    for role in roles:
        npu_key = ENGINE_ROLES[role][4]
        npus = _role_counts(deploy, role, ctx)[2]
        if npus is not None and npus > cards:
            ctx.err(join("motor_deploy_config", npu_key), npus,
                    "must be at most %d: a %s node has %d NPUs and a pod asking for more is never "
                    "scheduled" % (cards, hardware, cards))
    if deploy.get("deploy_mode") == "single_container":
        total = 0
        for role in roles:
            inst, pods, npus = _role_counts(deploy, role, ctx)
            pods_key = ENGINE_ROLES[role][3]
            if pods is not None and pods != 1:
                ctx.err(join("motor_deploy_config", pods_key), pods,
                        "must be 1 with deploy_mode single_container (one machine per instance)")
            if inst is not None and npus is not None:
                total += inst * npus
        if topology == "pd" and total > cards:
            ctx.err("motor_deploy_config.deploy_mode", "single_container",
                    "single_container puts every P and D instance in one pod: they need %d NPUs "
                    "but a %s node has %d" % (total, hardware, cards))
    return cards


def _rules_not_rendered(user, topology, ctx):
    """What upstream's deployer accepts but pdserve cannot render yet: refused, with the reason."""
    deploy = user["motor_deploy_config"]
    for key in ("e_instances_num", "single_e_instance_pod_num", "e_pod_npu_num"):
        if key in deploy:
            ctx.err(join("motor_deploy_config", key), deploy[key],
                    "the encode (E) role of upstream's deployer is not rendered by pdserve yet; remove "
                    "the e_* keys (pdserve deploys prefill / decode or union instances)")
    if "motor_engine_encode_config" in user:
        ctx.err("motor_engine_encode_config", "{...}",
                "the encode (E) role of upstream's deployer is not rendered by pdserve yet")
    if topology == "hybrid" and deploy.get("deploy_mode") == "single_container":
        ctx.err("motor_deploy_config.deploy_mode", "single_container",
                "single_container starts prefill and decode instances in one pod (upstream's "
                "all_combine_in_single_container.sh reads p_/d_instances_num); PD hybrid needs "
                "infer_service_set or multi_deployment")
    for section in ("motor_engine_union_config", "motor_engine_prefill_config", "motor_engine_decode_config"):
        sec = user.get(section)
        if isinstance(sec, dict) and sec.get("engine_type") == "sglang":
            ctx.err(join(section, "engine_type"), "sglang",
                    "sglang needs upstream's mf_store component (ASCEND_MF_STORE_URL), which pdserve "
                    "does not render yet; use %s" % " or ".join(RENDERED_ENGINE_TYPES))


def _rules_kv_pool(user, ctx):
    """The Mooncake KV pool runs (as upstream decides) when kv_cache_pool_config is a non-empty
    object or the prefill / union engine's kv_transfer_config.kv_connector is MultiConnector.
    Returns its settings, or None."""
    cfg = user.get("kv_cache_pool_config")
    engine = user.get("motor_engine_prefill_config") or user.get("motor_engine_union_config") or {}
    kvt = _sub(engine, "engine_config", "kv_transfer_config")
    multi = kvt.get("kv_connector") == "MultiConnector"
    if not (isinstance(cfg, dict) and cfg) and not multi:
        return None
    if not isinstance(cfg, dict) or ctx.is_bad("kv_cache_pool_config"):
        if not isinstance(cfg, dict):
            ctx.err("kv_cache_pool_config", cfg if cfg is not None else ABSENT,
                    "is required (an object) when kv_transfer_config.kv_connector is MultiConnector: "
                    "the KV pool master needs eviction_high_watermark_ratio and eviction_ratio")
        return None
    missing = [k for k in ("eviction_high_watermark_ratio", "eviction_ratio") if k not in cfg]
    for key in missing:
        ctx.err(join("kv_cache_pool_config", key), ABSENT,
                "is required when the KV cache pool runs (upstream's deployer refuses the pool without it)")
    if missing:
        return None
    return {
        "port": cfg.get("port", DEFAULT_KV_POOL_PORT),
        "eviction_high_watermark_ratio": cfg["eviction_high_watermark_ratio"],
        "eviction_ratio": cfg["eviction_ratio"],
        "default_kv_lease_ttl": cfg.get("default_kv_lease_ttl", DEFAULT_KV_LEASE_TTL),
    }


def _rules_identity(user, ctx):
    deploy = user["motor_deploy_config"]
    job_id = _good(ctx, "motor_deploy_config.job_id", deploy.get("job_id", ABSENT), "str")
    if job_id is not None and (len(job_id) > 63 or not NAMESPACE_RE.match(job_id)):
        ctx.err("motor_deploy_config.job_id", job_id,
                "must be a valid Kubernetes namespace name (lower-case letters, digits and '-', "
                "starting and ending with a letter or digit, at most 63 characters)")
    wmp_path = "motor_deploy_config.weight_mount_path"
    wmp = _good(ctx, wmp_path, deploy.get("weight_mount_path", ABSENT), "str")
    if wmp is not None and not wmp.startswith("/"):
        ctx.err(wmp_path, wmp, "must be an absolute path")
        wmp = None
    elif wmp is not None and system_path_rule(wmp):
        ctx.err(wmp_path, wmp, system_path_rule(wmp))
        wmp = None
    image = _good(ctx, "motor_deploy_config.image_name", deploy.get("image_name", ABSENT), "str")
    if image is not None and re.search(r"\s", image.strip()):
        ctx.err("motor_deploy_config.image_name", image, "must not contain spaces")
    return _norm_path(wmp) if wmp else None


def _rules_scheduler(user, topology, ctx, raw_port):
    sched = _sub(user, "motor_coordinator_config", "scheduler_config")
    base = "motor_coordinator_config.scheduler_config"
    single = user["motor_deploy_config"].get("deploy_mode") == "single_container"
    dm = _good(ctx, join(base, "deploy_mode"), sched.get("deploy_mode", ABSENT), "str")
    if topology == "hybrid":
        allowed, wanted = ("single_node",), "single_node"
        why = "PD hybrid (union instances) is served by the single_node router"
    elif single:
        allowed, wanted = (SINGLE_CONTAINER_COORDINATOR_MODE,), SINGLE_CONTAINER_COORDINATOR_MODE
        why = ("deploy_mode single_container runs every instance in one container; only this mode "
               "gives their node managers distinct ports and devices")
    else:
        allowed, wanted = PD_COORDINATOR_DEPLOY_MODES, None
        why = ("PD separate with one pod per instance (%s runs every instance in one container: use "
               "motor_deploy_config.deploy_mode single_container for it)" % SINGLE_CONTAINER_COORDINATOR_MODE)
    if dm is not None and topology and dm not in allowed:
        ctx.err(join(base, "deploy_mode"), dm, "must be %s: %s" % (" or ".join(allowed), why))
    elif dm is None and wanted and topology and not ctx.is_bad(join(base, "deploy_mode")):
        # Upstream's deployer refuses a hybrid config without it and the runtime defaults to
        # pd_separate; we write the only mode that works into the rendered configuration.
        coord = user.setdefault("motor_coordinator_config", {})
        if isinstance(coord, dict):
            sc = coord.setdefault("scheduler_config", {})
            if isinstance(sc, dict):
                sc["deploy_mode"] = wanted
                sched = sc
        dm = wanted
    stype = _good(ctx, join(base, "scheduler_type"), sched.get("scheduler_type", ABSENT), "str")
    nested = sched.get("kv_affinity") if isinstance(sched.get("kv_affinity"), dict) else {}
    if "kv_affinity_mode" in sched and "mode" in nested and sched["kv_affinity_mode"] != nested["mode"]:
        ctx.err(join(base, "kv_affinity.mode"), nested["mode"],
                "contradicts kv_affinity_mode (%s)" % sched["kv_affinity_mode"])
    conductor_port = 0
    kvc = user.get("kv_conductor_config")
    if isinstance(kvc, dict) and not ctx.is_bad("kv_conductor_config"):
        port = _good(ctx, "kv_conductor_config.http_server_port", kvc.get("http_server_port", ABSENT), "int")
        # As upstream's deployer: the KV Conductor runs when http_server_port is set and not 0.
        conductor_port = port or 0
        if port is not None and port != 0 and port < 1024:
            ctx.err("kv_conductor_config.http_server_port", port, "must be 0 (disabled) or between 1024 and 65535")
    if stype == "kv_cache_affinity":
        if raw_port is ABSENT:
            ctx.err("kv_conductor_config.http_server_port", ABSENT,
                    "is required when scheduler_type is kv_cache_affinity (the KV Conductor serves "
                    "the cache index)")
        elif raw_port == 0:
            ctx.err("kv_conductor_config.http_server_port", 0,
                    "must not be 0 (disabled) when scheduler_type is kv_cache_affinity")

    def pick(flat, nested_key, default):
        if flat in sched:
            return sched[flat]
        if nested_key in nested:
            return nested[nested_key]
        return default

    return {
        # the runtime's default (motor/config/coordinator.py SchedulerConfig) when left out
        "deploy_mode": (dm or "pd_separate") if topology else None,
        "scheduler_type": stype or "load_balance",
        "kv_affinity_mode": pick("kv_affinity_mode", "mode", "unified"),
        "kv_affinity_load_weight": pick("kv_affinity_load_weight", "load_weight", 1.0),
        "kv_affinity_overlap_credit": pick("kv_affinity_overlap_credit", "overlap_credit", 1.0),
        "kv_affinity_prefill_load_scale": pick("kv_affinity_prefill_load_scale", "prefill_load_scale", 1.0),
        "kv_affinity_load_gate_topn": pick("kv_affinity_load_gate_topn", "load_gate_topn", 0) or 2,
        "kv_conductor_port": conductor_port,
    }


def _rules_heterogeneous(user, topology, ctx):
    deploy = user["motor_deploy_config"]
    base = "motor_deploy_config"
    enabled = _good(ctx, join(base, "enable_pd_heterogeneous"), deploy.get("enable_pd_heterogeneous", ABSENT), "bool")
    keys = ("pd_heterogeneous_label_key", "pd_heterogeneous_prefill_label_value",
            "pd_heterogeneous_decode_label_value")
    if not enabled:
        for key in keys:
            if key in deploy and not ctx.is_bad(join(base, key)):
                ctx.err(join(base, key), deploy[key], "has no effect unless enable_pd_heterogeneous is true")
        return None
    if topology == "hybrid":
        ctx.err(join(base, "enable_pd_heterogeneous"), True,
                "heterogeneous P/D hardware needs PD separate (p_*/d_* keys), not PD hybrid")
        return None
    good = True
    for key in keys:
        path = join(base, key)
        value = deploy.get(key, ABSENT)
        if value is ABSENT:
            ctx.err(path, ABSENT, "is required when enable_pd_heterogeneous is true")
            good = False
        elif ctx.is_bad(path):
            good = False
        elif key.endswith("label_key") and not is_label_key(value):
            ctx.err(path, value, "must be a valid Kubernetes label key")
            good = False
        elif not key.endswith("label_key") and not is_label_value(value):
            ctx.err(path, value, "must be a valid, non-empty Kubernetes label value (no spaces, at most "
                                 "63 characters)")
            good = False
    if good and deploy[keys[1]] == deploy[keys[2]]:
        ctx.err(join(base, keys[2]), deploy[keys[2]],
                "must differ from pd_heterogeneous_prefill_label_value: P and D go to different nodes")
        good = False
    if not good:
        return None
    return {"label_key": deploy[keys[0]], "prefill_value": deploy[keys[1]], "decode_value": deploy[keys[2]]}


def _rules_ports(user, topology, engine_infos, ctx):
    ctrl_api = _sub(user, "motor_controller_config", "api_config")
    coord_api = _sub(user, "motor_coordinator_config", "api_config")

    def collect(section, api, keys):
        found = []
        for key in keys:
            path = join(section + ".api_config", key)
            value = api.get(key)
            if is_int(value) and not ctx.is_bad(path):
                found.append((value, path))
        return found

    ctrl = collect("motor_controller_config", ctrl_api, ("controller_api_port", "observability_api_port"))
    coord = collect("motor_coordinator_config", coord_api,
                    ("coordinator_api_infer_port", "coordinator_api_mgmt_port", "coordinator_obs_port"))
    groups = []
    if user["motor_deploy_config"].get("deploy_mode") == "single_container":
        # Observability ports left out: upstream's own single-container example keeps both at
        # 1027 (one of the two observability servers then fails to bind; serving is unaffected).
        groups.append(("the single container", [p for p in coord + ctrl if "obs" not in p[1]]))
    else:
        groups.append(("the coordinator pod", coord))
        groups.append(("the controller pod", ctrl))
    for role, info in engine_infos.items():
        groups.append(("the %s engine pods" % role, list(info["ports"].values())))
    for where, ports in groups:
        seen = {}
        for value, path in ports:
            if value in seen:
                ctx.err(path, value, "clashes with %s in %s: ports of one pod must differ" % (seen[value], where))
            else:
                seen[value] = path

    def get(api, key):
        value = api.get(key)
        return value if is_int(value) else None

    return {
        "coordinator_infer": get(coord_api, "coordinator_api_infer_port"),
        "coordinator_mgmt": get(coord_api, "coordinator_api_mgmt_port"),
        "coordinator_obs": get(coord_api, "coordinator_obs_port"),
        "controller_api": get(ctrl_api, "controller_api_port"),
        "controller_obs": get(ctrl_api, "observability_api_port"),
        "coordinator_node_port": COORDINATOR_NODE_PORT,
        # upstream's observability NodePorts (coordinator_template.yaml, controller_template.yaml)
        "coordinator_obs_node_port": COORDINATOR_OBS_NODE_PORT,
        "controller_obs_node_port": CONTROLLER_OBS_NODE_PORT,
    }
