# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Merge several global ranktables into one.

Private to pdserve.cluster (not a public API). Stdlib only: modules run this on managed hosts.
"""

from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.common import (
    ASCENDCLOUD,
    FORMATS,
    MINDIE_MOTOR,
    ROLE_NAMES,
    RanktableError,
    _err,
    _key,
    _show,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.model import (
    _device_groups,
    _parse_table,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.validate import (
    _check_table,
    validate,
)


# --------------------------------------------------------------------------- public: merge

def merge(named_docs, fmt, hardware_type=None, equal_devices=True):
    """Merge several global ranktables ``[(name, document), ...]`` into one.

    ascendcloud: the hosts' ``global_ranktable_<ip>.json``; exactly one of them holds the
    scheduler / API entry; prefill and decode instances are concatenated in input order (the
    order the scheduler's NODE_PORTS must follow). mindie_motor: exactly one coordinator and one
    controller across the inputs; servers concatenated, super pods joined by super_pod_id.
    A host may appear in one input only. Raises RanktableError with every problem found.
    """
    if fmt not in FORMATS:
        raise RanktableError(["format: must be one of %s (got %s)" % (", ".join(FORMATS), _show(fmt))])
    errors = []
    if not isinstance(named_docs, list) or not named_docs:
        raise RanktableError(["ranktables: must be a non-empty list of global ranktables to merge"])
    tables = []
    for name, doc in named_docs:
        before = len(errors)
        table = _parse_table(doc, fmt, errors, name)
        _check_table(table, errors, hardware_type, True, equal_devices)
        if len(errors) == before:
            tables.append((name, doc, table))
    if errors:
        raise RanktableError(errors)
    first_name, first, _t = tables[0]
    for name, doc, _t in tables[1:]:
        for field in ("version", "status"):
            if doc[field] != first[field]:
                _err(errors, _key(name, field), doc[field], "must equal %s of %s (%s)"
                     % (field, first_name, _show(first[field])))
    owner = {}
    for name, _doc, table in tables:
        hosts = {e.server_id for g in _device_groups(fmt) for e in table.groups[g]}
        for host in sorted(hosts):
            if host in owner:
                _err(errors, name, host, "host already appears in %s: merge each host's table once" % owner[host])
            else:
                owner[host] = name
    singletons = (0,) if fmt == ASCENDCLOUD else (0, 1)
    for g in singletons:
        holders = [name for name, _doc, table in tables for _e in table.groups[g]]
        required = fmt == ASCENDCLOUD or first["status"] == "completed"
        if len(holders) > 1 or (required and not holders):
            _err(errors, "server_group_list[%d].server_list" % g, holders,
                 "exactly one %s entry is allowed across the merged tables (found %d)"
                 % (ROLE_NAMES[fmt][g] if fmt == MINDIE_MOTOR else "scheduler / API", len(holders)))
    if errors:
        raise RanktableError(errors)
    merged_groups = {}
    pods = {}
    for _name, doc, _table in tables:
        for group in doc["server_group_list"]:
            g = int(group["group_id"])
            merged_groups.setdefault(g, []).extend(group["server_list"])
            for pod in group.get("super_pod_list", []):
                members = pods.setdefault(pod["super_pod_id"], [])
                for m in pod["server_list"]:
                    if m not in members:
                        members.append(m)
    order = (0, 1, 2) if fmt == ASCENDCLOUD else (2, 1, 0)
    glist = []
    for g in order:
        servers = merged_groups.get(g, [])
        group = {"group_id": str(g), "server_count": str(len(servers)), "server_list": servers}
        if g == 2 and pods:
            group["super_pod_list"] = [{"super_pod_id": k, "server_list": v} for k, v in pods.items()]
        glist.append(group)
    if fmt == ASCENDCLOUD:
        merged = {"version": first["version"], "status": first["status"], "server_group_list": glist}
    else:
        merged = {"version": first["version"], "server_group_list": glist, "status": first["status"]}
    errors = validate(merged, fmt, hardware_type, False, equal_devices, path="merged")
    if errors:
        raise RanktableError(errors)
    return merged
