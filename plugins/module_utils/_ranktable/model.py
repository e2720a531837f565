# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The in-memory model of a ranktable and the parser from a JSON document.

Private to pdserve.cluster (not a public API). Stdlib only: modules run this on managed hosts.
"""

from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.common import (
    ASCENDCLOUD,
    GROUP_IDS,
    HETEROGENEOUS_TYPES,
    MAX_DEVICES,
    MINDIE_MOTOR,
    PORT_FIELDS,
    ROLE_NAMES,
    STATUSES,
    VERSIONS,
    _as_uint,
    _check_ip,
    _check_uint_str,
    _err,
    _key,
)


# --------------------------------------------------------------------------- the model

class _Device(object):
    __slots__ = ("device_id", "device_ip", "rank_id", "logical_id", "super_device_id",
                 "path_id", "path_ip")

    def __init__(self, device_id, device_ip, path_id, path_ip, rank_id=None, logical_id=None,
                 super_device_id=None):
        self.device_id = device_id
        self.device_ip = device_ip
        self.rank_id = rank_id
        self.logical_id = logical_id
        self.super_device_id = super_device_id
        self.path_id = path_id
        self.path_ip = path_ip


class _Entry(object):
    __slots__ = ("group", "server_id", "server_ip", "devices", "hardware_type", "ports",
                 "super_pod_id", "path", "source")

    def __init__(self, group, server_id, server_ip, path, devices=None, hardware_type=None,
                 ports=None, super_pod_id=None, source=None):
        self.group = group
        self.server_id = server_id
        self.server_ip = server_ip
        self.devices = devices
        self.hardware_type = hardware_type
        self.ports = ports or {}
        self.super_pod_id = super_pod_id
        self.path = path
        self.source = source


class _Table(object):
    __slots__ = ("fmt", "version", "status", "groups", "group_paths", "super_pods",
                 "super_pods_path", "path")

    def __init__(self, fmt, path=""):
        self.fmt = fmt
        self.version = None
        self.status = None
        self.groups = {0: [], 1: [], 2: []}
        self.group_paths = {0: _key(path, "server_group_list"), 1: _key(path, "server_group_list"),
                            2: _key(path, "server_group_list")}
        self.super_pods = None      # list of (super_pod_id, [server_id...], path) or None
        self.super_pods_path = None
        self.path = path


def _device_groups(fmt):
    return (2,) if fmt == MINDIE_MOTOR else (1, 2)


# --------------------------------------------------------------------------- parse a document

def _parse_entry(errors, path, raw, fmt, group, source=None):
    if not isinstance(raw, dict):
        _err(errors, path, raw, "must be an object")
        return None
    with_devices = group in _device_groups(fmt)
    localhost = fmt == ASCENDCLOUD
    server_id = raw.get("server_id")
    server_ip = raw.get("server_ip")
    # MindIE Motor's coordinator / controller entries may carry only server_ip (document sample).
    if server_id is not None or with_devices or fmt == ASCENDCLOUD:
        _check_ip(errors, _key(path, "server_id"), server_id, localhost)
    _check_ip(errors, _key(path, "server_ip"), server_ip, localhost)
    entry = _Entry(group, server_id if server_id is not None else server_ip, server_ip, path,
                   source=source)
    raw_devices = raw.get("device")
    if with_devices:
        dpath = _key(path, "device")
        if not isinstance(raw_devices, list) or not 1 <= len(raw_devices) <= MAX_DEVICES:
            _err(errors, dpath, raw_devices if not isinstance(raw_devices, list) else len(raw_devices),
                 "must be a list of 1 to %d devices" % MAX_DEVICES)
            raw_devices = raw_devices if isinstance(raw_devices, list) else []
        devices = []
        for j, rd in enumerate(raw_devices):
            p = "%s[%d]" % (dpath, j)
            if not isinstance(rd, dict):
                _err(errors, p, rd, "must be an object")
                continue
            did = rd.get("device_id")
            dip = rd.get("device_ip")
            _check_uint_str(errors, p + ".device_id", did)
            _check_ip(errors, p + ".device_ip", dip)
            rank = rd.get("rank_id")
            if rank is not None or fmt == ASCENDCLOUD:
                _check_uint_str(errors, p + ".rank_id", rank)
            for opt in ("device_logical_id", "super_device_id"):
                if opt in rd:
                    _check_uint_str(errors, "%s.%s" % (p, opt), rd[opt])
            devices.append(_Device(did, dip, p + ".device_id", p + ".device_ip", rank,
                                   rd.get("device_logical_id"), rd.get("super_device_id")))
        entry.devices = devices
    elif raw_devices is not None:
        _err(errors, _key(path, "device"), raw_devices,
             "only %s entries carry devices" % " / ".join(ROLE_NAMES[fmt][g] for g in _device_groups(fmt)))
    if fmt == MINDIE_MOTOR:
        for field in PORT_FIELDS:
            if field in raw:
                port = _as_uint(raw[field]) if isinstance(raw[field], str) else None
                if port is None or not 1 <= port <= 65535:
                    _err(errors, _key(path, field), raw[field], "must be a string holding a port 1..65535")
                else:
                    entry.ports[field] = port
        if "hardware_type" in raw:
            if group != 2:
                _err(errors, _key(path, "hardware_type"), raw["hardware_type"],
                     "only server entries (group 2) carry hardware_type")
            elif raw["hardware_type"] not in HETEROGENEOUS_TYPES:
                _err(errors, _key(path, "hardware_type"), raw["hardware_type"],
                     "must be one of %s (P on 32G, D on 64G)" % ", ".join(HETEROGENEOUS_TYPES))
            entry.hardware_type = raw["hardware_type"]
    return entry


def _parse_table(doc, fmt, errors, path="", source=None):
    table = _Table(fmt, path)
    if not isinstance(doc, dict):
        _err(errors, path or "ranktable", doc if not isinstance(doc, (list, str)) else type(doc).__name__,
             "must be a JSON object")
        return table
    table.version = doc.get("version")
    if table.version not in VERSIONS:
        _err(errors, _key(path, "version"), table.version, "must be one of %s" % ", ".join(VERSIONS))
    table.status = doc.get("status")
    if table.status not in STATUSES:
        _err(errors, _key(path, "status"), table.status, "must be one of %s" % ", ".join(STATUSES))
    gl_path = _key(path, "server_group_list")
    groups = doc.get("server_group_list")
    if not isinstance(groups, list) or len(groups) != 3:
        _err(errors, gl_path, groups if not isinstance(groups, list) else len(groups),
             "must be a list of exactly 3 groups (group_id 0, 1, 2)")
        groups = groups if isinstance(groups, list) else []
    seen = {}
    for i, group in enumerate(groups):
        gpath = "%s[%d]" % (gl_path, i)
        if not isinstance(group, dict):
            _err(errors, gpath, group, "must be an object")
            continue
        gid = group.get("group_id")
        if gid not in GROUP_IDS:
            _err(errors, gpath + ".group_id", gid, "must be one of \"0\", \"1\", \"2\"")
            continue
        if gid in seen:
            _err(errors, gpath + ".group_id", gid, "appears twice (also %s)" % seen[gid])
            continue
        seen[gid] = gpath
        g = int(gid)
        if fmt == ASCENDCLOUD and str(i) != gid:
            _err(errors, gpath + ".group_id", gid,
                 "must be \"%d\": groups are ordered 0 scheduler, 1 prefill, 2 decode" % i)
        table.group_paths[g] = gpath
        servers = group.get("server_list")
        if not isinstance(servers, list):
            _err(errors, gpath + ".server_list", servers, "must be a list")
            servers = []
        count = group.get("server_count")
        if _check_uint_str(errors, gpath + ".server_count", count) and int(count) != len(servers):
            _err(errors, gpath + ".server_count", count,
                 "must equal the length of server_list (%d)" % len(servers))
        for j, raw in enumerate(servers):
            entry = _parse_entry(errors, "%s.server_list[%d]" % (gpath, j), raw, fmt, g, source)
            if entry is not None:
                table.groups[g].append(entry)
        if "super_pod_list" in group:
            spath = gpath + ".super_pod_list"
            if fmt != MINDIE_MOTOR or g != 2:
                _err(errors, spath, "super_pod_list", "only group 2 of a mindie_motor ranktable has super_pod_list")
                continue
            table.super_pods_path = spath
            table.super_pods = []
            pods = group["super_pod_list"]
            if not isinstance(pods, list):
                _err(errors, spath, pods, "must be a list")
                pods = []
            for k, pod in enumerate(pods):
                ppath = "%s[%d]" % (spath, k)
                if not isinstance(pod, dict):
                    _err(errors, ppath, pod, "must be an object")
                    continue
                _check_uint_str(errors, ppath + ".super_pod_id", pod.get("super_pod_id"))
                members = pod.get("server_list")
                ids = []
                if not isinstance(members, list):
                    _err(errors, ppath + ".server_list", members, "must be a list")
                    members = []
                for m, member in enumerate(members):
                    mid = member.get("server_id") if isinstance(member, dict) else None
                    if _check_ip(errors, "%s.server_list[%d].server_id" % (ppath, m), mid):
                        ids.append(mid)
                table.super_pods.append((pod.get("super_pod_id"), ids, ppath))
    return table
