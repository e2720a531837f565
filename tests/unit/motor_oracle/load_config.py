#!/usr/bin/env python3
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Test oracle, run with the interpreter of .venv-motor (the real ``mindie-motor`` runtime).

Loads a ``user_config.json`` that pdserve rendered through the runtime's own configuration
classes (``motor.config``), the way each component does at start, and prints as JSON what they
kept: TLS switches, ports, modes, and every key we wrote that the dataclasses dropped.

    python load_config.py <user_config.json> <controller|coordinator|node_manager> [ROLE]

Kept apart from the collection's virtualenv: the runtime's dependencies must not mix with it.
"""
import dataclasses
import enum
import json
import os
import sys
import tempfile


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def dropped(obj, data, path):
    """Keys of ``data`` that the dataclass ``obj`` has no field for (recursively)."""
    out = []
    if not isinstance(data, dict) or not dataclasses.is_dataclass(obj):
        return out
    names = {f.name for f in dataclasses.fields(obj)}
    for key, value in data.items():
        if key not in names:
            out.append("%s.%s" % (path, key))
            continue
        out += dropped(getattr(obj, key), value, "%s.%s" % (path, key))
    return out


def main():
    path, component = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        os.environ["ROLE"] = sys.argv[3]
    os.environ.setdefault("POD_IP", "10.0.0.7")
    os.environ.setdefault("JOB_NAME", "oracle")
    os.environ["USER_CONFIG_PATH"] = path
    os.environ.setdefault("MOTOR_LOG_PATH", tempfile.mkdtemp())
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    tls_written = (raw.get("motor_deploy_config") or {}).get("tls_config") or {}
    if component == "controller":
        from motor.config.controller import ControllerConfig
        config = ControllerConfig.from_json(path)
        section = raw.get("motor_controller_config") or {}
    elif component == "coordinator":
        from motor.config.coordinator import CoordinatorConfig
        config = CoordinatorConfig.from_json(path)
        section = raw.get("motor_coordinator_config") or {}
    else:
        from motor.config.node_manager import NodeManagerConfig
        config = NodeManagerConfig.from_json(path)
        section = {}
    lost = dropped(config, section, "motor_%s_config" % component)
    tls = {}
    for name, written in tls_written.items():
        if hasattr(config, name):
            lost += dropped(getattr(config, name), written, "motor_deploy_config.tls_config.%s" % name)
            tls[name] = getattr(config, name).enable_tls
    print(json.dumps({"config": _plain(config), "dropped": sorted(lost), "tls": tls}, default=str))


if __name__ == "__main__":
    main()
