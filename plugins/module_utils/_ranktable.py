# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Global / local HCCL ranktables of the two PD disaggregation stacks: build, merge, validate.

Private to pdserve.cluster (not a public API). Stdlib only: modules run this on managed hosts.

Formats (see docs/ranktable.md for the sources):

* ``mindie_motor``: the MindIE Motor global ranktable (``global_ranktable.json``). Groups
  ``"0"`` coordinator, ``"1"`` controller, ``"2"`` servers; A3 adds ``super_device_id`` on
  every device and ``super_pod_list`` in group 2; heterogeneous P/D adds ``hardware_type`` to
  every server; ``status`` is ``initializing`` or ``completed``.
* ``ascendcloud``: the AscendCloud ``pd_ranktable_tools.py`` files. A global table with exactly
  three groups in the order ``"0"`` scheduler (API entry), ``"1"`` prefill instances, ``"2"``
  decode instances (one server entry per instance, ``rank_id`` restarting at 0), one local table
  per instance (``group_id`` "0", the instance's entry) and a host table for the API entry.

Every check adds a message ``<json path>: <rule> (got <value>)`` to a list; callers get all of
them at once (``RanktableError.errors``), never only the first.
"""

from __future__ import annotations

import ipaddress
import json
import re

MINDIE_MOTOR = "mindie_motor"
ASCENDCLOUD = "ascendcloud"
FORMATS = (MINDIE_MOTOR, ASCENDCLOUD)
HARDWARE_TYPES = ("800I_A2", "800I_A3")
STATUSES = ("initializing", "completed")
VERSIONS = ("1.0", "1.2")
# Values of a server's ``hardware_type`` in a heterogeneous MindIE Motor deployment (P, D).
HETEROGENEOUS_TYPES = ("800I A2(32G)", "800I A2(64G)")
MAX_SERVERS = 96
MAX_DEVICES = 128
PORT_FIELDS = ("predict_port", "mgmt_port", "metric_port", "inter_comm_port")
GROUP_IDS = ("0", "1", "2")
ROLE_NAMES = {
    MINDIE_MOTOR: ("coordinator", "controller", "server"),
    ASCENDCLOUD: ("scheduler", "prefill", "decode"),
}
MINDIE_MOTOR_FILE = "global_ranktable.json"
ASCENDCLOUD_MERGE_FILE = "global_ranktable_merge.json"

_UINT = re.compile(r"(?:0|[1-9][0-9]*)\Z")
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                   r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\Z")


class RanktableError(ValueError):
    """Bad input or a ranktable that breaks a rule; ``errors`` holds every message."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


# --------------------------------------------------------------------------- file names

def ascendcloud_global_name(host):
    return "global_ranktable_%s.json" % host


def ascendcloud_local_name(host, device_ids):
    # The document's example: devices 4,5 on 10.x.x.18 -> local_ranktable_10.x.x.18_45.json
    return "local_ranktable_%s_%s.json" % (host, "".join(str(d) for d in device_ids))


def ascendcloud_host_name(host):
    return "local_ranktable_%s_host.json" % host


# --------------------------------------------------------------------------- small helpers

def _show(value):
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _err(errors, path, value, rule):
    errors.append("%s: %s (got %s)" % (path, rule, _show(value)))


def _key(path, key):
    return "%s.%s" % (path, key) if path else key


def is_ip(value):
    """True for a well-formed IPv4 or IPv6 address given as a string."""
    if not isinstance(value, str):
        return False
    if _IPV4.match(value):
        return True
    if ":" in value:
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return False
        return True
    return False


def _check_ip(errors, path, value, allow_localhost=False):
    if is_ip(value) or (allow_localhost and value == "localhost"):
        return True
    rule = "must be a well-formed IPv4 or IPv6 address"
    if allow_localhost:
        rule += " or 'localhost'"
    _err(errors, path, value, rule)
    return False


def _check_uint_str(errors, path, value, what="a string holding a non-negative integer"):
    if isinstance(value, str) and _UINT.match(value):
        return True
    _err(errors, path, value, "must be %s" % what)
    return False


def _as_uint(value):
    """int for 3 / "3"; None for anything else (bool, negative, "03", "a")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and _UINT.match(value.strip()):
        return int(value.strip())
    return None


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


# --------------------------------------------------------------------------- rules on the model

def _check_table(table, errors, hardware_type=None, partial=False, equal_devices=True):
    fmt = table.fmt
    roles = ROLE_NAMES[fmt]
    completed = table.status == "completed"
    # Group sizes.
    if fmt == MINDIE_MOTOR:
        for g in (0, 1):
            n = len(table.groups[g])
            if n > 1:
                _err(errors, table.group_paths[g] + ".server_list", n,
                     "must hold at most one %s" % roles[g])
            elif n == 0 and completed and not partial:
                _err(errors, table.group_paths[g] + ".server_list", n,
                     "must hold exactly one %s when status is completed" % roles[g])
        n = len(table.groups[2])
        if n > MAX_SERVERS:
            _err(errors, table.group_paths[2] + ".server_list", n, "must hold at most %d servers" % MAX_SERVERS)
        elif n == 0 and completed and not partial:
            _err(errors, table.group_paths[2] + ".server_list", n,
                 "must hold at least one server when status is completed")
    else:
        n = len(table.groups[0])
        if n > 1:
            _err(errors, table.group_paths[0] + ".server_list", n,
                 "must hold at most one scheduler / API entry")
        elif n == 0 and not partial:
            _err(errors, table.group_paths[0] + ".server_list", n,
                 "must hold exactly one scheduler / API entry (give api_server to one host only)")
        for g in (1, 2):
            if not table.groups[g] and not partial:
                _err(errors, table.group_paths[g] + ".server_list", 0,
                     "must hold at least one %s instance" % roles[g])

    device_entries = [e for g in _device_groups(fmt) for e in table.groups[g]]
    # No device twice on a host, no device IP twice in the table.
    used = {}
    ips = {}
    for e in device_entries:
        for d in e.devices:
            k = (e.server_id, d.device_id)
            if k in used:
                _err(errors, d.path_id, d.device_id, "device is used twice on host %s (also %s)"
                     % (e.server_id, used[k]))
            else:
                used[k] = d.path_id
                if d.device_ip in ips:
                    _err(errors, d.path_ip, d.device_ip, "device IP is used twice (also %s)" % ips[d.device_ip])
                else:
                    ips[d.device_ip] = d.path_ip
    # rank_id contiguous from 0: per instance (ascendcloud), per pod = server_ip (mindie_motor,
    # where one pod may run several server processes, as in the single-machine sample).
    if fmt == ASCENDCLOUD:
        units = [(e.path + ".device[*].rank_id", e.devices) for e in device_entries]
    else:
        pods = {}
        for e in device_entries:
            pods.setdefault(e.server_ip, (e.path, []))[1].extend(e.devices)
        units = [(p + ".device[*].rank_id (pod %s)" % ip, devs) for ip, (p, devs) in pods.items()]
    for upath, devs in units:
        ranks = [d.rank_id for d in devs]
        if all(r is None for r in ranks):
            continue
        if any(r is None for r in ranks):
            _err(errors, upath, ranks, "every device of the pod needs a rank_id when one has it")
            continue
        nums = sorted(int(r) for r in ranks if isinstance(r, str) and _UINT.match(r))
        if len(nums) == len(ranks) and nums != list(range(len(ranks))):
            _err(errors, upath, ranks, "rank_id values must be 0..%d, each once" % (len(ranks) - 1))
    if fmt == MINDIE_MOTOR:
        # device_logical_id: unique inside a pod.
        seen_logical = {}
        for e in device_entries:
            for d in e.devices:
                if d.logical_id is None:
                    continue
                k = (e.server_ip, d.logical_id)
                if k in seen_logical:
                    _err(errors, d.path_id.rsplit(".", 1)[0] + ".device_logical_id", d.logical_id,
                         "device_logical_id is used twice in pod %s (also %s)" % (e.server_ip, seen_logical[k]))
                else:
                    seen_logical[k] = d.path_id.rsplit(".", 1)[0]
        # Ports of the server processes in one pod must differ.
        ports = {}
        for e in device_entries:
            for field, port in e.ports.items():
                k = (e.server_ip, port)
                if k in ports:
                    _err(errors, _key(e.path, field), str(port), "port is used twice in pod %s (also %s)"
                         % (e.server_ip, ports[k]))
                else:
                    ports[k] = _key(e.path, field)
        # Heterogeneous: all servers or none carry hardware_type.
        typed = [e for e in device_entries if e.hardware_type is not None]
        if typed and len(typed) != len(device_entries):
            for e in device_entries:
                if e.hardware_type is None:
                    _err(errors, _key(e.path, "hardware_type"), None,
                         "is required on every server when one has it (heterogeneous P/D)")
        _check_a3(table, device_entries, errors, hardware_type)
    # Equal NPU counts per instance (both documents: P and D use the same number of cards).
    if equal_devices and device_entries:
        ref = device_entries[0]
        for e in device_entries[1:]:
            if len(e.devices) != len(ref.devices):
                _err(errors, _key(e.path, "device"), len(e.devices),
                     "must hold %d devices like %s: P and D instances use the same number of NPUs"
                     % (len(ref.devices), ref.path))


def _check_a3(table, device_entries, errors, hardware_type):
    has_sdid = any(d.super_device_id is not None for e in device_entries for d in e.devices)
    a3 = hardware_type == "800I_A3" or (hardware_type is None and (has_sdid or table.super_pods is not None))
    if not a3:
        if has_sdid or table.super_pods is not None:
            for e in device_entries:
                for d in e.devices:
                    if d.super_device_id is not None:
                        _err(errors, d.path_id.rsplit(".", 1)[0] + ".super_device_id", d.super_device_id,
                             "only 800I_A3 ranktables carry super_device_id")
            if table.super_pods is not None:
                _err(errors, table.super_pods_path, "super_pod_list", "only 800I_A3 ranktables carry super_pod_list")
        return
    for e in device_entries:
        for d in e.devices:
            if d.super_device_id is None:
                _err(errors, d.path_id.rsplit(".", 1)[0] + ".super_device_id", None,
                     "is required on every device of an 800I_A3 ranktable")
    if table.super_pods is None:
        if device_entries:
            _err(errors, table.group_paths[2] + ".super_pod_list", None,
                 "is required in group 2 of an 800I_A3 ranktable")
        return
    hosts = {}
    for e in device_entries:
        hosts.setdefault(e.server_id, e)
    member_of = {}
    pod_ids = {}
    for pod_id, ids, ppath in table.super_pods:
        if pod_id in pod_ids:
            _err(errors, ppath + ".super_pod_id", pod_id, "super_pod_id is used twice (also %s)" % pod_ids[pod_id])
        pod_ids.setdefault(pod_id, ppath)
        for m, sid in enumerate(ids):
            if sid in member_of:
                _err(errors, "%s.server_list[%d].server_id" % (ppath, m), sid,
                     "host is listed in two super pods (also %s)" % member_of[sid][1])
                continue
            member_of[sid] = (pod_id, ppath)
            if sid not in hosts:
                _err(errors, "%s.server_list[%d].server_id" % (ppath, m), sid, "is not a server_id of group 2")
    sdids = {}
    for sid, e in hosts.items():
        if sid not in member_of:
            _err(errors, _key(e.path, "server_id"), sid, "host is in no super pod of super_pod_list")
    for e in device_entries:
        pod = member_of.get(e.server_id, (None,))[0]
        for d in e.devices:
            if d.super_device_id is None:
                continue
            k = (pod, d.super_device_id)
            if k in sdids:
                _err(errors, d.path_id.rsplit(".", 1)[0] + ".super_device_id", d.super_device_id,
                     "super_device_id is used twice in super pod %s (also %s)" % (pod, sdids[k]))
            else:
                sdids[k] = d.path_id.rsplit(".", 1)[0]


# --------------------------------------------------------------------------- public: validate

def validate(doc, fmt, hardware_type=None, partial=False, equal_devices=True, path=""):
    """Every rule broken by a global ranktable, as a list of messages (empty: valid).

    ``hardware_type`` None infers A3 from ``super_device_id`` / ``super_pod_list``.
    ``partial``: the document is one host's part (ascendcloud gen without the API entry) or an
    input of a merge: singletons (scheduler, coordinator, controller) and instance presence are
    not required.
    """
    if fmt not in FORMATS:
        return ["format: must be one of %s (got %s)" % (", ".join(FORMATS), _show(fmt))]
    errors = []
    table = _parse_table(doc, fmt, errors, path)
    _check_table(table, errors, hardware_type, partial, equal_devices)
    return errors


def validate_local(doc, path=""):
    """Rules of an AscendCloud local (instance or host) ranktable."""
    errors = []
    if not isinstance(doc, dict):
        _err(errors, path or "ranktable", type(doc).__name__, "must be a JSON object")
        return errors
    if doc.get("version") not in VERSIONS:
        _err(errors, _key(path, "version"), doc.get("version"), "must be one of %s" % ", ".join(VERSIONS))
    if doc.get("status") not in STATUSES:
        _err(errors, _key(path, "status"), doc.get("status"), "must be one of %s" % ", ".join(STATUSES))
    if doc.get("group_id") != "0":
        _err(errors, _key(path, "group_id"), doc.get("group_id"), "must be \"0\" in a local ranktable")
    servers = doc.get("server_list")
    if not isinstance(servers, list) or len(servers) != 1:
        _err(errors, _key(path, "server_list"), servers if not isinstance(servers, list) else len(servers),
             "must be a list of exactly one server")
        return errors
    if doc.get("server_count") != "1":
        _err(errors, _key(path, "server_count"), doc.get("server_count"), "must be \"1\"")
    raw = servers[0]
    group = 1 if isinstance(raw, dict) and "device" in raw else 0
    entry = _parse_entry(errors, _key(path, "server_list[0]"), raw, ASCENDCLOUD, group)
    if entry is not None and entry.devices:
        ranks = [d.rank_id for d in entry.devices]
        if all(isinstance(r, str) and _UINT.match(r) for r in ranks) and \
                sorted(int(r) for r in ranks) != list(range(len(ranks))):
            _err(errors, _key(path, "server_list[0].device[*].rank_id"), ranks,
                 "rank_id values must be 0..%d, each once" % (len(ranks) - 1))
    return errors


def validate_ascendcloud_files(files, partial=False, equal_devices=True):
    """Check a folder's worth of AscendCloud tables ``{file name: document}`` together.

    Each ``global_ranktable_*.json`` is validated; each ``local_ranktable_<ip>_<ids>.json`` must
    be well formed and equal, one to one, an instance of that host in the global table; the
    ``_host`` table must name the global's scheduler entry.
    """
    errors = []
    globals_ = sorted(n for n in files if n.startswith("global_ranktable"))
    if len(globals_) != 1:
        _err(errors, "files", globals_, "must hold exactly one global_ranktable_*.json")
        return errors
    gname = globals_[0]
    gdoc = files[gname]
    errors.extend(validate(gdoc, ASCENDCLOUD, partial=partial, equal_devices=equal_devices, path=gname))
    if errors:
        return errors
    by_name = {}
    for g, role in ((1, "prefill"), (2, "decode")):
        for raw in gdoc["server_group_list"][g]["server_list"]:
            name = ascendcloud_local_name(raw["server_ip"], [d["device_id"] for d in raw["device"]])
            by_name[name] = raw
    sched = gdoc["server_group_list"][0]["server_list"]
    for name in sorted(files):
        if not name.startswith("local_ranktable"):
            continue
        doc = files[name]
        local_errors = validate_local(doc, name)
        errors.extend(local_errors)
        if local_errors:
            continue
        if name.endswith("_host.json"):
            if not sched or sched[0].get("server_ip") != doc["server_list"][0].get("server_ip"):
                _err(errors, name + ".server_list[0]", doc["server_list"][0],
                     "must be the scheduler / API entry of %s" % gname)
        elif by_name.get(name) != doc["server_list"][0]:
            _err(errors, name + ".server_list[0]", doc["server_list"][0],
                 "must equal the instance of %s it is named after (local and global tables "
                 "correspond one to one)" % gname)
    return errors


# --------------------------------------------------------------------------- inputs -> model

def _device_info(value, path, errors):
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
        hosts[str(host)] = _device_info(devs, "%s[%s]" % (path, _show(str(host))), errors)
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

def build_mindie_motor(servers, hardware_type="800I_A2", status="completed", device_ips=None,
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
    a3 = hardware_type == "800I_A3"
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
                    rec_ips = _device_info(rec["device_ips"], path + ".device_ips", errors)
            rec_sdids = None
            if rec.get("super_device_ids") is not None:
                raw = rec["super_device_ids"]
                if isinstance(raw, list):
                    raw = dict(zip((str(d) for d in ids), raw))
                rec_sdids = _device_info(raw, path + ".super_device_ids", errors)
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
        host_map = _device_info(device_ips, "device_ips", errors)
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


# --------------------------------------------------------------------------- public: read

def instances(doc, fmt):
    """The instances of a valid global table in document order (the NODE_PORTS order)."""
    out = []
    groups = {int(g["group_id"]): g for g in doc["server_group_list"]}
    roles = ROLE_NAMES[fmt]
    for g in (0, 1, 2):
        for i, raw in enumerate(groups[g]["server_list"]):
            item = {"role": roles[g], "group_id": str(g), "index": i, "server_id": raw.get("server_id", raw.get("server_ip")),
                    "server_ip": raw.get("server_ip")}
            if "device" in raw:
                item["device_ids"] = [d["device_id"] for d in raw["device"]]
                item["device_ips"] = [d["device_ip"] for d in raw["device"]]
                if fmt == ASCENDCLOUD:
                    item["local_file"] = ascendcloud_local_name(raw["server_ip"], item["device_ids"])
            elif fmt == ASCENDCLOUD and g == 0:
                item["local_file"] = ascendcloud_host_name(raw["server_ip"])
            out.append(item)
    return out


def dumps(doc):
    """The text written to disk: 4-space indent like the documents, UTF-8, final newline."""
    return json.dumps(doc, indent=4, ensure_ascii=False) + "\n"


def loads(text, name="ranktable"):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise RanktableError(["%s: is not valid JSON (%s)" % (name, exc)])


def load(path):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read()
    except (IOError, OSError) as exc:
        raise RanktableError(["%s: cannot be read (%s)" % (path, exc.strerror or exc)])
    return loads(text, path)
