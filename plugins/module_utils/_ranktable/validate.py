# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The rules of the two ranktable formats, on the parsed model; the public validators.

Private to pdserve.cluster (not a public API). Stdlib only: modules run this on managed hosts.
"""

from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import HW_A3
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.common import (
    ASCENDCLOUD,
    FORMATS,
    MAX_SERVERS,
    MINDIE_MOTOR,
    ROLE_NAMES,
    STATUSES,
    VERSIONS,
    _UINT,
    _err,
    _key,
    _show,
    ascendcloud_local_name,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.model import (
    _device_groups,
    _parse_entry,
    _parse_table,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.read import (
    instances,
)


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
    a3 = hardware_type == HW_A3 or (hardware_type is None and (has_sdid or table.super_pods is not None))
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
