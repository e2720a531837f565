# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Facts about a node's Ascend NPUs from ``npu-smi``, ``hccn_tool`` and ``/etc/hccn.conf``.

Private to pdserve.cluster (not a public API). Stdlib only: the npu_facts module runs this on
the node. Parsers take the tools' text; ``gather()`` takes a ``run(argv) -> (rc, out, err)``
callable so tests can replay recorded outputs.

A link that is down, an unhealthy network, an unset IP or a stale ``/etc/hccn.conf`` entry are
facts (listed in ``problems``), not failures; a tool that is missing or prints something these
parsers do not understand raises NpuToolError.
"""

from __future__ import annotations

import os
import re

NPU_SMI_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/bin")
HCCN_TOOL_DIRS = ("/usr/local/Ascend/driver/tools", "/usr/local/sbin", "/usr/bin")
HEALTHY = "Success"

_KV = re.compile(r"^\s*([^:]+?)\s*:\s*(.*?)\s*$")
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                   r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\Z")


class NpuToolError(Exception):
    """A tool is missing, failed where it must not, or printed something unparseable."""


def _excerpt(text, limit=300):
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "..."


def parse_npu_smi_list(text):
    """``npu-smi info -l`` -> ``[{"npu_id": int, "chip_count": int}, ...]``.

    The output holds ``Total Count : N`` then one block per NPU with ``NPU ID : i`` and
    ``Chip Count : c`` (800I A3 cards carry 2 chips, each its own device for hccn_tool).
    """
    total = None
    npus = []
    for line in (text or "").splitlines():
        m = _KV.match(line)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2)
        if key == "total count":
            total = _int(value, "npu-smi info -l: Total Count", text)
        elif key == "npu id":
            npus.append({"npu_id": _int(value, "npu-smi info -l: NPU ID", text), "chip_count": None})
        elif key == "chip count" and npus:
            npus[-1]["chip_count"] = _int(value, "npu-smi info -l: Chip Count", text)
    if total is None:
        raise NpuToolError("npu-smi info -l: no 'Total Count' line in its output: %s" % _excerpt(text))
    if total != len(npus):
        raise NpuToolError("npu-smi info -l: Total Count is %d but %d NPU ID blocks were printed: %s"
                           % (total, len(npus), _excerpt(text)))
    for npu in npus:
        if npu["chip_count"] is None:
            npu["chip_count"] = 1
    return npus


def _int(value, what, text):
    try:
        return int(value)
    except ValueError:
        raise NpuToolError("%s is not an integer (%r): %s" % (what, value, _excerpt(text)))


def _pairs(text, sep=":"):
    out = {}
    for line in (text or "").splitlines():
        if sep in line:
            key, _s, value = line.partition(sep)
            out[key.strip().lower()] = value.strip()
    return out


def parse_hccn_ip(text):
    """``hccn_tool -i N -ip -g`` (``ipaddr:29.1.1.1`` / ``netmask:255.255.255.0``) -> (ip, mask).

    Empty values mean the address is not set: (None, None).
    """
    pairs = _pairs(text)
    if "ipaddr" not in pairs:
        raise NpuToolError("hccn_tool -ip -g: no 'ipaddr' in its output: %s" % _excerpt(text))
    ip = pairs.get("ipaddr") or None
    mask = pairs.get("netmask") or None
    if ip is not None and not _IPV4.match(ip):
        raise NpuToolError("hccn_tool -ip -g: ipaddr %r is not an IPv4 address" % ip)
    if mask is not None and not _IPV4.match(mask):
        raise NpuToolError("hccn_tool -ip -g: netmask %r is not an IPv4 netmask" % mask)
    return ip, mask


def parse_hccn_link(text):
    """``hccn_tool -i N -link -g`` (``link status: UP``) -> ``"up"`` | ``"down"``."""
    value = _pairs(text).get("link status")
    if value is None or value.upper() not in ("UP", "DOWN"):
        raise NpuToolError("hccn_tool -link -g: no 'link status: UP|DOWN' in its output: %s" % _excerpt(text))
    return value.lower()


def parse_hccn_net_health(text):
    """``hccn_tool -i N -net_health -g`` (``net health status: Success``) -> the status text."""
    value = _pairs(text).get("net health status")
    if not value:
        raise NpuToolError("hccn_tool -net_health -g: no 'net health status' in its output: %s"
                           % _excerpt(text))
    return value


def parse_hccn_conf(text):
    """``/etc/hccn.conf`` -> ``{"0": "29.1.1.1", ...}`` from its ``address_N=`` lines."""
    out = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _s, value = line.partition("=")
        m = re.match(r"address_(\d+)\Z", key.strip())
        if m:
            out[str(int(m.group(1)))] = value.strip()
    return out


def find_tool(name_or_path, extra_dirs, which):
    """Path of a tool: an explicit path (with a slash) must exist; a bare name is looked up in
    PATH and ``extra_dirs`` via ``which(name, extra_dirs)`` (``AnsibleModule.get_bin_path``)."""
    if "/" in name_or_path:
        if os.path.isfile(name_or_path) and os.access(name_or_path, os.X_OK):
            return name_or_path
        raise NpuToolError("%s: not found or not executable" % name_or_path)
    path = which(name_or_path, list(extra_dirs))
    if not path:
        raise NpuToolError("%s: not found in PATH or %s; is the Ascend driver installed? (set the path "
                           "option to its location)" % (name_or_path, ", ".join(extra_dirs)))
    return path


def gather(run, npu_smi, hccn_tool, hccn_conf_path="/etc/hccn.conf", read_file=None):
    """Facts of every NPU device. ``run(argv) -> (rc, stdout, stderr)``."""
    rc, out, err = run([npu_smi, "info", "-l"])
    if rc != 0:
        raise NpuToolError("%s info -l failed (rc=%d): %s" % (npu_smi, rc, _excerpt(err or out)))
    npus = parse_npu_smi_list(out)

    conf_text = (read_file or _read_text)(hccn_conf_path)
    problems = []
    if conf_text is None:
        problems.append("%s: not found; hccn_tool settings are not persisted" % hccn_conf_path)
        conf = {}
    else:
        conf = parse_hccn_conf(conf_text)

    devices = []
    logic_id = 0
    for npu in npus:
        for chip in range(npu["chip_count"]):
            devices.append(_device(run, hccn_tool, npu["npu_id"], chip, logic_id, conf, conf_text is not None,
                                   problems))
            logic_id += 1
    known = set(str(d["id"]) for d in devices)
    for key in sorted(conf, key=int):
        if key not in known:
            problems.append("%s: address_%s=%s names no device of this node (devices 0..%d)"
                            % (hccn_conf_path, key, conf[key], len(devices) - 1))
    return {"device_count": len(devices), "devices": devices, "hccn_conf": conf,
            "hccn_conf_path": hccn_conf_path, "problems": problems, "ok": not problems}


def _device(run, hccn_tool, npu_id, chip_id, logic_id, conf, conf_present, problems):
    i = str(logic_id)
    name = "device %s" % i
    rc, out, err = run([hccn_tool, "-i", i, "-ip", "-g"])
    if rc != 0:
        # Seen when no address was ever set: a fact, not a failure.
        ip = mask = None
        problems.append("%s: no IP address: hccn_tool -i %s -ip -g failed (rc=%d): %s"
                        % (name, i, rc, _excerpt(err or out, 120)))
    else:
        ip, mask = parse_hccn_ip(out)
        if ip is None:
            problems.append("%s: no IP address is set (hccn_tool -i %s -ip -g)" % (name, i))
    rc, out, err = run([hccn_tool, "-i", i, "-link", "-g"])
    if rc != 0:
        raise NpuToolError("%s -i %s -link -g failed (rc=%d): %s" % (hccn_tool, i, rc, _excerpt(err or out)))
    link = parse_hccn_link(out)
    rc, out, err = run([hccn_tool, "-i", i, "-net_health", "-g"])
    if rc != 0:
        raise NpuToolError("%s -i %s -net_health -g failed (rc=%d): %s"
                           % (hccn_tool, i, rc, _excerpt(err or out)))
    health = parse_hccn_net_health(out)
    conf_ip = conf.get(i)
    match = ip is not None and conf_ip == ip
    if link != "up":
        problems.append("%s: link is down" % name)
    if health != HEALTHY:
        problems.append("%s: net health is %r, not %r" % (name, health, HEALTHY))
    if conf_ip is None:
        if conf_present:
            problems.append("%s: hccn.conf has no address_%s line" % (name, i))
    elif ip is not None and conf_ip != ip:
        problems.append("%s: hccn.conf address_%s=%s but the device has %s (stale entry)" % (name, i, conf_ip, ip))
    return {"id": logic_id, "logic_id": logic_id, "npu_id": npu_id, "chip_id": chip_id, "ip": ip,
            "netmask": mask, "link": link, "health": health, "healthy": health == HEALTHY,
            "hccn_conf_address": conf_ip, "hccn_conf_match": match}


def _read_text(path):
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except (IOError, OSError):
        return None
