# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""``env.json``: its sections, the P/D rate rule, and the environment of each component."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.constants import ENV_SECTIONS
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.schema import ENV_SCHEMA_KEYS
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    ENV_NAME_RE,
    is_int,
    join,
    suggest,
)


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
