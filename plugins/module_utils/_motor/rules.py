# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Rules on the normalized model (environment, rates, shapes, heterogeneous nodes, TLS,
resources, ports)."""
from __future__ import annotations

import json
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._motor.constants import (
    ENV_BOOL,
    ENV_ENUM,
    ENV_INT_RANGES,
    ENV_OWNED,
    FORBIDDEN_FEATURES,
    HETERO_HARDWARE_TYPE,
    MAX_RATE_SUM,
    MAX_SERVERS,
    PORT_MAX,
    SHAPE_HARDWARE,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.model import SCHEMA
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import NPUS_PER_NODE
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    ConfigError,
    Ctx,
    is_int,
    join,
    memory_quantity,
    walk_schema,
)


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
