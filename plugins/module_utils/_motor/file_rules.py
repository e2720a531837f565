# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Rules on the rendered files (after overrides): the four files must agree."""
from __future__ import annotations

import json
import posixpath

from ansible_collections.pdserve.cluster.plugins.module_utils._motor.constants import (
    CONTROLLER_FILE,
    CONTROLLER_TLS_ITEMS,
    COORDINATOR_FILE,
    COORDINATOR_TLS_ITEMS,
    DEPLOY_MODE,
    PORT_MAX,
    PORT_MIN,
    PROBE_FILE,
    TLS_PAIRS,
    TLS_SWITCHES,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.render import server_file_names
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import NPU_RESOURCE
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    ConfigError,
    is_int,
    port_number,
)


_MISSING = object()


def _get(doc, dotted):
    node = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


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
        value = port_number(_get(doc, "ServerConfig." + key))
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
        value = port_number(_get(coord, "http_config." + key))
        if value is None or not PORT_MIN <= value <= PORT_MAX:
            errors.append(ConfigError("%s:http_config.%s" % (COORDINATOR_FILE, key), _get(coord, "http_config." + key),
                                      "port must be between %d and %d" % (PORT_MIN, PORT_MAX)))
        else:
            cports[key] = value
    http = port_number(_get(ctrl, "http_server.port"))
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
        if want is not None and port_number(value) != want:
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
