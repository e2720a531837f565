# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The input model of a MindIE Motor stack: its schema (engine: ``_schema``) and
:func:`normalize` (the defaults that depend on other fields)."""
from __future__ import annotations

import re

from ansible_collections.pdserve.cluster.plugins.module_utils._motor.constants import (
    FEATURES,
    HETERO_HARDWARE_TYPE,
    LOG_LEVELS,
    MAX_RATE,
    MAX_WORLD_SIZE,
    NODE_PORT_RANGE,
    PORT_MAX,
    PORT_MIN,
    SHAPES,
    TLS_CHANNELS,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    ATLAS_800I_TYPES as HARDWARE_TYPES,
    DEFAULT_NAMESPACE,
    HW_A2,
    NPUS_PER_NODE,
    PKI_MOUNT_PATH,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ConfigError,
    Ctx,
    is_label_key,
    is_label_value,
    join,
    NO,
    Spec,
    walk_schema,
)


class MotorConfigInvalid(ValueError):
    """:func:`render` was given a model that breaks rules; ``errors`` lists them all."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("%d MindIE Motor configuration error(s):\n%s"
                         % (len(self.errors), "\n".join(str(e) for e in self.errors)))


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
