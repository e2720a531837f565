# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Small helpers over API objects as plain dicts (private: not a public API). The label schema
itself (keys, values, field manager) is a platform fact: module_utils/_platform.py."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import INSTANCE_INDEX, stack_labels


def stack_selector(job_id, component=None):
    """Label selector (string form) for the objects of a stack, or of one of its components."""
    return ",".join("%s=%s" % kv for kv in sorted(stack_labels(job_id, component).items()))


def meta(obj):
    return obj.get("metadata") or {}


def describe(obj):
    """``Kind namespace/name`` of an object."""
    meta = obj.get("metadata") or {}
    where = "%s/%s" % (meta["namespace"], meta.get("name")) if meta.get("namespace") else meta.get("name")
    return "%s %s" % (obj.get("kind"), where)


def condition(obj, ctype):
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return {}


def instance_index(obj):
    """The instance index of an instance workload (label), or None."""
    value = ((obj.get("metadata") or {}).get("labels") or {}).get(INSTANCE_INDEX)
    return int(value) if value is not None and str(value).isdigit() else None
