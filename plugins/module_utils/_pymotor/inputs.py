# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Inputs: the two JSON files (clear errors for a missing file or bad JSON) and the
``overrides`` (flat keys or dotted paths, ``-e key=value`` strings coerced to the field's type)."""
from __future__ import annotations

import json
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.schema import (
    _FLAT_INDEX,
    _schema_at,
    USER_SCHEMA,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ConfigError,
    join,
    merge,
    suggest,
)


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
