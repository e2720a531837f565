# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Build ranktables from inputs (server records, device lists, device IPs).

Private to pdserve.cluster (not a public API). Stdlib only: modules run this on managed hosts.
"""

from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import HW_A2, HW_A3
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.common import (
    ASCENDCLOUD,
    HARDWARE_TYPES,
    HETEROGENEOUS_TYPES,
    MAX_DEVICES,
    MINDIE_MOTOR,
    PORT_FIELDS,
    ROLE_NAMES,
    RanktableError,
    STATUSES,
    _as_uint,
    _check_ip,
    _check_uint_str,
    _err,
    _key,
    _show,
    ascendcloud_global_name,
    ascendcloud_host_name,
    ascendcloud_local_name,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.model import (
    _Device,
    _Entry,
    _Table,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.validate import (
    _check_table,
)


# --------------------------------------------------------------------------- inputs -> model

def device_info(value, path, errors):
    """{device id str: {"ip": str, "super_device_id": str|None, "path": str}} from the forms
    ``{"0": "29.1.1.1"}``, ``{"0": {"ip": ...}}``, npu_facts ``{"devices": [{"id", "ip"}]}``
    or a list of such device dicts."""
    out = {}
    if isinstance(value, dict) and "devices" in value:
        path = _key(path, "devices")
        value = value["devices"]
    if isinstance(value, list):
        for i, item in enumerate(value):
            p = "%s[%d]" % (path, i)
            if not isinstance(item, dict):
                _err(errors, p, item, "must be a device object with id and ip")
                continue
            did = _as_uint(item.get("id", item.get("device_id")))
            if did is None:
                _err(errors, p + ".id", item.get("id"), "must be a non-negative integer")
                continue
            out[str(did)] = {"ip": item.get("ip", item.get("device_ip")),
                             "super_device_id": item.get("super_device_id"), "path": p + ".ip"}
        return out
    if not isinstance(value, dict):
        _err(errors, path, value, "must map device ids to IPs or be npu_facts output")
        return out
    for k, v in value.items():
        did = _as_uint(k)
        p = "%s[%s]" % (path, _show(str(k)))
        if did is None:
            _err(errors, p, k, "key must be a device id (non-negative integer)")
            continue
        if isinstance(v, dict):
            out[str(did)] = {"ip": v.get("ip", v.get("device_ip")), "super_device_id": v.get("super_device_id"),
                             "path": p + ".ip"}
        else:
            out[str(did)] = {"ip": v, "super_device_id": None, "path": p}
    return out


def _looks_single_host(value):
    if isinstance(value, list):
        return True
    if not isinstance(value, dict):
        return False
    return "devices" in value or (bool(value) and all(_as_uint(k) is not None for k in value))


def normalize_device_ips(value, errors, path="device_ips"):
    """{host: {device id str: info}} from ``device_ips`` keyed by host IP."""
    hosts = {}
    if value is None:
        return hosts
    if not isinstance(value, dict):
        _err(errors, path, value, "must be a mapping of host IP to that host's device IPs")
        return hosts
    for host, devs in value.items():
        hosts[str(host)] = device_info(devs, "%s[%s]" % (path, _show(str(host))), errors)
    return hosts


def _id_list(value, path, errors):
    """[int] from [4, 5], ["4", "5"] or "4,5"."""
    if isinstance(value, str):
        value = [v for v in value.replace(" ", "").split(",") if v != ""] if value.strip() else []
    if not isinstance(value, list) or not value:
        _err(errors, path, value, "must be a non-empty list of device ids (or a string like \"0,1\")")
        return []
    ids = []
    for i, v in enumerate(value):
        n = _as_uint(v)
        if n is None:
            _err(errors, "%s[%d]" % (path, i), v, "must be a non-negative integer device id")
        else:
            ids.append(n)
    if len(ids) > MAX_DEVICES:
        _err(errors, path, len(ids), "must hold at most %d devices" % MAX_DEVICES)
    return ids


def _resolve_devices(ids, ids_path, host, host_map, record_ips, record_sdids, errors, rank_start,
                     need_sdid, record_path):
    devices = []
    for j, did in enumerate(ids):
        key = str(did)
        pid = "%s[%d]" % (ids_path, j)
        ip = sdid = None
        ip_path = None
        if record_ips is not None and key in record_ips:
            info = record_ips[key]
            ip, sdid, ip_path = info["ip"], info.get("super_device_id"), info["path"]
        elif key in host_map:
            info = host_map[key]
            ip, sdid, ip_path = info["ip"], info.get("super_device_id"), info["path"]
        if ip_path is None:
            _err(errors, pid, did, "device has no IP: give it in device_ips[%s] or in the record's device_ips"
                 % _show(host))
            ip_path = pid
        elif not _check_ip(errors, ip_path, ip):
            pass
        if not need_sdid:
            sdid = None   # a host fact (npu_facts of an A3 node) that an A2 table does not carry
        if record_sdids is not None and key in record_sdids:
            sdid = record_sdids[key]["ip"]
            if not need_sdid:
                _err(errors, "%s.super_device_ids" % record_path, sdid, "only 800I_A3 ranktables carry super_device_id")
                sdid = None
        if sdid is not None:
            sdid = str(sdid)
            _check_uint_str(errors, pid + " (super_device_id)", sdid)
        elif need_sdid:
            _err(errors, pid, did, "800I_A3 needs a super_device_id for every device (record super_device_ids "
                 "or device_ips[host][id].super_device_id)")
        rank = str(rank_start + j)
        devices.append(_Device(key, ip, pid, ip_path, rank, rank, sdid))
    return devices


def _group_of(value, fmt, path, errors):
    roles = ROLE_NAMES[fmt]
    if value is None:
        return 2
    if value in roles:
        return roles.index(value)
    n = _as_uint(value)
    if n is not None and n <= 2:
        return n
    _err(errors, path, value, "must be one of %s or 0, 1, 2" % ", ".join(roles))
    return None


def _entry_doc(e, fmt):
    out = {"server_id": e.server_id, "server_ip": e.server_ip}
    if e.devices is None:
        return out
    if fmt == MINDIE_MOTOR:
        for field in PORT_FIELDS:
            if field in e.ports:
                out[field] = str(e.ports[field])
    devs = []
    for d in e.devices:
        item = {"device_id": d.device_id, "device_ip": d.device_ip}
        if d.super_device_id is not None:
            item["super_device_id"] = d.super_device_id
        item["rank_id"] = d.rank_id
        if fmt == MINDIE_MOTOR:
            item["device_logical_id"] = d.logical_id
        devs.append(item)
    out["device"] = devs
    if e.hardware_type is not None:
        out["hardware_type"] = e.hardware_type
    return out


def _group_doc(gid, entries, fmt):
    return {"group_id": str(gid), "server_count": str(len(entries)),
            "server_list": [_entry_doc(e, fmt) for e in entries]}


# --------------------------------------------------------------------------- public: build

def build_mindie_motor(servers, hardware_type=HW_A2, status="completed", device_ips=None,
                       version="1.0", equal_devices=True, partial=False):
    """The MindIE Motor global ranktable from plain server records.

    A record (one dict per pod, or per server process when several share a pod):

    * ``server_id``: host IP; ``container_ip`` (alias ``server_ip``): pod IP, default server_id
    * ``group``: ``coordinator`` | ``controller`` | ``server`` (default) or 0 / 1 / 2
    * ``device_ids``: the NPU ids allocated to the pod (servers only), list or ``"0,1"``
    * ``device_ips``: that host's ``{id: ip}`` (else looked up in ``device_ips[server_id]``)
    * ``super_device_ids``: ``{id: sdid}`` (A3), ``super_pod_id`` (A3, default ``"0"``)
    * ``hardware_type``: ``800I A2(32G)`` / ``800I A2(64G)`` (heterogeneous P/D)
    * ``predict_port``, ``mgmt_port``, ``metric_port``, ``inter_comm_port``: optional

    rank_id and device_logical_id count from 0 inside each pod. Raises RanktableError listing
    every problem of the input, named by its path (``servers[3].device_ids[1]``).
    """
    fmt = MINDIE_MOTOR
    errors = []
    if hardware_type not in HARDWARE_TYPES:
        _err(errors, "hardware_type", hardware_type, "must be one of %s" % ", ".join(HARDWARE_TYPES))
    if status not in STATUSES:
        _err(errors, "status", status, "must be one of %s" % ", ".join(STATUSES))
    a3 = hardware_type == HW_A3
    hosts = normalize_device_ips(device_ips, errors)
    if not isinstance(servers, list):
        _err(errors, "servers", servers, "must be a list of server records")
        servers = []
    table = _Table(fmt)
    table.version, table.status = version, status
    table.group_paths = {0: "servers", 1: "servers", 2: "servers"}
    next_rank = {}
    for i, rec in enumerate(servers):
        path = "servers[%d]" % i
        if not isinstance(rec, dict):
            _err(errors, path, rec, "must be an object")
            continue
        group = _group_of(rec.get("group"), fmt, path + ".group", errors)
        sid = rec.get("server_id")
        _check_ip(errors, path + ".server_id", sid)
        cip = rec.get("container_ip", rec.get("server_ip")) or sid
        if cip is not sid:
            _check_ip(errors, path + ".container_ip", cip)
        if group is None:
            continue
        entry = _Entry(group, sid, cip, path)
        if group == 2:
            ids = _id_list(rec.get("device_ids"), path + ".device_ids", errors)
            rec_ips = None
            if rec.get("device_ips") is not None:
                if isinstance(rec["device_ips"], list) and all(isinstance(v, str) for v in rec["device_ips"]):
                    if len(rec["device_ips"]) != len(ids):
                        _err(errors, path + ".device_ips", len(rec["device_ips"]),
                             "must hold one IP per device id (%d)" % len(ids))
                    rec_ips = {str(d): {"ip": ip, "path": "%s.device_ips[%d]" % (path, j)}
                               for j, (d, ip) in enumerate(zip(ids, rec["device_ips"]))}
                else:
                    rec_ips = device_info(rec["device_ips"], path + ".device_ips", errors)
            rec_sdids = None
            if rec.get("super_device_ids") is not None:
                raw = rec["super_device_ids"]
                if isinstance(raw, list):
                    raw = dict(zip((str(d) for d in ids), raw))
                rec_sdids = device_info(raw, path + ".super_device_ids", errors)
            start = next_rank.get(cip, 0)
            entry.devices = _resolve_devices(ids, path + ".device_ids", sid, hosts.get(str(sid), {}), rec_ips,
                                             rec_sdids, errors, start, a3, path)
            next_rank[cip] = start + len(ids)
            ht = rec.get("hardware_type")
            if ht is not None and ht not in HETEROGENEOUS_TYPES:
                _err(errors, path + ".hardware_type", ht, "must be one of %s (P on 32G, D on 64G)"
                     % ", ".join(HETEROGENEOUS_TYPES))
            entry.hardware_type = ht
            for field in PORT_FIELDS:
                if rec.get(field) is not None:
                    port = _as_uint(rec[field])
                    if port is None or not 1 <= port <= 65535:
                        _err(errors, "%s.%s" % (path, field), rec[field], "must be a port 1..65535")
                    else:
                        entry.ports[field] = port
            if a3:
                pod = rec.get("super_pod_id", "0")
                if _as_uint(pod) is None:
                    _err(errors, path + ".super_pod_id", pod, "must be a non-negative integer")
                entry.super_pod_id = str(_as_uint(pod)) if _as_uint(pod) is not None else str(pod)
        else:
            for field in ("device_ids", "hardware_type", "super_pod_id"):
                if rec.get(field) not in (None, [], ""):
                    _err(errors, "%s.%s" % (path, field), rec[field],
                         "only server records (group 2) take %s" % field)
        table.groups[group].append(entry)
    if a3:
        pods = {}
        pod_of = {}
        for e in table.groups[2]:
            if pod_of.setdefault(e.server_id, (e.super_pod_id, e.path))[0] != e.super_pod_id:
                _err(errors, e.path + ".super_pod_id", e.super_pod_id,
                     "host %s is already in super pod %s (%s)" % (e.server_id, pod_of[e.server_id][0],
                                                                  pod_of[e.server_id][1]))
                continue
            members = pods.setdefault(e.super_pod_id, [])
            if e.server_id not in members:
                members.append(e.server_id)
        table.super_pods = [(pid, ids, "servers[*].super_pod_id") for pid, ids in pods.items()]
        table.super_pods_path = "servers[*].super_pod_id"
    _check_table(table, errors, hardware_type, partial, equal_devices)
    if errors:
        raise RanktableError(errors)
    group2 = _group_doc(2, table.groups[2], fmt)
    if a3:
        group2["super_pod_list"] = [{"super_pod_id": pid, "server_list": [{"server_id": s} for s in ids]}
                                    for pid, ids, _p in table.super_pods]
    # Group order as MindIE's own generator writes it (document samples): 2, 1, 0.
    return {"version": version,
            "server_group_list": [group2, _group_doc(1, table.groups[1], fmt), _group_doc(0, table.groups[0], fmt)],
            "status": status}


def build_ascendcloud(host_ip, prefill_instances=None, decode_instances=None, api_server=False,
                      device_ips=None, status="completed", version="1.0", equal_devices=True):
    """One host's AscendCloud tables, as ``pd_ranktable_tools.py --mode gen`` writes them.

    ``prefill_instances`` / ``decode_instances``: device groups, e.g. ``["0,1", "2,3"]`` or
    ``[[0, 1], [2, 3]]``. ``device_ips``: ``{host_ip: {id: ip}}`` or that host's map / npu_facts
    directly. Returns ``{file name: document}``: the global table first, then one local table per
    instance (prefill then decode), then the host table when ``api_server``.
    """
    fmt = ASCENDCLOUD
    errors = []
    _check_ip(errors, "host_ip", host_ip, allow_localhost=True)
    if status not in STATUSES:
        _err(errors, "status", status, "must be one of %s" % ", ".join(STATUSES))
    if device_ips is not None and not (isinstance(device_ips, dict) and host_ip in device_ips) \
            and _looks_single_host(device_ips):
        host_map = device_info(device_ips, "device_ips", errors)
    else:
        host_map = normalize_device_ips(device_ips, errors).get(str(host_ip), {})
    table = _Table(fmt)
    table.version, table.status = version, status
    if api_server:
        table.groups[0].append(_Entry(0, host_ip, host_ip, "api_server"))
    for g, name, raw in ((1, "prefill_instances", prefill_instances), (2, "decode_instances", decode_instances)):
        table.group_paths[g] = name
        if raw is None:
            raw = []
        if isinstance(raw, str):
            raw = raw.split()
        if not isinstance(raw, list):
            _err(errors, name, raw, "must be a list of device groups such as [\"0,1\", \"2,3\"]")
            continue
        for i, grp in enumerate(raw):
            path = "%s[%d]" % (name, i)
            ids = _id_list(grp, path, errors)
            devices = _resolve_devices(ids, path, host_ip, host_map, None, None, errors, 0, False, path)
            table.groups[g].append(_Entry(g, host_ip, host_ip, path, devices))
    if not (table.groups[1] or table.groups[2] or api_server):
        _err(errors, "prefill_instances", [], "give at least one prefill or decode instance, or api_server")
    _check_table(table, errors, None, True, equal_devices)
    if errors:
        raise RanktableError(errors)
    files = {}
    files[ascendcloud_global_name(host_ip)] = {
        "version": version, "status": status,
        "server_group_list": [_group_doc(g, table.groups[g], fmt) for g in (0, 1, 2)]}
    for g in (1, 2):
        for e in table.groups[g]:
            files[ascendcloud_local_name(host_ip, [d.device_id for d in e.devices])] = _local_doc(e, version, status)
    if api_server:
        files[ascendcloud_host_name(host_ip)] = _local_doc(table.groups[0][0], version, status)
    return files


def _local_doc(entry, version, status):
    return {"version": version, "status": status, "group_id": "0", "server_count": "1",
            "server_list": [_entry_doc(entry, ASCENDCLOUD)]}
