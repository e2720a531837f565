# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Small helpers of the cross-field rules (values that survive any input)."""
from __future__ import annotations

import posixpath

from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    is_int,
)


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


def _norm_path(value):
    return posixpath.normpath(value) if value else value
