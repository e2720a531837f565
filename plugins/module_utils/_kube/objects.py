# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Our labels on the objects of a stack and small helpers over API objects as plain dicts
(private: not a public API)."""
from __future__ import annotations

MANAGED_BY = "app.kubernetes.io/managed-by"
PART_OF = "app.kubernetes.io/part-of"
INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"
INSTANCE_INDEX = "pdserve.io/instance-index"
MANAGER = "pdserve"
NPU_RESOURCE = "huawei.com/Ascend910"


def stack_labels(job_id, component=None):
    """The labels every object of the stack ``job_id`` carries."""
    labels = {MANAGED_BY: MANAGER, PART_OF: MANAGER, INSTANCE: job_id}
    if component:
        labels[COMPONENT] = component
    return labels


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
