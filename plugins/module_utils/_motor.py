# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""MindIE Motor (the older, C++ generation) PD disaggregation configuration files (private API).

One input model (a plain dict, see ``docs/motor_config.md``) -> the four files MindIE Motor's
``kubernetes_deploy_scripts`` put into their ``conf`` ConfigMap, rendered and validated together:

- ``ms_controller.json`` (controller), ``ms_coordinator.json`` (coordinator),
- ``config.json`` (MindIE Server; single container: ``config1.json`` .. ``config<N>.json``, one per
  server process, the names the upstream ``boot.sh`` reads with ``MINDIE_MS_GEN_SERVER_PORT=false``),
- ``http_client_ctl.json`` (the probe client).

Three shapes: ``multi_machine`` (controller, coordinator and server Deployments, server replicas
= P + D), ``single_container`` (one pod runs everything) and ``heterogeneous`` (P on 800I A2 32G
nodes, D on 800I A2 64G nodes, chosen by a node label).

Public names:

- :func:`validate` ``(model) -> [ConfigError]`` every broken rule, never raises for bad input
- :func:`render` ``(model) -> {"files": {name: dict}, "derived": {...}}``; raises
  :class:`MotorConfigInvalid` (carrying ``.errors``) when the model is invalid
- :func:`build` ``(model) -> (errors, files, derived)`` both at once (files / derived empty on error)
- :func:`warnings` ``(model) -> [str]`` advice that does not block (TLS off, model family)
- :func:`normalize` ``(model) -> (errors, normalized model with defaults)``
- :func:`stack_view` ``(derived) -> dict`` the derived values in the shape the stack role reads

Rules come from ``mindie-motor-pd-disaggregation.md`` (cited as "doc") unless marked "upstream"
(MindIE Motor's own config checks, e.g. ports >= 1024, rates <= 767). Errors are
:class:`~._schema.ConfigError` so they read the same as ``validate_config``'s. Paths of the model
are dotted (``ports.server.port``); paths inside a rendered file are ``<file>:<dotted path>``.

Only the standard library and this collection's module_utils are used (shipped to the host).
"""

from __future__ import annotations

import copy
import json
import posixpath
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    NO,
    ConfigError,
    Ctx,
    Spec,
    is_int,
    is_label_key,
    is_label_value,
    join,
    memory_quantity,
    merge,
    walk_schema,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    ATLAS_800I_TYPES as HARDWARE_TYPES,
    DEFAULT_NAMESPACE,
    HW_A2,
    HW_A3,
    NPU_RESOURCE,
    NPUS_PER_NODE,
    PKI_MOUNT_PATH,
    node_selector,
)

__all__ = [
    "MotorConfigInvalid",
    "build",
    "normalize",
    "render",
    "server_file_names",
    "stack_view",
    "validate",
    "warnings",
    "SHAPES",
    "CONTROLLER_FILE",
    "COORDINATOR_FILE",
    "SERVER_FILE",
    "PROBE_FILE",
]

# --------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------

SHAPES = ("multi_machine", "single_container", "heterogeneous")
CONTROLLER_FILE = "ms_controller.json"
COORDINATOR_FILE = "ms_coordinator.json"
SERVER_FILE = "config.json"
PROBE_FILE = "http_client_ctl.json"
#: deploy_mode of ms_controller.json / ms_coordinator.json per shape (doc, steps 2 and 3)
DEPLOY_MODE = {"multi_machine": "pd_separate", "heterogeneous": "pd_separate",
               "single_container": "pd_disaggregation_single_container"}
#: hardware_type the controller reads in heterogeneous mode (doc: exactly these strings)
HETERO_HARDWARE_TYPE = {"prefill": "800I A2(32G)", "decode": "800I A2(64G)"}
#: the global ranktable holds at most 96 servers (doc, table 4 of the multi-machine section)
MAX_SERVERS = 96
#: device list of one server: 1..128 entries (doc, table 4)
MAX_WORLD_SIZE = 128
#: ms_controller.json default_p_rate / default_d_rate: 0..767 each, sum <= 768 (upstream)
MAX_RATE = 767
MAX_RATE_SUM = 768
PORT_MIN = 1024  # upstream: MindIE Motor rejects ports below 1024
PORT_MAX = 65535
NODE_PORT_RANGE = (30000, 32767)
LOG_LEVELS = ("CRITICAL", "ERROR", "WARN", "INFO", "DEBUG")  # doc: MINDIE_LOG_LEVEL
#: features the document names in its limits; which shape forbids which (doc, 限制与约束)
FEATURES = ("prefix_cache", "multi_lora", "parallel_decoding", "split_fuse", "function_call",
            "multi_node_inference", "long_sequence", "sparse_quantization", "kv_cache_int8")
FORBIDDEN_FEATURES = {
    "multi_machine": ("multi_lora", "parallel_decoding", "split_fuse", "prefix_cache", "function_call",
                      "multi_node_inference", "long_sequence", "sparse_quantization", "kv_cache_int8"),
    "single_container": ("sparse_quantization", "kv_cache_int8"),
}
FORBIDDEN_FEATURES["heterogeneous"] = FORBIDDEN_FEATURES["multi_machine"]
#: shapes each hardware supports (doc: single machine A2 and A3, multi machine A2 only)
SHAPE_HARDWARE = {"multi_machine": (HW_A2,), "heterogeneous": (HW_A2,),
                  "single_container": (HW_A2, HW_A3)}

# TLS channels of the model -> the switches they set in the four files.
# (file, dotted path) pairs; "config" means every server config file.
TLS_CHANNELS = ("server", "inter_comm", "coordinator", "inference", "controller", "cluster", "probe")
TLS_SWITCHES = {
    # MindIE Server REST interfaces (port + managementPort) and their clients
    "server": (("config", "ServerConfig.httpsEnabled"),
               (CONTROLLER_FILE, "tls_config.request_server_tls_enable"),
               (COORDINATOR_FILE, "tls_config.mindie_client_tls_enable"),
               (COORDINATOR_FILE, "tls_config.mindie_mangment_tls_enable")),
    # P <-> D traffic between server instances (interCommPort)
    "inter_comm": (("config", "ServerConfig.interCommTLSEnabled"),),
    # the coordinator's management side and the controller calling it
    "coordinator": ((COORDINATOR_FILE, "tls_config.controller_server_tls_enable"),
                    (CONTROLLER_FILE, "tls_config.request_coordinator_tls_enable"),
                    (COORDINATOR_FILE, "tls_config.external_tls_enable"),
                    (CONTROLLER_FILE, "tls_config.external_coordinator_tls_enable"),
                    (COORDINATOR_FILE, "tls_config.status_tls_enable")),
    # the inference entry users call (NodePort 31015 -> predict port)
    "inference": ((COORDINATOR_FILE, "tls_config.request_server_tls_enable"),),
    # the controller's own HTTP server
    "controller": ((CONTROLLER_FILE, "tls_config.http_server_tls_enable"),),
    # the controller talking to ClusterD
    "cluster": ((CONTROLLER_FILE, "tls_config.cluster_tls_enable"),),
    # the probe client of every pod
    "probe": ((PROBE_FILE, "tls_enable"),),
}
# Pairs of switches that are the two ends of one connection: they must agree in the files.
TLS_PAIRS = (
    ("server", (("config", "ServerConfig.httpsEnabled"),
                (CONTROLLER_FILE, "tls_config.request_server_tls_enable"),
                (COORDINATOR_FILE, "tls_config.mindie_client_tls_enable"),
                (COORDINATOR_FILE, "tls_config.mindie_mangment_tls_enable"))),
    ("coordinator", ((COORDINATOR_FILE, "tls_config.controller_server_tls_enable"),
                     (CONTROLLER_FILE, "tls_config.request_coordinator_tls_enable"))),
    ("coordinator", ((COORDINATOR_FILE, "tls_config.external_tls_enable"),
                     (CONTROLLER_FILE, "tls_config.external_coordinator_tls_enable"))),
    # the probe client has one switch for the servers and the controller it probes (doc step 5)
    ("probe", ((PROBE_FILE, "tls_enable"),
               ("config", "ServerConfig.httpsEnabled"),
               (CONTROLLER_FILE, "tls_config.http_server_tls_enable"))),
)
# Certificate item blocks: (file, enable switch, items key) for the MindIE Motor files.
CONTROLLER_TLS_ITEMS = ("request_coordinator", "request_server", "http_server", "cluster", "etcd_server",
                        "ccae", "alarm", "external_coordinator")
COORDINATOR_TLS_ITEMS = ("controller_server", "request_server", "mindie_client", "mindie_mangment", "external",
                         "status", "etcd_server", "alarm_client")

_FAMILY_RE = re.compile(r"llama-?3|qwen-?2", re.IGNORECASE)

#: environment variables with a range the document states (table 3 / the yaml fields)
ENV_INT_RANGES = {
    "MINDIE_DECODE_BATCH_SIZE": (1, 5000),
    "MINDIE_MAX_SEQ_LEN": (1, 4294967295),
    "HCCL_RDMA_RETRY_CNT": (1, 7),
    "HCCL_RDMA_TIMEOUT": (5, 20),
    "HCCL_EXEC_TIMEOUT": (0, 2147483647),
    "MINDIE_MS_P_RATE": (0, MAX_RATE),
    "MINDIE_MS_D_RATE": (0, MAX_RATE),
}
ENV_BOOL = ("MINDIE_LOG_TO_FILE", "MINDIE_LOG_TO_STDOUT", "MINDIE_ENDPOINT_HTTPS_ENABLED",
            "MINDIE_INTER_COMM_TLS_ENABLED", "MINDIE_MS_GEN_SERVER_PORT")
ENV_ENUM = {"MINDIE_LOG_LEVEL": LOG_LEVELS, "MINDIE_INFER_MODE": ("dmi",),
            "HCCL_OP_EXPANSION_MODE": ("AI_CPU", "AIV", "HOST", "HOST_TS")}
#: set by render() from the model; the user sets them through the model, not through env
ENV_OWNED = {"MINDIE_MS_GEN_SERVER_PORT": "ports.servers", "MINDIE_ENDPOINT_HTTPS_ENABLED": "tls.server",
             "MINDIE_INTER_COMM_TLS_ENABLED": "tls.inter_comm", "MINDIE_LOG_LEVEL": "log.level",
             "MINDIE_LOG_TO_FILE": "log.to_file", "MINDIE_LOG_TO_STDOUT": "log.to_stdout"}


class MotorConfigInvalid(ValueError):
    """:func:`render` was given a model that breaks rules; ``errors`` lists them all."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("%d MindIE Motor configuration error(s):\n%s"
                         % (len(self.errors), "\n".join(str(e) for e in self.errors)))


# --------------------------------------------------------------------------------------
# The input model: a small declarative schema
# --------------------------------------------------------------------------------------

_REQ = object()   # required, no default
_OPT = object()   # optional, no default (absent stays absent)


def _F(kind, default=_OPT, enum=None, lo=None, hi=None, keys=None, check=None):  # noqa: N802 (reads as a type)
    """One field of the model as a schema-engine :class:`~._schema.Spec`: kind (str, int, bool,
    dict = an open object, list, obj, any), default (``_REQ``: required, ``_OPT``: none), checks."""
    return Spec("obj" if kind == "dict" else kind, default=NO if default in (_REQ, _OPT) else default,
                required=default is _REQ, enum=enum, lo=lo, hi=hi, keys=keys, closed=kind != "dict",
                check=None if check == "port" else check, range_rule=_PORT_RULE if check == "port" else None)


_PORT_RULE = "port must be between %d and %d (MindIE Motor rejects ports below %d)" % (PORT_MIN, PORT_MAX, PORT_MIN)


def _port(default=_OPT):
    return _F("int", default, lo=PORT_MIN, hi=PORT_MAX, check="port")


SCHEMA = _F("obj", keys={
    "job_id": _F("str", DEFAULT_NAMESPACE, check="name"),
    "image": _F("str", _REQ, check="nonempty"),
    "hardware_type": _F("str", HW_A2, enum=HARDWARE_TYPES),
    "deploy_shape": _F("str", "multi_machine", enum=SHAPES),
    "model_name": _F("str", _REQ, check="nonempty"),
    "model_weight_path": _F("str", _REQ, check="weightpath"),
    "p_instances": _F("int", _REQ, lo=1),
    "d_instances": _F("int", _REQ, lo=1),
    "world_size": _F("int", _REQ, lo=1, hi=MAX_WORLD_SIZE),
    "p_world_size": _F("int", lo=1, hi=MAX_WORLD_SIZE),
    "d_world_size": _F("int", lo=1, hi=MAX_WORLD_SIZE),
    "npus_per_node": _F("int", lo=1, hi=MAX_WORLD_SIZE),
    "default_p_rate": _F("int", 0, lo=0, hi=MAX_RATE),
    "default_d_rate": _F("int", 0, lo=0, hi=MAX_RATE),
    "env": _F("dict", {}),
    "features": _F("list", [], enum=FEATURES),
    "heterogeneous": _F("obj", keys={
        "label_key": _F("str", "hardware-type", check="label_key"),
        "prefill_label": _F("str", _OPT, check="label_value"),
        "decode_label": _F("str", _OPT, check="label_value"),
        "prefill_hardware_type": _F("str", HETERO_HARDWARE_TYPE["prefill"]),
        "decode_hardware_type": _F("str", HETERO_HARDWARE_TYPE["decode"]),
    }),
    "tls": _F("obj", {}, keys=dict(
        {"enabled": _F("bool", True), "cert_dir": _F("str", PKI_MOUNT_PATH, check="abspath")},
        **{name: _F("bool") for name in TLS_CHANNELS})),
    "ports": _F("obj", {}, keys={
        "server": _F("obj", {}, keys={
            "port": _port(1025), "management": _port(1026), "metrics": _port(1027), "inter_comm": _port(1121)}),
        "servers": _F("list"),
        "single_container_base": _port(10000),
        "controller": _F("obj", {}, keys={"http_server": _port()}),
        "coordinator": _F("obj", {}, keys={
            "predict": _port(1025), "manage": _port(1026), "alarm": _port(), "external": _port(),
            "status": _port()}),
        "coordinator_node_port": _F("int", 31015, lo=NODE_PORT_RANGE[0], hi=NODE_PORT_RANGE[1]),
    }),
    "coordinator_resources": _F("obj", {}, keys={
        "requests_memory": _F("str", "8Gi", check="quantity"),
        "limits_memory": _F("str", "48Gi", check="quantity"),
    }),
    "controller_node_selector": _F("dict", {}),
    "log": _F("obj", {}, keys={
        "level": _F("str", "INFO", enum=LOG_LEVELS),
        "to_file": _F("bool", True),
        "to_stdout": _F("bool", True),
    }),
    "overrides": _F("dict", {}),
})


# --------------------------------------------------------------------------------------
# normalize(): schema + defaults that depend on other fields
# --------------------------------------------------------------------------------------

def normalize(model):
    """Type-check the model and fill its defaults: ``(errors, normalized)``."""
    errors = []
    norm = walk_schema(SCHEMA, model, "", Ctx(errors), fresh=True, hints=False)
    if not isinstance(model, dict):
        return errors, {}
    shape = norm.get("deploy_shape") if norm.get("deploy_shape") in SHAPES else "multi_machine"
    hardware = norm.get("hardware_type") if norm.get("hardware_type") in HARDWARE_TYPES else HW_A2
    norm.setdefault("npus_per_node", NPUS_PER_NODE[hardware])
    world = norm.get("world_size")
    for key in ("p_world_size", "d_world_size"):
        norm.setdefault(key, world)
    tls = norm.setdefault("tls", {})
    for name in TLS_CHANNELS:
        tls.setdefault(name, tls.get("enabled", True))
    ports = norm.setdefault("ports", {})
    single = shape == "single_container"
    # The doc: in one pod the controller's http_server port 1026 clashes; it suggests 1027. The
    # upstream ms_coordinator.json default alarm_port is 1027 as well, so in one pod the
    # coordinator's auxiliary ports move up by one to keep every port distinct.
    ports.setdefault("controller", {}).setdefault("http_server", 1027 if single else 1026)
    coord = ports.setdefault("coordinator", {})
    for offset, key in enumerate(("alarm", "external", "status")):
        coord.setdefault(key, (1028 if single else 1027) + offset)
    for key in ("env", "controller_node_selector", "overrides"):
        section = norm.get(key)
        if isinstance(section, dict):
            for name, value in section.items():
                _check_scalar_map(key, name, value, errors)
    return errors, norm


def _check_scalar_map(section, name, value, errors):
    path = join(section, name)
    if section == "env":
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(name)):
            errors.append(ConfigError(path, value, "is not a valid environment variable name"))
        elif isinstance(value, bool) or not isinstance(value, (str, int)):
            errors.append(ConfigError(path, value, "environment values must be strings or integers (write "
                                                   "booleans as \"true\" / \"false\")"))
    elif section == "controller_node_selector":
        if not is_label_key(name):
            errors.append(ConfigError(path, value, "must be a valid Kubernetes label key"))
        elif not is_label_value(value):
            errors.append(ConfigError(path, value, "must be a valid Kubernetes label value"))
    elif section == "overrides" and not isinstance(value, dict):
        errors.append(ConfigError(path, value, "must be an object merged over the rendered file"))


# --------------------------------------------------------------------------------------
# Rules on the model
# --------------------------------------------------------------------------------------

def _env_int(env, key, errors):
    """An env value as an int (digits string or int) or None (reported when malformed)."""
    if key not in env:
        return None
    value = env[key]
    text = str(value).strip() if is_int(value) or isinstance(value, str) else None
    if text is None or not re.match(r"^\d+$", text):
        errors.append(ConfigError(join("env", key), value, "must be a non-negative integer"))
        return None
    return int(text)


def _rules_env(m, errors):
    env = m.get("env") or {}
    values = {}
    for key, (lo, hi) in ENV_INT_RANGES.items():
        value = _env_int(env, key, errors)
        if value is not None:
            if not lo <= value <= hi:
                errors.append(ConfigError(join("env", key), env[key], "must be between %d and %d" % (lo, hi)))
            else:
                values[key] = value
    for key in ("MINDIE_PREFILL_BATCH_SIZE", "MINDIE_MAX_ITER_TIMES"):
        value = _env_int(env, key, errors)
        if value is not None:
            values[key] = value
    if "MINDIE_PREFILL_BATCH_SIZE" in values:
        hi = values.get("MINDIE_DECODE_BATCH_SIZE", 5000) - 1
        if not 1 <= values["MINDIE_PREFILL_BATCH_SIZE"] <= hi:
            errors.append(ConfigError("env.MINDIE_PREFILL_BATCH_SIZE", env["MINDIE_PREFILL_BATCH_SIZE"],
                                      "must be between 1 and MINDIE_DECODE_BATCH_SIZE - 1 (%d)" % hi))
    if "MINDIE_MAX_ITER_TIMES" in values and "MINDIE_MAX_SEQ_LEN" in values:
        hi = values["MINDIE_MAX_SEQ_LEN"] - 1
        if not 1 <= values["MINDIE_MAX_ITER_TIMES"] <= hi:
            errors.append(ConfigError("env.MINDIE_MAX_ITER_TIMES", env["MINDIE_MAX_ITER_TIMES"],
                                      "must be between 1 and MINDIE_MAX_SEQ_LEN - 1 (%d)" % hi))
    for key in ENV_BOOL:
        if key in env and str(env[key]).strip().lower() not in ("true", "false", "0", "1"):
            errors.append(ConfigError(join("env", key), env[key], "must be true, false, 0 or 1"))
    for key, allowed in ENV_ENUM.items():
        if key in env and env[key] not in allowed:
            errors.append(ConfigError(join("env", key), env[key], "must be one of %s" % ", ".join(allowed)))
    for key, owner in ENV_OWNED.items():
        if key in env:
            errors.append(ConfigError(join("env", key), env[key],
                                      "is set from %s by the renderer; set it there so that the files and "
                                      "the environment agree" % owner))
    return values


def _rules_rates(m, env_values, errors):
    """default_p_rate / default_d_rate and MINDIE_MS_P_RATE / MINDIE_MS_D_RATE."""
    shape, cards = m["deploy_shape"], m["npus_per_node"]
    servers = m["p_instances"] + m["d_instances"]
    pairs = [("default_p_rate", "default_d_rate", m.get("default_p_rate"), m.get("default_d_rate"))]
    env = m.get("env") or {}
    missing = {"env.%s" % k for k in ("MINDIE_MS_P_RATE", "MINDIE_MS_D_RATE") if k not in env}
    if "MINDIE_MS_P_RATE" in env or "MINDIE_MS_D_RATE" in env:
        pairs.append(("env.MINDIE_MS_P_RATE", "env.MINDIE_MS_D_RATE",
                      env_values.get("MINDIE_MS_P_RATE", 0 if "MINDIE_MS_P_RATE" not in env else None),
                      env_values.get("MINDIE_MS_D_RATE", 0 if "MINDIE_MS_D_RATE" not in env else None)))
    effective = None
    for p_path, d_path, p, d in pairs:
        if not is_int(p) or not is_int(d):
            effective = None
            continue
        effective = (p, d, p_path.split(".")[0])
        if (p == 0) != (d == 0):
            zero_path, zero = (d_path, d) if d == 0 else (p_path, p)
            if zero_path in missing:
                zero = ABSENT
            errors.append(ConfigError(zero_path, zero, "P and D rates must both be 0 (automatic ratio) or both "
                                                       "non-zero (P=%d, D=%d)" % (p, d)))
            continue
        if p == 0:
            continue
        if p + d > MAX_RATE_SUM:
            errors.append(ConfigError(d_path, d, "P rate + D rate (%d + %d) must not exceed %d" % (p, d, MAX_RATE_SUM)))
        if shape == "single_container" and p + d > cards:
            errors.append(ConfigError(d_path, d, "P rate + D rate (%d + %d) must not exceed the %d NPUs of the "
                                                 "machine (single container)" % (p, d, cards)))
        if p * m["d_instances"] != d * m["p_instances"]:
            errors.append(ConfigError(d_path, d, "the ratio P:D = %d:%d contradicts p_instances:d_instances = "
                                                 "%d:%d; the controller assigns the %d servers by the rate"
                                      % (p, d, m["p_instances"], m["d_instances"], servers)))
    return effective


def _rules_model(m, given, errors):
    shape, hardware, cards = m["deploy_shape"], m["hardware_type"], m["npus_per_node"]
    if hardware not in SHAPE_HARDWARE[shape]:
        errors.append(ConfigError("hardware_type", hardware, "deploy_shape %s supports %s only (doc: multi-machine "
                                                             "PD disaggregation runs on Atlas 800I A2 only)"
                                  % (shape, ", ".join(SHAPE_HARDWARE[shape]))))
    p_ws, d_ws = m["p_world_size"], m["d_world_size"]
    if p_ws != d_ws:
        errors.append(ConfigError("d_world_size", d_ws, "P and D instances must use the same number of NPUs "
                                                        "(p_world_size %d); the doc requires equal card counts"
                                  % p_ws))
    if cards > NPUS_PER_NODE[hardware]:
        errors.append(ConfigError("npus_per_node", cards, "a %s node has at most %d NPUs" % (hardware, NPUS_PER_NODE[hardware])))
    servers = m["p_instances"] + m["d_instances"]
    if shape == "single_container":
        total = m["p_instances"] * p_ws + m["d_instances"] * d_ws
        if total > cards:
            errors.append(ConfigError("p_instances", m["p_instances"],
                                      "single container runs every server on one machine: %d P x %d + %d D x %d = "
                                      "%d NPUs but the node has %d" % (m["p_instances"], p_ws, m["d_instances"],
                                                                       d_ws, total, cards)))
    else:
        if servers > MAX_SERVERS:
            errors.append(ConfigError("p_instances", m["p_instances"], "P + D = %d servers; the global ranktable "
                                                                       "holds at most %d" % (servers, MAX_SERVERS)))
        for key, ws in (("p_world_size", p_ws), ("d_world_size", d_ws)):
            if ws > cards:
                path = key if key in given else "world_size"
                errors.append(ConfigError(path, ws, "one server pod asks for %d NPUs but a node has %d: it is never "
                                                    "scheduled" % (ws, cards)))
                break
    for index, feature in enumerate(m.get("features") or []):
        if feature in FORBIDDEN_FEATURES[shape]:
            errors.append(ConfigError("features[%d]" % index, feature,
                                      "is not supported with %s PD disaggregation (doc, 限制与约束)"
                                      % ("single-machine" if shape == "single_container" else "multi-machine")))
    _rules_heterogeneous(m, errors)
    _rules_tls_model(m, errors)
    _rules_resources(m, errors)


def _rules_heterogeneous(m, errors):
    hetero = m.get("heterogeneous")
    if m["deploy_shape"] != "heterogeneous":
        if hetero is not None:
            errors.append(ConfigError("heterogeneous", "{...}", "is only used with deploy_shape heterogeneous"))
        return
    if hetero is None:
        errors.append(ConfigError("heterogeneous", ABSENT, "is required with deploy_shape heterogeneous: the node "
                                                           "labels that put P on 800I A2 32G and D on 800I A2 64G "
                                                           "nodes (prefill_label, decode_label)"))
        return
    for key in ("prefill_label", "decode_label"):
        if key not in hetero:
            errors.append(ConfigError(join("heterogeneous", key), ABSENT,
                                      "is required: the value of the %s node label of the %s nodes"
                                      % (hetero.get("label_key"), "P (32G)" if key.startswith("p") else "D (64G)")))
    p, d = hetero.get("prefill_label"), hetero.get("decode_label")
    if p is not None and p == d:
        errors.append(ConfigError("heterogeneous.decode_label", d, "must differ from prefill_label: P and D go to "
                                                                   "different nodes"))
    for role in ("prefill", "decode"):
        key = "%s_hardware_type" % role
        if hetero.get(key) != HETERO_HARDWARE_TYPE[role]:
            errors.append(ConfigError(join("heterogeneous", key), hetero.get(key),
                                      "must be \"%s\": the controller decides the %s role from this value"
                                      % (HETERO_HARDWARE_TYPE[role], "P" if role == "prefill" else "D")))


def _rules_tls_model(m, errors):
    tls = m["tls"]
    # one probe client (http_client_ctl.json) probes the servers and the controller (doc step 5)
    for channel in ("server", "controller"):
        if tls["probe"] != tls[channel]:
            errors.append(ConfigError("tls.probe", tls["probe"],
                                      "http_client_ctl.json has one tls_enable for every probe, so it must equal "
                                      "tls.%s (%s)" % (channel, json.dumps(tls[channel]))))


def _rules_resources(m, errors):
    res = m.get("coordinator_resources") or {}
    req, lim = memory_quantity(res.get("requests_memory")), memory_quantity(res.get("limits_memory"))
    if req is not None and lim is not None and req > lim:
        errors.append(ConfigError("coordinator_resources.requests_memory", res["requests_memory"],
                                  "must not exceed limits_memory (%s)" % res["limits_memory"]))


def _server_ports(m, errors):
    """The four ports of every server: [{port, management, metrics, inter_comm}] (index = server)."""
    shape = m["deploy_shape"]
    servers = m["p_instances"] + m["d_instances"]
    base = m["ports"].get("server", {})
    if shape != "single_container":
        if m["ports"].get("servers") is not None:
            errors.append(ConfigError("ports.servers", "[...]", "is only used with deploy_shape single_container "
                                                                "(each server pod has its own network namespace)"))
        return [dict(base) for _ in range(servers)]
    given = m["ports"].get("servers")
    if given is None:
        start = m["ports"]["single_container_base"]
        out = []
        for index in range(servers):
            first = start + 4 * index
            out.append({"port": first, "management": first + 1, "metrics": first + 2, "inter_comm": first + 3})
        if out and out[-1]["inter_comm"] > PORT_MAX:
            errors.append(ConfigError("ports.single_container_base", start,
                                      "leaves no room for %d servers x 4 ports below %d" % (servers, PORT_MAX)))
        return out
    if len(given) != servers:
        errors.append(ConfigError("ports.servers", "[%d entries]" % len(given),
                                  "must list one entry per server process (P + D = %d)" % servers))
    out = []
    for index, entry in enumerate(given):
        path = "ports.servers[%d]" % index
        out.append(walk_schema(SCHEMA.keys["ports"].keys["server"], entry, path, Ctx(errors), fresh=True, hints=False))
        for key in ("port", "management", "metrics", "inter_comm"):
            if key not in (entry if isinstance(entry, dict) else {}):
                errors.append(ConfigError(join(path, key), ABSENT, "is required"))
    return out


def _rules_ports(m, server_ports, errors):
    """Ports of one network namespace must differ (doc: non-clashing ports in one pod)."""
    shape = m["deploy_shape"]
    coord = m["ports"]["coordinator"]
    ctrl = m["ports"]["controller"]
    coordinator = [("ports.coordinator.%s" % k, coord.get(k)) for k in ("predict", "manage", "alarm", "external", "status")]
    controller = [("ports.controller.http_server", ctrl.get("http_server"))]
    names = ("port", "management", "metrics", "inter_comm")
    if shape == "single_container":
        prefix = ("ports.servers[%d].%s" if m["ports"].get("servers") is not None
                  else "ports.single_container_base (server %d, %s)")
        group = coordinator + controller
        for index, entry in enumerate(server_ports):
            group += [(prefix % (index, k), entry.get(k)) for k in names]
        groups = [("the single container", group)]
    else:
        groups = [("the coordinator pod", coordinator), ("the controller pod", controller),
                  ("a server pod", [("ports.server.%s" % k, server_ports[0].get(k) if server_ports else None)
                                    for k in names])]
    for where, group in groups:
        seen = {}
        for path, value in group:
            if not is_int(value):
                continue
            if value in seen:
                errors.append(ConfigError(path, value, "clashes with %s in %s: every port of one pod must differ"
                                          % (seen[value], where)))
            else:
                seen[value] = path


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------

def _items(cert_dir, component):
    base = posixpath.join(cert_dir, component)
    return {"ca_cert": posixpath.join(base, "ca.pem"), "tls_cert": posixpath.join(base, "cert.pem"),
            "tls_key": posixpath.join(base, "cert.key.pem"), "tls_passwd": posixpath.join(base, "key_pwd.txt"),
            "tls_crl": ""}


def _log_info(m, name, size):
    return {"log_level": m["log"]["level"], "to_file": m["log"]["to_file"], "to_stdout": m["log"]["to_stdout"],
            "run_log_path": "./logs/%s_run_log.txt" % name, "operation_log_path": "./logs/%s_operation_log.txt" % name,
            "max_log_str_size": size, "max_log_file_size": 20, "max_log_file_num": 10}


def _render_controller(m, server_ports):
    tls, cert_dir = m["tls"], m["tls"]["cert_dir"]
    coord = m["ports"]["coordinator"]
    first = server_ports[0] if server_ports else m["ports"]["server"]
    switches = {"request_coordinator": tls["coordinator"], "request_server": tls["server"],
                "http_server": tls["controller"], "cluster": tls["cluster"], "etcd_server": False, "ccae": False,
                "alarm": False, "external_coordinator": tls["coordinator"]}
    tls_config = {}
    for name in CONTROLLER_TLS_ITEMS:
        tls_config["%s_tls_enable" % name] = switches[name]
        tls_config["%s_tls_items" % name] = _items(cert_dir, "controller")
    return {
        "allow_all_zero_ip_listening": False,
        "deploy_mode": DEPLOY_MODE[m["deploy_shape"]],
        "initial_dist_server_port": 10000,
        "cluster_port": 8899,
        "process_manager": {"to_file": True, "file_path": "./logs/controller_process_status.json"},
        "cluster_status": {"to_file": True, "file_path": "./logs/cluster_status_output.json"},
        "controller_backup_cfg": {"function_sw": False},
        "global_rank_table_file_path": "./conf/global_rank_table_file.json",
        "cluster_synchronization_seconds": 1,
        "rank_table_detecting_seconds": 5,
        "disappeared_server_waiting_seconds": 7200,
        "default_p_rate": m["default_p_rate"],
        "default_d_rate": m["default_d_rate"],
        "is_heterogeneous": m["deploy_shape"] == "heterogeneous",
        "server_online_attempt_times": 36,
        "server_online_wait_seconds": 5,
        "init_role_attempt_times": 2,
        "check_role_attempt_times": 300,
        "check_role_wait_seconds": 5,
        "mindie_server_control_port": first["management"],
        "mindie_server_port": first["port"],
        "mindie_server_metric_port": first["metrics"],
        "controller_alarm_port": coord["alarm"],
        "mindie_ms_coordinator_port": coord["manage"],
        "node_manager_port": 1028,
        "mindie_ms_coordinator_external_port": coord["external"],
        "http_timeout_seconds": 5,
        "http_retries": 3,
        "role_decision_methods": "digs",
        "digs_request_summary_input_length": 3000,
        "digs_request_summary_output_length": 200,
        "digs_model_config_path": "./conf/model_config/llama2-70B.json",
        "digs_machine_config_path": "./conf/machine_config/800IA2.json",
        "digs_prefill_slo": 1000,
        "digs_decode_slo": 50,
        "model_type": m["model_name"],
        "transfer_type": "D2DTransfer",
        "digs_pp": 1,
        "digs_periodic_role_decision": {"auto_pd_role_switching_enable": False, "role_decision_time_period": 86400,
                                        "tasks_end_wait_seconds": 300},
        "http_server": {"ip": "127.0.0.1", "port": m["ports"]["controller"]["http_server"]},
        "tls_config": tls_config,
        "log_info": _log_info(m, "ms_controller", 8192),
    }


def _render_coordinator(m):
    tls, cert_dir = m["tls"], m["tls"]["cert_dir"]
    ports = m["ports"]["coordinator"]
    switches = {"controller_server": tls["coordinator"], "request_server": tls["inference"],
                "mindie_client": tls["server"], "mindie_mangment": tls["server"], "external": tls["coordinator"],
                "status": tls["coordinator"], "etcd_server": False, "alarm_client": False}
    tls_config = {}
    for name in COORDINATOR_TLS_ITEMS:
        tls_config["%s_tls_enable" % name] = switches[name]
        tls_config["%s_tls_items" % name] = _items(cert_dir, "coordinator")
    return {
        "http_config": {
            "allow_all_zero_ip_listening": False,
            "predict_ip": "127.0.0.1", "predict_port": str(ports["predict"]),
            "manage_ip": "127.0.0.1", "manage_port": str(ports["manage"]),
            "alarm_port": str(ports["alarm"]), "external_port": str(ports["external"]),
            "status_port": str(ports["status"]),
            "server_thread_num": 10, "client_thread_num": 10, "http_timeout_seconds": 600,
            "keep_alive_seconds": 180, "server_name": "MindIE-MS", "user_agent": "Coordinator/1.0",
        },
        "request_limit": {"single_node_max_requests": 1000, "max_requests": 10000, "body_limit": 1},
        "metrics_config": {"enable": False, "trigger_size": 100},
        "prometheus_metrics_config": {"reuse_time": 3},
        "exception_config": {"max_retry": 5, "schedule_timeout": 600, "first_token_timeout": 600,
                             "infer_timeout": 600, "tokenizer_timeout": 300},
        "log_info": _log_info(m, "ms_coordinator", 4096),
        "digs_scheduler_config": {"deploy_mode": DEPLOY_MODE[m["deploy_shape"]], "scheduler_type": "digs_scheduler",
                                  "algorithm_type": "load_balance"},
        "string_token_rate": 4.02,
        "tls_config": tls_config,
        "backup_config": {"function_enable": False},
    }


def _render_server(m, ports):
    tls, cert_dir = m["tls"], m["tls"]["cert_dir"]
    server_dir = posixpath.join(cert_dir, "server")
    world = m["p_world_size"]
    prefix = "prefix_cache" in (m.get("features") or [])
    model_config = {"modelInstanceType": "Standard", "modelName": m["model_name"],
                    "modelWeightPath": m["model_weight_path"], "worldSize": world, "cpuMemSize": 5,
                    "npuMemSize": -1, "backendType": "atb", "trustRemoteCode": False, "tp": world}
    schedule = {"templateType": "Standard", "templateName": "Standard_LLM", "cacheBlockSize": 128,
                "maxPrefillBatchSize": 50, "maxPrefillTokens": 8192, "prefillTimeMsPerReq": 150,
                "prefillPolicyType": 0, "decodeTimeMsPerReq": 50, "decodePolicyType": 0, "maxBatchSize": 200,
                "maxIterTimes": 512, "maxPreemptCount": 0, "supportSelectBatch": False,
                "maxQueueDelayMicroseconds": 5000}
    if prefix:
        model_config["plugin_params"] = json.dumps({"plugin_type": "prefix_cache"})
        schedule["enablePrefixCache"] = True
    return {
        "Version": "1.0.0",
        "ServerConfig": {
            "ipAddress": "127.0.0.1", "managementIpAddress": "127.0.0.2",
            "port": ports["port"], "managementPort": ports["management"], "metricsPort": ports["metrics"],
            "allowAllZeroIpListening": False, "maxLinkNum": 1000,
            "httpsEnabled": tls["server"], "fullTextEnabled": False,
            "tlsCaPath": server_dir + "/", "tlsCaFile": ["ca.pem"],
            "tlsCert": posixpath.join(server_dir, "cert.pem"), "tlsPk": posixpath.join(server_dir, "cert.key.pem"),
            "tlsPkPwd": posixpath.join(server_dir, "key_pwd.txt"), "tlsCrlPath": server_dir + "/", "tlsCrlFiles": [],
            "managementTlsCaFile": ["ca.pem"], "managementTlsCert": posixpath.join(server_dir, "cert.pem"),
            "managementTlsPk": posixpath.join(server_dir, "cert.key.pem"),
            "managementTlsPkPwd": posixpath.join(server_dir, "key_pwd.txt"),
            "managementTlsCrlPath": server_dir + "/", "managementTlsCrlFiles": [],
            "inferMode": "dmi",
            "interCommTLSEnabled": tls["inter_comm"], "interCommPort": ports["inter_comm"],
            "interCommTlsCaPath": server_dir + "/", "interCommTlsCaFiles": ["ca.pem"],
            "interCommTlsCert": posixpath.join(server_dir, "cert.pem"),
            "interCommPk": posixpath.join(server_dir, "cert.key.pem"),
            "interCommPkPwd": posixpath.join(server_dir, "key_pwd.txt"),
            "interCommTlsCrlPath": server_dir + "/", "interCommTlsCrlFiles": [],
            "openAiSupport": "vllm", "tokenTimeout": 600, "e2eTimeout": 600, "distDPServerEnabled": False,
        },
        "BackendConfig": {
            "backendName": "mindieservice_llm_engine", "modelInstanceNumber": 1,
            "npuDeviceIds": [list(range(world))], "tokenizerProcessNumber": 8,
            "multiNodesInferEnabled": False, "multiNodesInferPort": 1120, "interNodeTLSEnabled": False,
            "ModelDeployConfig": {"maxSeqLen": 2560, "maxInputTokenLen": 2048, "truncation": False,
                                  "ModelConfig": [model_config]},
            "ScheduleConfig": schedule,
        },
    }


def _render_probe(m):
    return {"tls_enable": m["tls"]["probe"],
            "cert": _items(m["tls"]["cert_dir"], "http_client"),
            "log_info": {"log_level": m["log"]["level"], "to_file": False,
                         "run_log_path": "/var/log/mindie-ms/run/log.txt",
                         "operation_log_path": "/var/log/mindie-ms/operation/log.txt"}}


def server_file_names(m):
    """Names of the server config files of a (normalized) model."""
    if m["deploy_shape"] == "single_container":
        return ["config%d.json" % (i + 1) for i in range(m["p_instances"] + m["d_instances"])]
    return [SERVER_FILE]


def _render_files(m, server_ports, errors):
    files = {CONTROLLER_FILE: _render_controller(m, server_ports), COORDINATOR_FILE: _render_coordinator(m),
             PROBE_FILE: _render_probe(m)}
    names = server_file_names(m)
    for name, ports in zip(names, server_ports):
        files[name] = _render_server(m, ports)
    overrides = m.get("overrides") or {}
    known = set(files) | {SERVER_FILE}
    for name, override in overrides.items():
        if name not in known:
            errors.append(ConfigError(join("overrides", name), "{...}", "is not a rendered file (files: %s)"
                                      % ", ".join(sorted(known))))
    # "config.json" in single container applies to every server file, "configN.json" to one
    for name in sorted(files):
        layers = []
        if name in names and name != SERVER_FILE and isinstance(overrides.get(SERVER_FILE), dict):
            layers.append(overrides[SERVER_FILE])
        if isinstance(overrides.get(name), dict):
            layers.append(overrides[name])
        for layer in layers:
            files[name] = merge(files[name], layer)
    return files


# --------------------------------------------------------------------------------------
# Rules on the rendered files (after overrides): the four files must agree
# --------------------------------------------------------------------------------------

_MISSING = object()


def _get(doc, dotted):
    node = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _fport(value):
    if is_int(value):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _rules_server_file(m, name, doc, ports, errors):
    where = name + ":"
    world = m["p_world_size"]
    model_configs = _get(doc, "BackendConfig.ModelDeployConfig.ModelConfig")
    if not isinstance(model_configs, list) or not model_configs or not isinstance(model_configs[0], dict):
        errors.append(ConfigError(where + "BackendConfig.ModelDeployConfig.ModelConfig", model_configs,
                                  "must be a list with one model object"))
        return
    mc = model_configs[0]
    base = where + "BackendConfig.ModelDeployConfig.ModelConfig[0]."
    ws = mc.get("worldSize", _MISSING)
    if ws != world:
        errors.append(ConfigError(base + "worldSize", ws if ws is not _MISSING else ABSENT,
                                  "must equal the NPUs of one server instance (world_size %d, the pod's "
                                  "%s request)" % (world, NPU_RESOURCE)))
    tp = mc.get("tp", _MISSING)
    if tp != ws:
        errors.append(ConfigError(base + "tp", tp if tp is not _MISSING else ABSENT,
                                  "must equal worldSize (%s): the doc sets tp to the worldSize value" % json.dumps(
                                      ws if ws is not _MISSING else None)))
    for key in ("modelName", "modelWeightPath"):
        value = mc.get(key, _MISSING)
        if not isinstance(value, str) or not value.strip():
            errors.append(ConfigError(base + key, value if value is not _MISSING else ABSENT,
                                      "must be a non-empty string"))
    wpath = mc.get("modelWeightPath")
    if isinstance(wpath, str) and wpath.strip() and not wpath.startswith("/"):
        errors.append(ConfigError(base + "modelWeightPath", wpath, "must be an absolute path inside the container"))
    devices = _get(doc, "BackendConfig.npuDeviceIds")
    if is_int(ws):
        want = [list(range(ws))]
        if devices != want:
            errors.append(ConfigError(where + "BackendConfig.npuDeviceIds", devices if devices is not _MISSING
                                      else ABSENT, "must be %s: numbered from 0, as many as worldSize, one list "
                                                   "per model instance (doc, table 2)" % json.dumps(want)))
    mode = _get(doc, "ServerConfig.inferMode")
    if mode != "dmi":
        errors.append(ConfigError(where + "ServerConfig.inferMode", mode if mode is not _MISSING else ABSENT,
                                  "must be dmi for PD disaggregation (doc, table 2)"))
    shape = m["deploy_shape"]
    prefix = _get(doc, "BackendConfig.ScheduleConfig.enablePrefixCache") is True or "prefix_cache" in str(
        mc.get("plugin_params", ""))
    if prefix and shape != "single_container":
        errors.append(ConfigError(where + "BackendConfig.ScheduleConfig.enablePrefixCache", True,
                                  "Prefix Cache is not supported with multi-machine PD disaggregation (doc, 限制与"
                                  "约束); it is supported in a single container"))
    if _get(doc, "BackendConfig.multiNodesInferEnabled") is True and shape != "single_container":
        errors.append(ConfigError(where + "BackendConfig.multiNodesInferEnabled", True,
                                  "multi-node inference is not supported with multi-machine PD disaggregation (doc)"))
    names = (("port", "port"), ("managementPort", "management"), ("metricsPort", "metrics"),
             ("interCommPort", "inter_comm"))
    seen = {}
    for key, short in names:
        value = _fport(_get(doc, "ServerConfig." + key))
        path = where + "ServerConfig." + key
        if value is None or not PORT_MIN <= value <= PORT_MAX:
            errors.append(ConfigError(path, _get(doc, "ServerConfig." + key), "port must be between %d and %d"
                                      % (PORT_MIN, PORT_MAX)))
            continue
        ports[short] = value
        if value in seen:
            errors.append(ConfigError(path, value, "clashes with %s: the four ports of a server must differ"
                                      % seen[value]))
        seen[value] = path


def _tls_value(files, server_names, target):
    """[(path, value)] of one switch; ``config`` expands to every server file."""
    name, dotted = target
    names = server_names if name == "config" else [name]
    return [("%s:%s" % (n, dotted), _get(files.get(n, {}), dotted)) for n in names]


def _rules_files(m, files, errors):
    names = server_file_names(m)
    shape = m["deploy_shape"]
    # server files: worldSize, tp, npuDeviceIds, inferMode, features, own ports
    file_ports = []
    for name in names:
        ports = {}
        _rules_server_file(m, name, files[name], ports, errors)
        file_ports.append((name, ports))
    # TLS switches: each must be a boolean; the two ends of a connection must agree
    for targets in TLS_SWITCHES.values():
        for target in targets:
            for path, value in _tls_value(files, names, target):
                if not isinstance(value, bool):
                    errors.append(ConfigError(path, value if value is not _MISSING else ABSENT,
                                              "must be a boolean TLS switch"))
    for channel, group in TLS_PAIRS:
        values = []
        for target in group:
            values += [(p, v) for p, v in _tls_value(files, names, target) if isinstance(v, bool)]
        if values and any(v != values[0][1] for _p, v in values):
            first_path, first = values[0]
            for path, value in values[1:]:
                if value != first:
                    errors.append(ConfigError(path, value, "TLS switches of one connection must agree across the "
                                                           "files: %s is %s" % (first_path, json.dumps(first))))
    inter = [(p, v) for p, v in _tls_value(files, names, ("config", "ServerConfig.interCommTLSEnabled"))
             if isinstance(v, bool)]
    for path, value in inter[1:]:
        if value != inter[0][1]:
            errors.append(ConfigError(path, value, "interCommTLSEnabled must be the same in every server file "
                                                   "(P and D talk to each other): %s is %s"
                                      % (inter[0][0], json.dumps(inter[0][1]))))
    # certificates: an enabled switch needs its items, under tls.cert_dir (mounted read-only there)
    cert_dir = m["tls"]["cert_dir"].rstrip("/") + "/"
    blocks = [(CONTROLLER_FILE, "tls_config.%s_tls_enable" % n, "tls_config.%s_tls_items" % n)
              for n in CONTROLLER_TLS_ITEMS]
    blocks += [(COORDINATOR_FILE, "tls_config.%s_tls_enable" % n, "tls_config.%s_tls_items" % n)
               for n in COORDINATOR_TLS_ITEMS]
    blocks.append((PROBE_FILE, "tls_enable", "cert"))
    for fname, switch, items_key in blocks:
        if _get(files[fname], switch) is not True:
            continue
        items = _get(files[fname], items_key)
        if not isinstance(items, dict):
            errors.append(ConfigError("%s:%s" % (fname, items_key), items if items is not _MISSING else ABSENT,
                                      "is required when %s is true" % switch))
            continue
        for key in ("ca_cert", "tls_cert", "tls_key", "tls_passwd"):
            value = items.get(key)
            path = "%s:%s.%s" % (fname, items_key, key)
            if not isinstance(value, str) or not value:
                errors.append(ConfigError(path, value if key in items else ABSENT,
                                          "is required when %s is true" % switch))
            elif not posixpath.normpath(value).startswith(cert_dir):
                errors.append(ConfigError(path, value, "must lie under tls.cert_dir (%s): the certificates are "
                                                       "mounted there read-only (doc, 配置自动生成证书 step 4)"
                                          % m["tls"]["cert_dir"]))
    for name in names:
        doc = files[name]
        if _get(doc, "ServerConfig.httpsEnabled") is True or _get(doc, "ServerConfig.interCommTLSEnabled") is True:
            for key in ("tlsCert", "tlsPk", "tlsPkPwd", "interCommTlsCert", "interCommPk", "interCommPkPwd"):
                value = _get(doc, "ServerConfig." + key)
                if isinstance(value, str) and value.startswith("/") and not posixpath.normpath(value).startswith(cert_dir):
                    errors.append(ConfigError("%s:ServerConfig.%s" % (name, key), value,
                                              "must lie under tls.cert_dir (%s)" % m["tls"]["cert_dir"]))
    # deploy_mode / is_heterogeneous / rates as the shape needs them
    want = DEPLOY_MODE[shape]
    for fname, dotted in ((CONTROLLER_FILE, "deploy_mode"), (COORDINATOR_FILE, "digs_scheduler_config.deploy_mode")):
        value = _get(files[fname], dotted)
        if value != want:
            errors.append(ConfigError("%s:%s" % (fname, dotted), value if value is not _MISSING else ABSENT,
                                      "must be %s for deploy_shape %s (doc)" % (want, shape)))
    hetero = _get(files[CONTROLLER_FILE], "is_heterogeneous")
    if hetero is not (shape == "heterogeneous"):
        errors.append(ConfigError(CONTROLLER_FILE + ":is_heterogeneous", hetero if hetero is not _MISSING else ABSENT,
                                  "must be %s for deploy_shape %s (doc)" % (json.dumps(shape == "heterogeneous"), shape)))
    for key in ("default_p_rate", "default_d_rate"):
        if _get(files[CONTROLLER_FILE], key) != m[key]:
            errors.append(ConfigError(CONTROLLER_FILE + ":" + key, _get(files[CONTROLLER_FILE], key),
                                      "set it through the model's %s (rules of the P/D rate are checked there)" % key))
    # ports: the controller's view of the servers and of the coordinator must match theirs
    _rules_file_ports(m, files, file_ports, errors)


def _rules_file_ports(m, files, file_ports, errors):
    ctrl = files[CONTROLLER_FILE]
    coord = files[COORDINATOR_FILE]
    shape = m["deploy_shape"]
    cports = {}
    for key in ("predict_port", "manage_port", "alarm_port", "external_port", "status_port"):
        value = _fport(_get(coord, "http_config." + key))
        if value is None or not PORT_MIN <= value <= PORT_MAX:
            errors.append(ConfigError("%s:http_config.%s" % (COORDINATOR_FILE, key), _get(coord, "http_config." + key),
                                      "port must be between %d and %d" % (PORT_MIN, PORT_MAX)))
        else:
            cports[key] = value
    http = _fport(_get(ctrl, "http_server.port"))
    if http is None or not PORT_MIN <= http <= PORT_MAX:
        errors.append(ConfigError(CONTROLLER_FILE + ":http_server.port", _get(ctrl, "http_server.port"),
                                  "port must be between %d and %d" % (PORT_MIN, PORT_MAX)))
    pairs = [("mindie_ms_coordinator_port", COORDINATOR_FILE + ":http_config.manage_port", cports.get("manage_port")),
             ("mindie_ms_coordinator_external_port", COORDINATOR_FILE + ":http_config.external_port",
              cports.get("external_port"))]
    if shape != "single_container" and file_ports:
        # every server pod shares one config.json; the controller dials these ports on each pod.
        # In a single container the controller reads each server's ports from the global ranktable.
        name, ports = file_ports[0]
        pairs += [("mindie_server_port", name + ":ServerConfig.port", ports.get("port")),
                  ("mindie_server_control_port", name + ":ServerConfig.managementPort", ports.get("management")),
                  ("mindie_server_metric_port", name + ":ServerConfig.metricsPort", ports.get("metrics"))]
    for key, other, want in pairs:
        value = _get(ctrl, key)
        if want is not None and _fport(value) != want:
            errors.append(ConfigError(CONTROLLER_FILE + ":" + key, value if value is not _MISSING else ABSENT,
                                      "must equal %s (%d): the controller dials that port" % (other, want)))
    # one network namespace: everything in the single container, else each pod on its own
    groups = []
    coord_group = [("%s:http_config.%s" % (COORDINATOR_FILE, k), v) for k, v in cports.items()]
    ctrl_group = [(CONTROLLER_FILE + ":http_server.port", http)] if http else []
    if shape == "single_container":
        group = coord_group + ctrl_group
        for name, ports in file_ports:
            group += [("%s:ServerConfig.%s" % (name, key), ports[short]) for key, short in
                      (("port", "port"), ("managementPort", "management"), ("metricsPort", "metrics"),
                       ("interCommPort", "inter_comm")) if short in ports]
        groups.append(("the single container", group))
    else:
        groups.append(("the coordinator pod", coord_group))
    for where, group in groups:
        seen = {}
        for path, value in group:
            if value in seen:
                if seen[value].split(":")[0] != path.split(":")[0] or not path.startswith("config"):
                    errors.append(ConfigError(path, value, "clashes with %s in %s: every port of one pod must "
                                                           "differ" % (seen[value], where)))
            else:
                seen[value] = path


# --------------------------------------------------------------------------------------
# Derived values for the stack role
# --------------------------------------------------------------------------------------

def _derive(m, files, server_ports, effective_rate):
    shape, hardware = m["deploy_shape"], m["hardware_type"]
    tls = m["tls"]
    p, d, world = m["p_instances"], m["d_instances"], m["p_world_size"]
    servers = p + d
    base_selector = node_selector(hardware)
    env = {str(k): str(v) for k, v in (m.get("env") or {}).items()}
    common_env = dict(env)
    common_env.update({"MINDIE_LOG_LEVEL": m["log"]["level"], "MINDIE_LOG_TO_FILE": "1" if m["log"]["to_file"] else "0",
                       "MINDIE_LOG_TO_STDOUT": "1" if m["log"]["to_stdout"] else "0"})
    server_env = dict(common_env)
    server_env.update({"MINDIE_ENDPOINT_HTTPS_ENABLED": json.dumps(tls["server"]),
                       "MINDIE_INTER_COMM_TLS_ENABLED": json.dumps(tls["inter_comm"])})
    # doc: with TLS on, the controller's and coordinator's Kubernetes probes must be removed
    ctrl_probes = not any(tls[c] for c in TLS_CHANNELS)
    res = m["coordinator_resources"]
    coordinator_resources = {"requests": {"memory": res["requests_memory"]}, "limits": {"memory": res["limits_memory"]}}
    server_files = server_file_names(m)
    pods = {}
    if shape == "single_container":
        total = p * world + d * m["d_world_size"]
        single_env = dict(server_env)
        single_env["MINDIE_MS_GEN_SERVER_PORT"] = "false"  # we render config1..N with their own ports
        pods["single_container"] = {
            "replicas": 1, "npus_per_pod": total, "node_selector": base_selector,
            "sp_block": total if hardware == HW_A3 else None, "env": single_env,
            "config_files": server_files, "probes": True, "ports": server_ports,
        }
    else:
        ctrl_env = dict(common_env)
        pods["controller"] = {"replicas": 1, "npus_per_pod": 0, "node_selector": dict(m["controller_node_selector"]),
                              "env": ctrl_env, "probes": ctrl_probes}
        pods["coordinator"] = {"replicas": 1, "npus_per_pod": 0, "node_selector": {}, "env": dict(common_env),
                               "probes": ctrl_probes, "liveness_probe": False, "resources": coordinator_resources}
        if shape == "heterogeneous":
            hetero = m["heterogeneous"]
            key = hetero["label_key"]
            pods["server"] = {"replicas": p, "npus_per_pod": world, "role": "prefill",
                              "node_selector": dict(base_selector, **{key: hetero["prefill_label"]}),
                              "hardware_type": hetero["prefill_hardware_type"], "env": dict(server_env),
                              "config_files": server_files, "ports": server_ports[0]}
            pods["server_heterogeneous"] = {"replicas": d, "npus_per_pod": m["d_world_size"], "role": "decode",
                                            "node_selector": dict(base_selector, **{key: hetero["decode_label"]}),
                                            "hardware_type": hetero["decode_hardware_type"], "env": dict(server_env),
                                            "config_files": server_files, "ports": server_ports[0]}
        else:
            pods["server"] = {"replicas": servers, "npus_per_pod": world, "role": None,
                              "node_selector": base_selector, "hardware_type": None, "env": dict(server_env),
                              "config_files": server_files, "ports": server_ports[0]}
        total = p * world + d * m["d_world_size"]
    if effective_rate is None or effective_rate[0] == 0:
        rate = {"p": 0, "d": 0, "source": "auto"}
    else:
        rate = {"p": effective_rate[0], "d": effective_rate[1],
                "source": "env" if effective_rate[2] == "env" else CONTROLLER_FILE}
    ports = dict(m["ports"])
    ports["servers"] = server_ports
    return {
        "job_id": m["job_id"],
        "namespace": m["job_id"],
        "image": m["image"].strip(),
        "hardware_type": hardware,
        "deploy_shape": shape,
        "deploy_mode": DEPLOY_MODE[shape],
        "model_name": m["model_name"],
        "model_weight_path": m["model_weight_path"],
        "p_instances": p,
        "d_instances": d,
        "server_count": servers,
        "world_size": world,
        "npus_per_server_pod": world if shape != "single_container" else total,
        "total_npus": total,
        "npus_per_node": m["npus_per_node"],
        "sp_block": total if shape == "single_container" and hardware == HW_A3 else None,
        "pods": pods,
        "pd_rate": rate,
        "ports": ports,
        "coordinator_node_port": m["ports"]["coordinator_node_port"],
        "coordinator_resources": coordinator_resources,
        "tls": dict(tls, any=any(tls[c] for c in TLS_CHANNELS)),
        "config_files": sorted(files),
        "server_config_files": server_files,
        "heterogeneous": ({"enabled": True, "label_key": m["heterogeneous"]["label_key"],
                           "prefill_label": m["heterogeneous"]["prefill_label"],
                           "decode_label": m["heterogeneous"]["decode_label"],
                           "prefill_hardware_type": m["heterogeneous"]["prefill_hardware_type"],
                           "decode_hardware_type": m["heterogeneous"]["decode_hardware_type"]}
                          if shape == "heterogeneous" else {"enabled": False}),
    }


# --------------------------------------------------------------------------------------
# The stack role's view
# --------------------------------------------------------------------------------------

#: Deployment name and app.kubernetes.io/component label of each pod kind (the document's names)
POD_NAMES = {"controller": ("mindie-ms-controller", "controller"),
             "coordinator": ("mindie-ms-coordinator", "coordinator"),
             "server": ("mindie-server", "server"),
             "server_heterogeneous": ("mindie-server-heterogeneous", "server-heterogeneous"),
             "single_container": ("mindie-service", "single-container")}
#: pod kinds that ask for NPUs and appear in the global ranktable's server group
SERVER_PODS = ("server", "server_heterogeneous", "single_container")


def stack_view(derived):
    """``derived`` (of :func:`render`) in the shape the stack role (``roles/stack``) reads,
    the same shape ``validate_config`` gives for MindIE-PyMotor, plus every motor key.

    - ``deploy_mode``: the deploy shape (the key of the stack's ``stack_templates_by_mode``);
      the files' own value stays in ``motor_deploy_mode``
    - ``mode``: the deploy shape (``single_container`` makes the stack count one pod)
    - ``roles``: per pod kind ``instances`` (one per pod: a server pod is one P or D instance),
      ``pods_per_instance`` 1, ``npus_per_pod``, ``total_npus``, ``node_selector``, ``env``,
      ``deployment`` and ``component`` (names); ``engine_roles``: the kinds with NPUs
    - ``node_selector``: the single container's (the stack's single-container capacity check)
    - ``tls.any`` as in ``derived``
    """
    view = copy.deepcopy(derived)
    pods = view.get("pods") or {}
    roles = {}
    for kind, pod in pods.items():
        deployment, component = POD_NAMES[kind]
        roles[kind] = {"instances": pod["replicas"], "pods_per_instance": 1, "npus_per_pod": pod["npus_per_pod"],
                       "total_npus": pod["replicas"] * pod["npus_per_pod"],
                       "node_selector": dict(pod.get("node_selector") or {}), "env": dict(pod.get("env") or {}),
                       "deployment": deployment, "component": component}
    view.update(
        motor_deploy_mode=derived.get("deploy_mode"),
        deploy_mode=derived.get("deploy_shape"),
        mode=derived.get("deploy_shape"),
        roles=roles,
        engine_roles=[k for k in SERVER_PODS if k in pods],
        node_selector=dict((pods.get("single_container") or {}).get("node_selector") or {}),
    )
    return view


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------

def build(model):
    """Validate and render: ``(errors, files, derived)``; files and derived are ``{}`` on error."""
    errors, m = normalize(model)
    if errors or not m:
        return errors, {}, {}
    env_values = _rules_env(m, errors)
    effective = _rules_rates(m, env_values, errors)
    _rules_model(m, [k for k in ("p_world_size", "d_world_size") if isinstance(model, dict) and k in model],
                 errors)
    server_ports = _server_ports(m, errors)
    _rules_ports(m, server_ports, errors)
    if errors:
        return errors, {}, {}
    files = _render_files(m, server_ports, errors)
    if errors:
        return errors, {}, {}
    _rules_files(m, files, errors)
    if errors:
        return errors, {}, {}
    return [], files, _derive(m, files, server_ports, effective)


def validate(model):
    """Every broken rule of ``model`` as :class:`ConfigError`; ``[]`` when it is valid."""
    return build(model)[0]


def render(model):
    """``{"files": {name: dict}, "derived": {...}}``; raises :class:`MotorConfigInvalid` on bad input."""
    errors, files, derived = build(model)
    if errors:
        raise MotorConfigInvalid(errors)
    return {"files": files, "derived": derived}


def warnings(model):
    """Advice that does not block: TLS channels switched off, a model family the doc does not list."""
    errors, m = normalize(model)
    out = []
    if not m:
        return out
    tls = m.get("tls") or {}
    off = [c for c in TLS_CHANNELS if tls.get(c) is False]
    if off:
        out.append("TLS is off for %s: the doc recommends HTTPS everywhere (high network security risk "
                   "otherwise)" % ", ".join(off))
    name = m.get("model_name")
    if isinstance(name, str) and name.strip() and not _FAMILY_RE.search(name):
        out.append("model_name %s: the doc supports PD disaggregation for the LLaMA3 and Qwen2 series only"
                   % json.dumps(name))
    return out
