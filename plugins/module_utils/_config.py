# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The deployment configuration model of pdserve.cluster (private API).

One place for the knowledge about MindIE-PyMotor's ``user_config.json`` (v2.0) and
``env.json``: their schema, every validation rule, the defaults we fill in and the values
derived for the templates (NPUs per pod, node selectors, ports, names).

Public names (used by modules, filters and the roles through the module):

- :func:`validate` -> :class:`Result` (``ok``, ``errors``, ``user_config``, ``env_config``,
  ``mode``, ``derived``)
- :class:`ConfigError` (``path``, ``value``, ``rule``); ``str()`` gives
  ``motor_deploy_config.hybrid_instances_num: 17: must be between 1 and 16``
- :func:`load_files` reads the two JSON files with clear errors
- :func:`config_diff` lists the differences of two normalized user configs (scale guard)
- :func:`merge` deep-merges a dict over another (dict options override file contents)

Only the standard library is used: this file is shipped to the managed host with the module.
"""

from __future__ import annotations

import copy
import json
import posixpath
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    ENV_NAME_RE,
    NAMESPACE_RE,
    NO,
    ConfigError,
    Ctx,
    Spec,
    is_int,
    is_label_key,
    is_label_value,
    is_num,
    join,
    render_value,
    suggest,
    walk_schema,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    A5_SCHEDULE_POLICY,
    HARDWARE_TYPES,
    HW_A3,
    NPUS_PER_NODE,
    is_a5,
    node_selector,
    npu_resource,
    system_path_rule,
)

__all__ = [
    "ABSENT",
    "ConfigError",
    "Result",
    "config_diff",
    "load_files",
    "merge",
    "scale_guard",
    "validate",
    "DEFAULT_ALLOWED_CHANGES",
]


# --------------------------------------------------------------------------------------
# Facts about the platform (from the MindIE-PyMotor deployer, see docs/validate_config.md)
# --------------------------------------------------------------------------------------

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
TLS_DEFAULT_FILES = (("ca_file", "ca.pem"), ("cert_file", "cert.pem"), ("key_file", "cert.key.pem"),
                     ("passwd_file", "cert_passwd.txt"))
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


# --------------------------------------------------------------------------------------
# Errors and results
# --------------------------------------------------------------------------------------

class Result:
    """What :func:`validate` returns."""

    __slots__ = ("errors", "user_config", "env_config", "mode", "derived")

    def __init__(self, errors, user_config, env_config, mode, derived):
        self.errors = errors
        self.user_config = user_config
        self.env_config = env_config
        self.mode = mode
        self.derived = derived

    @property
    def ok(self):
        return not self.errors

    @property
    def messages(self):
        return [str(e) for e in self.errors]

    def __repr__(self):
        return "Result(ok=%r, mode=%r, errors=%r)" % (self.ok, self.mode, self.messages)


# --------------------------------------------------------------------------------------
# The schema (a small declarative description; rules across fields live in _rules_*)
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Inputs: files, merging, overrides
# --------------------------------------------------------------------------------------

def _read_json(path, option):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None, ConfigError(option, path, "file not found")
    except IsADirectoryError:
        return None, ConfigError(option, path, "is a directory, not a file")
    except (OSError, UnicodeDecodeError) as exc:
        return None, ConfigError(option, path, "cannot be read: %s" % exc)
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        col = getattr(exc, "colno", None)
        msg = getattr(exc, "msg", str(exc))
        where = " at line %s column %s" % (line, col) if line is not None else ""
        return None, ConfigError(option, path, "is not valid JSON%s: %s" % (where, msg))
    if not isinstance(data, dict):
        return None, ConfigError(option, path, "must contain a JSON object at the top level, found %s"
                                 % type(data).__name__)
    return data, None


def load_files(user_config_path=None, env_config_path=None):
    """Read ``user_config.json`` and ``env.json``.

    Returns ``(user_config, env_config, errors)``; a path that is ``None`` gives ``None`` and no
    error; a missing file or bad JSON gives a :class:`ConfigError` naming the option
    (``user_config_path`` / ``env_config_path``), the path and what is wrong.
    """
    errors = []
    user = env = None
    if user_config_path is not None:
        user, error = _read_json(user_config_path, "user_config_path")
        if error:
            errors.append(error)
    if env_config_path is not None:
        env, error = _read_json(env_config_path, "env_config_path")
        if error:
            errors.append(error)
    return user, env, errors


def merge(base, override):
    """Deep-merge ``override`` over ``base`` (dicts merge, anything else replaces); new objects."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy.deepcopy(override)
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key in out and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _coerce(spec, value):
    """Overrides often come from ``-e key=value`` as strings: turn them into the field's type."""
    if spec is None or not isinstance(value, str):
        return value
    text = value.strip()
    if spec.kind in ("int", "port") and re.match(r"^-?\d+$", text):
        return int(text)
    if spec.kind == "num" and re.match(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$", text):
        return float(text) if any(c in text for c in ".eE") else int(text)
    if spec.kind == "bool" and text.lower() in ("true", "false", "yes", "no"):
        return text.lower() in ("true", "yes")
    return value


def _apply_overrides(user, overrides, ctx):
    if overrides is None:
        return
    if not isinstance(overrides, dict):
        ctx.err("overrides", overrides, "must be an object of key: value pairs")
        return
    for key, value in overrides.items():
        opath = join("overrides", key)
        key = str(key)
        if key in USER_SCHEMA.keys and isinstance(value, dict):
            user[key] = merge(user.get(key, {}), value)
            continue
        if "." in key:
            keys = tuple(key.split("."))
            if not all(keys):
                ctx.err(opath, value, "is not a valid dotted path")
                continue
        else:
            places = _FLAT_INDEX.get(key)
            if not places:
                known = list(_FLAT_INDEX) + list(USER_SCHEMA.keys)
                ctx.err(opath, value, suggest(key, known).replace(
                    "unknown key", "unknown configuration key"))
                continue
            if len(places) > 1:
                ctx.err(opath, value, "is ambiguous, use one of the dotted paths %s"
                        % ", ".join(".".join(p) for p in places))
                continue
            keys = places[0]
        node = user
        blocked = False
        for part in keys[:-1]:
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                ctx.err(opath, value, "cannot be set: %s is not an object" % part)
                blocked = True
                break
            node = nxt
        if not blocked:
            node[keys[-1]] = _coerce(_schema_at(keys), value)


# --------------------------------------------------------------------------------------
# Helpers for the rules
# --------------------------------------------------------------------------------------

def _eget(cfg, name):
    """Look up an engine argument by its underscore or dash spelling: (key used, value)."""
    if name in cfg:
        return name, cfg[name]
    dashed = name.replace("_", "-")
    if dashed in cfg:
        return dashed, cfg[dashed]
    return name, ABSENT


def _good(ctx, path, value, kind):
    """The value, if it is present, of the right type and no error was reported at its path."""
    if value is ABSENT or ctx.is_bad(path):
        return None
    if kind == "int":
        return value if is_int(value) else None
    if kind == "str":
        return value if isinstance(value, str) else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if kind == "dict":
        return value if isinstance(value, dict) else None
    return value


def _sub(node, *keys):
    """node[k1][k2]... when every step is an object, else {} (rules must survive any input)."""
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _port_value(value):
    """Ports written as integers or as numeric strings (vLLM's kv_port is a string)."""
    if is_int(value):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _norm_path(value):
    return posixpath.normpath(value) if value else value


# --------------------------------------------------------------------------------------
# Rules across fields
# --------------------------------------------------------------------------------------

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
                kv_port = _port_value(kvt["kv_port"])
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


def _rules_tls(user, ctx):
    deploy = user["motor_deploy_config"]
    tls = deploy.get("tls_config")
    out = {}
    if tls is not None and not isinstance(tls, dict):
        return {name.replace("_tls_config", ""): False for name in TLS_SECTIONS}
    tls = tls if tls is not None else {}
    for name in TLS_SECTIONS:
        short = name.replace("_tls_config", "")
        item = tls.get(name)
        base = join("motor_deploy_config.tls_config", name)
        if not isinstance(item, dict) or ctx.is_bad(base):
            out[short] = False
            continue
        for foreign, right in sorted(TLS_FOREIGN_KEYS.items()):
            if foreign in item:
                # Upstream's deployer passes it on; motor/config/tls_config.py drops it.
                ctx.err(join(base, foreign), item[foreign],
                        "is not read by MindIE-PyMotor (motor/config/tls_config.py keeps only %s and "
                        "silently drops other keys, so this setting would have no effect%s); write %s"
                        % (", ".join(TLS_KEYS), " and TLS would stay off" if foreign == "tls_enable" else "",
                           right))
        enabled = item.get("enable_tls") is True
        out[short] = enabled
        if not enabled:
            continue
        for key in TLS_FILES_REQUIRED:
            value = item.get(key, ABSENT)
            path = join(base, key)
            if ctx.is_bad(path):
                continue
            if value is ABSENT or value == "":
                ctx.err(path, value, "is required when TLS is enabled (%s.enable_tls is true)" % name)
            elif not value.startswith("/"):
                ctx.err(path, value, "must be an absolute path inside the container")
    # Upstream defect handled here: with management TLS on, the engine side of the runtime
    # (config_utils._update_engine_server_tls_config) reads infer_tls_config's enable_tls and
    # its key / cert / CA files even when inference TLS is off: a KeyError without them.
    mgmt, infer = tls.get("mgmt_tls_config"), tls.get("infer_tls_config")
    if out.get("mgmt") and isinstance(infer, dict) and not ctx.is_bad("motor_deploy_config.tls_config.infer_tls_config"):
        for key in ("key_file", "cert_file", "ca_file"):
            if not infer.get(key):
                ctx.err("motor_deploy_config.tls_config.infer_tls_config.%s" % key, infer.get(key, ABSENT),
                        "is required while mgmt_tls_config.enable_tls is true: MindIE-PyMotor's engine "
                        "side reads the inference section's files for the KV transfer then, even with "
                        "inference TLS off")
    elif out.get("mgmt") and not isinstance(infer, dict):
        ctx.err("motor_deploy_config.tls_config.infer_tls_config", ABSENT,
                "is required while mgmt_tls_config.enable_tls is true (MindIE-PyMotor's engine side "
                "reads its enable_tls and files then)")
    del mgmt
    out["any"] = any(out.values())
    return out


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


# --------------------------------------------------------------------------------------
# env.json
# --------------------------------------------------------------------------------------

def _env_str(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        # What upstream's deploy.py exports for a JSON boolean (Python's str(): True / False).
        return "True" if value else "False"
    if is_int(value):
        return str(value)
    return repr(value) if isinstance(value, float) else str(value)


def _validate_env(env, ctx):
    base = "env_config"
    if env is None:
        return {}
    if not isinstance(env, dict):
        ctx.err(base, env, "must be an object")
        return None
    for name, section in env.items():
        path = join(base, name)
        if name == "version":
            if not isinstance(section, str):
                ctx.err(path, section, "must be a string")
            continue
        if name not in ENV_SECTIONS:
            ctx.err(path, "{...}" if isinstance(section, dict) else section, suggest(name, ENV_SCHEMA_KEYS))
            continue
        if not isinstance(section, dict):
            ctx.err(path, section, "must be an object of environment variables")
            continue
        for key, value in section.items():
            vpath = join(path, key)
            if not ENV_NAME_RE.match(str(key)):
                ctx.err(vpath, value, "is not a valid environment variable name")
            elif not isinstance(value, (str, int, float)):
                # booleans are fine: upstream writes them as Python prints them (True / False)
                ctx.err(vpath, value, "environment values must be strings, numbers or booleans")
    return env


def _rules_pd_rates(env, cards, ctx):
    """MINDIE_MS_P_RATE / MINDIE_MS_D_RATE: both 0 or both non-zero, and P + D <= NPUs of a machine."""
    if not isinstance(env, dict):
        return
    common = env.get("motor_common_env") if isinstance(env.get("motor_common_env"), dict) else {}
    sections = ["motor_common_env"] + [s for s in ENV_SECTIONS if s != "motor_common_env"]
    for name in sections:
        section = env.get(name)
        if not isinstance(section, dict):
            continue
        if not {"MINDIE_MS_P_RATE", "MINDIE_MS_D_RATE"} & set(section):
            continue
        merged = dict(common)
        merged.update(section)
        rates = {}
        for key in ("MINDIE_MS_P_RATE", "MINDIE_MS_D_RATE"):
            where = name if key in section else "motor_common_env"
            path = join(join("env_config", where), key)
            value = merged.get(key, ABSENT)
            if value is ABSENT:
                rates[key] = (0, path)
                continue
            text = _env_str(value).strip() if not isinstance(value, bool) else None
            if text is None or not text.isdigit():
                if not ctx.is_bad(path):
                    ctx.err(path, value, "must be a non-negative integer")
                rates = None
                break
            rates[key] = (int(text), path)
        if not rates:
            continue
        (p, p_path), (d, d_path) = rates["MINDIE_MS_P_RATE"], rates["MINDIE_MS_D_RATE"]
        if (p == 0) != (d == 0):
            zero_path, zero = (d_path, d) if d == 0 else (p_path, p)
            ctx.err(zero_path, zero,
                    "MINDIE_MS_P_RATE and MINDIE_MS_D_RATE must both be 0 (automatic ratio) or both "
                    "non-zero (P=%d, D=%d)" % (p, d))
        elif p and cards and p + d > cards:
            ctx.err(d_path, d, "MINDIE_MS_P_RATE + MINDIE_MS_D_RATE (%d + %d) must not exceed the %d NPUs "
                               "of one machine" % (p, d, cards))


def _component_env(env, section):
    out = {}
    if isinstance(env, dict):
        for name in ("motor_common_env", section):
            part = env.get(name)
            if isinstance(part, dict):
                for key, value in part.items():
                    out[str(key)] = _env_str(value)
    return out


# --------------------------------------------------------------------------------------
# validate()
# --------------------------------------------------------------------------------------

def _copy_json(value):
    """Fast deep copy of JSON-like data (dict / list / scalars)."""
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


def _default_tls(user, cert_dir):
    """Turn TLS on in TLS_DEFAULT_SECTIONS where the user did not say (enable_tls), with the
    files the per-pod generator writes into ``cert_dir``; a section the user turned off keeps
    enable_tls false but gets the files it lacks (the runtime's engine side reads the inference
    section's files while management TLS is on). Returns the sections turned off explicitly."""
    deploy = user.get("motor_deploy_config")
    if not isinstance(deploy, dict):
        return []
    tls = deploy.setdefault("tls_config", {})
    if not isinstance(tls, dict):
        return []  # the schema reports it
    off = []
    for name in TLS_DEFAULT_SECTIONS:
        item = tls.setdefault(name, {})
        if not isinstance(item, dict):
            continue
        if any(k in item for k in TLS_FOREIGN_KEYS):
            continue  # reported by _rules_tls; filling in would hide the mistake
        if "enable_tls" in item:
            if item["enable_tls"] is not True:
                off.append(name)
        else:
            item["enable_tls"] = True
        for key, filename in TLS_DEFAULT_FILES:
            item.setdefault(key, cert_dir.rstrip("/") + "/" + filename)
    return off


def _tls_warnings(off):
    return ["TLS is off for motor_deploy_config.tls_config.%s (enable_tls: false): its traffic travels "
            "unencrypted and unauthenticated. Remove the setting to get TLS with per-pod certificates "
            "(the default)." % name for name in off]


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
    user = _copy_json(user_config)
    env = _copy_json(env_config) if env_config is not None else None
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


# --------------------------------------------------------------------------------------
# config_diff (the scale guard compares a requested config with the deployed baseline)
# --------------------------------------------------------------------------------------

def config_diff(baseline, requested):
    """Every difference between two (normalized) user configs as ``(path, old, new)``.

    Paths are dotted (``motor_deploy_config.hybrid_instances_num``, ``x.y[2]``); a key present
    on one side only has :data:`ABSENT` on the other. Sorted by path.
    """
    out = []

    def walk(old, new, path):
        if isinstance(old, dict) and isinstance(new, dict):
            for key in set(old) | set(new):
                walk(old.get(key, ABSENT), new.get(key, ABSENT), join(path, key))
        elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            for index, (a, b) in enumerate(zip(old, new)):
                walk(a, b, "%s[%d]" % (path, index))
        elif old is ABSENT or new is ABSENT or type(old) is not type(new) or old != new:
            if not (is_num(old) and is_num(new) and old == new):
                out.append((path or "(root)", old, new))

    walk(baseline, requested, "")
    out.sort(key=lambda item: item[0])
    return out


def scale_guard(baseline, requested, allowed_changes=DEFAULT_ALLOWED_CHANGES):
    """Differences outside ``allowed_changes`` as errors, plus the allowed ones.

    ``allowed_changes`` names keys (``hybrid_instances_num``) or full dotted paths. Returns
    ``(errors, changes)`` where ``changes`` is the list of allowed ``(path, old, new)``.
    """
    allowed = set(allowed_changes or ())
    errors = []
    changes = []
    for path, old, new in config_diff(baseline, requested):
        leaf = path.rsplit(".", 1)[-1]
        if path in allowed or leaf in allowed:
            changes.append((path, old, new))
        else:
            errors.append(ConfigError(
                path, new, "differs from the deployed baseline (%s); only %s may change on an "
                           "update of a running deployment" % (render_value(old), ", ".join(sorted(allowed)) or "nothing")))
    return errors, changes
