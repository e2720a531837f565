# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The inputs of the bare-hosts PD stack, every rule at once, and the containers they make.

Private to pdserve.cluster (not a public API). Stdlib only.

Source: the AscendCloud document "PD分离部署使用说明" (docs/pd_bare_hosts.md quotes the parts
used): ``pd_ranktable_tools.py --mode gen`` per host (``--prefill-server-list 4,5
--decode-server-list 6,7 [--api-server]``), ``--mode merge`` across hosts, one ``docker run``
per instance with only its own ``/dev/davinciN`` plus ``davinci_manager``, ``devmm_svm``,
``hisi_hdc``, the driver, ``npu-smi``, ``ascend_install.info``, ``/var/log/npu`` -> ``/usr/slog``,
the cgroup tree read-only and the work folder, host networking; ``start_servers.sh`` under
``${LLM_TOOLS_PATH}/PD_separate`` with ``GLOBAL_RANK_TABLE_FILE_PATH``,
``RANK_TABLE_FILE_PATH``, ``NODE_PORTS`` (scheduler), ``USE_OPENAI`` and ``no_proxy``.
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    MANAGED_BY,
    MANAGER,
    PD_ROLE_LABEL,
    STACK_LABEL,
    system_path_rule,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable import (
    ASCENDCLOUD_MERGE_FILE,
    ascendcloud_global_name,
    ascendcloud_host_name,
    ascendcloud_local_name,
    is_ip,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import ConfigError, is_int, port_number

#: The merged global table every container reads (``--mode merge`` writes this name).
MERGED_FILE = ASCENDCLOUD_MERGE_FILE
#: Device nodes every container of the document gets besides its own ``/dev/davinciN``.
CONTAINER_DEVICES = ("/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc")
#: The document: "容器不能挂载到/home/ma-user目录" (the base image's home of ma-user).
FORBIDDEN_MOUNT_ROOT = "/home/ma-user"
#: start_servers.sh arguments the stack sets itself (each has its own input).
RESERVED_ARGS = ("model", "tensor-parallel-size", "host", "port", "served-model-name")
#: The server listens on every address (the document's ``--host=0.0.0.0``).
LISTEN_HOST = "0.0.0.0"
START_SCRIPT = "PD_separate/start_servers.sh"
ROLES = ("prefill", "decode")
_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_ARG_RE = re.compile(r"^[a-z0-9][-a-z0-9_]*$")


def ranktable_dir(work_dir, name):
    """Where a stack's ranktables are on its hosts: ``<work_dir>/<name>/ranktable``."""
    return posixpath.join(work_dir, name, "ranktable")


class Checked:
    """``errors`` (ConfigError list) and ``derived`` (dict, empty when there are errors)."""

    def __init__(self, errors, derived):
        self.errors = errors
        self.derived = derived if not errors else {}


def _err(errors, path, value, rule):
    errors.append(ConfigError(path, value, rule))


def _device_ids(value, path, errors):
    """[int] from [4, 5], ["4", "5"] or "4,5"; None when broken (errors added)."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value:
        _err(errors, path, value, "must be a non-empty list of NPU device ids such as [4, 5] (or \"4,5\")")
        return None
    ids = []
    ok = True
    for j, item in enumerate(value):
        n = port_number(item)
        if n is None:
            _err(errors, "%s[%d]" % (path, j), item, "must be a non-negative integer NPU device id")
            ok = False
        else:
            ids.append(n)
    return ids if ok else None


def _instance(item, path, errors):
    """(ids, port or None) from ``[4, 5]``, ``"4,5"`` or ``{devices: [4, 5], port: 8088}``."""
    port = None
    if isinstance(item, dict):
        unknown = sorted(set(item) - {"devices", "port"})
        for key in unknown:
            _err(errors, "%s.%s" % (path, key), item[key], "unknown key (an instance takes devices and port)")
        if item.get("port") is not None:
            port = port_number(item["port"])
            if port is None or not 1 <= port <= 65535:
                _err(errors, path + ".port", item["port"], "must be a port 1..65535")
                port = None
        return _device_ids(item.get("devices"), path + ".devices", errors), port
    return _device_ids(item, path, errors), port


def _present_devices(npu):
    """Device ids npu_facts found on the host (set of int), or None without facts."""
    if not isinstance(npu, dict) or not isinstance(npu.get("devices"), list):
        return None
    out = set()
    for dev in npu["devices"]:
        if isinstance(dev, dict) and port_number(dev.get("id")) is not None:
            out.add(port_number(dev["id"]))
    return out


def _mount_target_rule(target):
    if not isinstance(target, str) or not target.startswith("/"):
        return "must be an absolute path in the container"
    norm = posixpath.normpath(target)
    if norm == FORBIDDEN_MOUNT_ROOT or norm.startswith(FORBIDDEN_MOUNT_ROOT + "/"):
        return ("must not be %s or below it (the document: the base image's ma-user home; a mount there makes "
                "the image unusable)" % FORBIDDEN_MOUNT_ROOT)
    return None


def _arg_flags(args, path, errors):
    """``--key=value`` flags from a dict (True -> ``--key``, False / None -> left out)."""
    flags = []
    if args is None:
        return flags
    if not isinstance(args, dict):
        _err(errors, path, args, "must be a mapping of start_servers.sh argument to value")
        return flags
    for key in sorted(args):
        value = args[key]
        name = str(key).replace("_", "-")
        p = "%s.%s" % (path, key)
        if not _ARG_RE.match(str(key)):
            _err(errors, p, key, "must be an argument name (lower case letters, digits, - and _)")
            continue
        if name in RESERVED_ARGS:
            _err(errors, p, value, "is set by the stack from its own input (model_path, tensor_parallel_size, "
                 "served_model_name, the ports); remove it here")
            continue
        if value is True:
            flags.append("--" + name)
        elif value is False or value is None:
            continue
        elif isinstance(value, (str, int, float)):
            flags.append("--%s=%s" % (name, value))
        else:
            _err(errors, p, value, "must be a string, number or boolean")
    return flags


def validate(params):
    """Check every input (all errors at once) and derive the stack; returns :class:`Checked`.

    ``params``: ``name``, ``hosts`` (list of ``{name, ip, api_entry, prefill, decode, npu}``, npu
    being that host's ``npu_facts``), ``image``, ``model_path``, ``served_model_name``,
    ``tensor_parallel_size`` (None: the device count of the instances), ``server_args``,
    ``scheduler_args``, ``tools_path``, ``work_dir``, ``container_work_dir``, ``base_port``,
    ``scheduler_port``, ``no_proxy``, ``use_openai``, ``log_dir``, ``driver_dir``, ``npu_smi``,
    ``ascend_install_info``, ``extra_volumes``.
    """
    errors = []
    name = params.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name) or len(name) > 40:
        _err(errors, "name", name, "must be a lower-case DNS label of at most 40 characters (it names the containers)")
    for key in ("image", "model_path", "served_model_name", "tools_path"):
        if not isinstance(params.get(key), str) or not params[key].strip():
            _err(errors, key, params.get(key), "must be a non-empty string")
    for key in ("model_path", "tools_path"):
        if isinstance(params.get(key), str) and not params[key].startswith("/"):
            _err(errors, key, params[key], "must be an absolute path in the container")

    # -------------------------------------------------------------- mounts
    work_dir = params.get("work_dir")
    cwork = params.get("container_work_dir") or work_dir
    if not isinstance(work_dir, str) or not work_dir.startswith("/"):
        _err(errors, "work_dir", work_dir, "must be an absolute path on the hosts")
    else:
        rule = system_path_rule(work_dir)
        if rule:
            _err(errors, "work_dir", work_dir, rule)
    rule = _mount_target_rule(cwork)
    if rule:
        _err(errors, "container_work_dir", cwork, rule)
    # The document's docker run, in its order: localtime, driver, ascend_install.info, logs,
    # npu-smi, the cgroup tree read-only, the work folder.
    host_mounts = []
    for key, target in (("driver_dir", "/usr/local/Ascend/driver"), ("ascend_install_info", "/etc/ascend_install.info"),
                        ("log_dir", "/usr/slog"), ("npu_smi", "/usr/local/sbin/npu-smi")):
        src = params.get(key)
        if not isinstance(src, str) or not src.startswith("/"):
            _err(errors, key, src, "must be an absolute path on the hosts")
        host_mounts.append("%s:%s" % (src, target))
    extra = params.get("extra_volumes") or []
    if not isinstance(extra, list):
        _err(errors, "extra_volumes", extra, "must be a list of host_path:container_path[:ro|rw]")
        extra = []
    for i, vol in enumerate(extra):
        parts = vol.split(":") if isinstance(vol, str) else []
        p = "extra_volumes[%d]" % i
        if len(parts) not in (2, 3) or not parts[0].startswith("/") or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
            _err(errors, p, vol, "must be host_path:container_path[:ro|rw] with absolute paths")
            continue
        rule = _mount_target_rule(parts[1])
        if rule:
            _err(errors, p, vol, "container path " + rule)
    common_volumes = (["/etc/localtime:/etc/localtime:ro"] + host_mounts
                      + ["/sys/fs/cgroup:/sys/fs/cgroup:ro", "%s:%s" % (work_dir, cwork)]
                      + [v for v in extra if isinstance(v, str)])

    # -------------------------------------------------------------- server arguments
    flags = _arg_flags(params.get("server_args"), "server_args", errors)
    sched_flags = _arg_flags(params.get("scheduler_args"), "scheduler_args", errors)
    tp = params.get("tensor_parallel_size")
    if tp is not None and (not is_int(tp) or tp < 1):
        _err(errors, "tensor_parallel_size", tp, "must be a positive integer")
        tp = None
    base_port = port_number(params.get("base_port"))
    if base_port is None or not 1 <= base_port <= 65535:
        _err(errors, "base_port", params.get("base_port"), "must be a port 1..65535")
        base_port = None
    sched_port = port_number(params.get("scheduler_port"))
    if sched_port is None or not 1 <= sched_port <= 65535:
        _err(errors, "scheduler_port", params.get("scheduler_port"), "must be a port 1..65535")
        sched_port = None
    no_proxy = params.get("no_proxy") or []
    if not isinstance(no_proxy, list) or not all(isinstance(x, str) and x for x in no_proxy):
        _err(errors, "no_proxy", no_proxy, "must be a list of host names or addresses")
        no_proxy = []

    # -------------------------------------------------------------- hosts and instances
    hosts = params.get("hosts")
    if not isinstance(hosts, list) or not hosts:
        _err(errors, "hosts", hosts, "must be a non-empty list of NPU hosts")
        hosts = []
    entries = []
    seen_names, seen_ips = {}, {}
    instances = []      # (host record, role, index, ids, port or None, path)
    sizes = []          # (path, count)
    for h in hosts:
        hname = h.get("name") if isinstance(h, dict) else None
        if not isinstance(hname, str) or not hname:
            _err(errors, "hosts", h, "every host needs its inventory name")
            continue
        hp = hname
        if hname in seen_names:
            _err(errors, hp, hname, "host given twice")
            continue
        seen_names[hname] = True
        ip = h.get("ip")
        if not isinstance(ip, str) or not is_ip(ip):
            _err(errors, hp + ".ip", ip, "must be the host's IPv4 address (the ranktables' server_ip)")
        elif ip in seen_ips:
            _err(errors, hp + ".ip", ip, "is also the address of %s: one address per host" % seen_ips[ip])
        else:
            seen_ips[ip] = hname
        if h.get("api_entry"):
            entries.append(hname)
        present = _present_devices(h.get("npu"))
        given = bool(h.get("prefill") or h.get("decode"))
        if present is None and given:
            _err(errors, hp + ".npu", None, "no npu_facts for this host: the devices cannot be checked")
        used = {}
        for role in ROLES:
            raw = h.get(role) or []
            rp = "%s.%s" % (hp, role)
            if not isinstance(raw, list):
                _err(errors, rp, raw, "must be a list of instances, each a device list such as [4, 5]")
                continue
            for i, item in enumerate(raw):
                ip_path = "%s[%d]" % (rp, i)
                ids, port = _instance(item, ip_path, errors)
                if ids is None:
                    continue
                for j, did in enumerate(ids):
                    dp = "%s[%d]" % (ip_path if not isinstance(item, dict) else ip_path + ".devices", j)
                    if did in used:
                        _err(errors, dp, did, "NPU %d is already given to %s: no NPU may be in two containers "
                             "(the document: a second container on an NPU cannot use it)" % (did, used[did]))
                    else:
                        used[did] = ip_path
                    if present is not None and did not in present:
                        _err(errors, dp, did, "no NPU %d on %s (npu_facts found %s)"
                             % (did, hname, ", ".join(str(d) for d in sorted(present)) or "none"))
                instances.append((h, role, i, ids, port, ip_path))
                sizes.append((ip_path, len(ids)))
    if len(entries) != 1:
        _err(errors, "api_entry", entries, "exactly one host must be the API entry (pd_bare_api_entry: true); "
             "found %d" % len(entries))
    for role in ROLES:
        if not any(inst[1] == role for inst in instances) and hosts:
            _err(errors, role, [], "give at least one %s instance on some host" % role)
    # P and D local tables correspond one to one: the same devices count, rank_id 0..n-1 in each.
    want = tp if tp is not None else (sizes[0][1] if sizes else None)
    for path, count in sizes:
        if want is not None and count != want:
            _err(errors, path, count, "holds %d NPUs but every prefill and decode instance must hold %d (%s): the P "
                 "and D local ranktables must correspond one to one" % (
                     count, want, "tensor_parallel_size" if tp is not None else "the size of %s" % sizes[0][0]))

    # -------------------------------------------------------------- ports and files per host
    ports_by_host = {}
    files_by_host = {}
    for h, role, i, ids, port, path in instances:
        if port is not None:
            ports_by_host.setdefault(h["name"], {}).setdefault(port, []).append(path + ".port")
    if sched_port is not None and len(entries) == 1:
        ports_by_host.setdefault(entries[0], {}).setdefault(sched_port, []).append("scheduler_port")
    assigned = []
    next_port = {}
    for h, role, i, ids, port, path in instances:
        taken = ports_by_host.setdefault(h["name"], {})
        if port is None and base_port is not None:
            cand = next_port.get(h["name"], base_port)
            while cand in taken:
                cand += 1
            if cand > 65535:
                _err(errors, path, None, "no free port left above base_port %d" % base_port)
            port = cand
            taken[cand] = [path + " (from base_port)"]
            next_port[h["name"]] = cand + 1
        assigned.append((h, role, i, ids, port, path))
        if isinstance(h.get("ip"), str):
            fname = ascendcloud_local_name(h["ip"], ids)
            other = files_by_host.setdefault(h["name"], {}).get(fname)
            if other:
                _err(errors, path, ids, "its local ranktable name %s is also that of %s (pd_ranktable_tools.py joins "
                     "the device ids without a separator)" % (fname, other))
            files_by_host[h["name"]][fname] = path
    for hname, taken in ports_by_host.items():
        for port, users in sorted(taken.items()):
            if len(users) > 1:
                _err(errors, "%s.ports" % hname, port, "port used by %s: ports must be unique per host (host "
                     "networking)" % ", ".join(users))
    if errors:
        return Checked(errors, {})

    # -------------------------------------------------------------- derived
    rdir = ranktable_dir(work_dir, name)
    crdir = ranktable_dir(cwork, name)
    script = posixpath.join(params["tools_path"], START_SCRIPT)
    all_ips = [h["ip"] for h in hosts]
    env_common = {
        "GLOBAL_RANK_TABLE_FILE_PATH": posixpath.join(crdir, MERGED_FILE),
        "USE_OPENAI": "1" if params.get("use_openai", True) else "0",
        "no_proxy": ",".join(["localhost", "127.0.0.1"] + all_ips + no_proxy),
    }
    tp_value = want

    def command(port, extra_flags):
        return (["sh", script, "--model=%s" % params["model_path"], "--tensor-parallel-size=%d" % tp_value]
                + flags + extra_flags + ["--host=%s" % LISTEN_HOST, "--port=%d" % port,
                                         "--served-model-name", params["served_model_name"]])

    def labels(role):
        return {STACK_LABEL: name, PD_ROLE_LABEL: role, MANAGED_BY: MANAGER}

    out_hosts = {}
    for h in hosts:
        out_hosts[h["name"]] = {
            "ip": h["ip"], "api_entry": bool(h.get("api_entry")), "prefill": [], "decode": [], "containers": [],
            "ranktable_files": [ascendcloud_global_name(h["ip"])], "ranktable_dir": rdir}
    ports = {}
    containers = []
    for h, role, i, ids, port, path in assigned:
        rec = out_hosts[h["name"]]
        rec[role].append(ids)
        local = ascendcloud_local_name(h["ip"], ids)
        rec["ranktable_files"].append(local)
        ports[local] = port
        c = {"name": "%s-%s-%s" % (name, role, "-".join(str(d) for d in ids)), "host": h["name"], "ip": h["ip"],
             "role": role, "index": i, "devices": ids, "port": port, "local_file": local,
             "device_nodes": ["/dev/davinci%d" % d for d in ids] + list(CONTAINER_DEVICES),
             "volumes": list(common_volumes),
             "env": dict(env_common, RANK_TABLE_FILE_PATH=posixpath.join(crdir, local)),
             "command": command(port, []), "labels": labels(role)}
        rec["containers"].append(c)
        containers.append(c)
    entry = entries[0]
    erec = out_hosts[entry]
    host_file = ascendcloud_host_name(erec["ip"])
    erec["ranktable_files"].append(host_file)
    sched = {"name": "%s-scheduler" % name, "host": entry, "ip": erec["ip"], "role": "scheduler", "index": 0,
             "devices": [], "port": sched_port, "local_file": host_file, "device_nodes": list(CONTAINER_DEVICES),
             "volumes": list(common_volumes),
             "env": dict(env_common, RANK_TABLE_FILE_PATH=posixpath.join(crdir, host_file)),
             "command": command(sched_port, sched_flags), "labels": labels("scheduler")}
    erec["containers"].append(sched)
    for rec in out_hosts.values():
        rec["ranktable_files"].append(MERGED_FILE)
    derived = {
        "name": name, "image": params["image"], "tensor_parallel_size": tp_value,
        "ranktable_dir": rdir, "container_ranktable_dir": crdir, "merged_file": MERGED_FILE,
        "entry_host": entry, "hosts": out_hosts, "instance_ports": ports, "containers": containers,
        "scheduler": sched, "labels": {STACK_LABEL: name, MANAGED_BY: MANAGER},
        "served_model_name": params["served_model_name"],
    }
    return Checked([], derived)
