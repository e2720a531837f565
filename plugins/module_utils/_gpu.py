# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Facts about a node's NVIDIA GPUs and its container runtime's NVIDIA runtime (private API).

Stdlib only: the gpu_facts module runs this on the node. Parsers take the tools' text;
:func:`gather` takes a ``run(argv) -> (rc, out, err)`` callable so tests replay recorded outputs.

- ``nvidia-smi --query-gpu=index,uuid,name,memory.total,driver_version,pci.bus_id
  --format=csv,noheader,nounits``: one line per GPU (the documented CSV query interface of
  nvidia-smi; the recordings under tests/fixtures/gpu_tools were written from that format, not
  captured on a machine);
- the NVIDIA runtime in containerd's ``config.toml`` (a ``runtimes.nvidia`` table whose
  ``BinaryName`` is nvidia-container-runtime; the GPU operator / ``nvidia-ctk runtime configure``
  write it so) or in Docker's ``daemon.json`` (``runtimes.nvidia.path``).

Mixed GPU products, a GPU count other than expected, a missing runtime are facts (``problems``);
a missing tool or output these parsers do not understand raises :class:`GpuToolError`.
"""
from __future__ import annotations

import json
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import NVIDIA_RUNTIME

NVIDIA_SMI_DIRS = ("/usr/bin", "/usr/local/bin", "/usr/local/nvidia/bin")
QUERY_FIELDS = ("index", "uuid", "name", "memory.total", "driver_version", "pci.bus_id")
QUERY_ARGS = ["--query-gpu=" + ",".join(QUERY_FIELDS), "--format=csv,noheader,nounits"]
RUNTIME_BINARY = "nvidia-container-runtime"
_RUNTIME_TABLE = re.compile(r'^\s*\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.%s\]\s*$'
                            % re.escape(NVIDIA_RUNTIME))
_OPTIONS_TABLE = re.compile(r'^\s*\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.%s\.options\]\s*$'
                            % re.escape(NVIDIA_RUNTIME))
_BINARY = re.compile(r'^\s*BinaryName\s*=\s*"([^"]*)"\s*$')
_DEFAULT = re.compile(r'^\s*default_runtime_name\s*=\s*"([^"]*)"\s*$')


class GpuToolError(Exception):
    """nvidia-smi is missing, failed, or printed something unparseable."""


def product_label(name):
    """GPU feature discovery's ``nvidia.com/gpu.product`` value of a GPU name (spaces as dashes)."""
    return re.sub(r"\s+", "-", name.strip())


def parse_query(text):
    """The CSV query output -> ``[{"index", "uuid", "name", "product", "memory_mib", "driver_version",
    "pci_bus_id"}]``."""
    gpus = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != len(QUERY_FIELDS):
            raise GpuToolError("nvidia-smi query, line %d: %d fields, expected %d (%s): %r"
                               % (number, len(cells), len(QUERY_FIELDS), ", ".join(QUERY_FIELDS), line[:200]))
        index, uuid, name, memory, driver, bus = cells
        if not index.isdigit() or not memory.isdigit():
            raise GpuToolError("nvidia-smi query, line %d: index and memory.total must be numbers: %r"
                               % (number, line[:200]))
        gpus.append({"index": int(index), "uuid": uuid, "name": name, "product": product_label(name),
                     "memory_mib": int(memory), "driver_version": driver, "pci_bus_id": bus})
    if not gpus:
        raise GpuToolError("nvidia-smi query printed no GPU")
    return gpus


def containerd_runtime(text):
    """``{"configured", "binary", "default"}`` of the NVIDIA runtime in containerd's config.toml text."""
    out = {"configured": False, "binary": None, "default": False}
    section = None
    for line in (text or "").splitlines():
        if line.strip().startswith("["):
            section = "runtime" if _RUNTIME_TABLE.match(line) else "options" if _OPTIONS_TABLE.match(line) else None
            if section == "runtime":
                out["configured"] = True
            continue
        match = _BINARY.match(line)
        if match and section == "options":
            out["binary"] = match.group(1)
        match = _DEFAULT.match(line)
        if match:
            out["default"] = match.group(1) == NVIDIA_RUNTIME
    return out


def docker_runtime(text):
    """The same from Docker's daemon.json text (``{}`` or empty: not configured)."""
    try:
        data = json.loads(text) if (text or "").strip() else {}
    except ValueError as exc:
        raise GpuToolError("daemon.json is not valid JSON: %s" % exc)
    runtime = (data.get("runtimes") or {}).get(NVIDIA_RUNTIME) or {}
    return {"configured": bool(runtime), "binary": runtime.get("path"),
            "default": data.get("default-runtime") == NVIDIA_RUNTIME}


def gather(run, nvidia_smi, containerd_config=None, docker_config=None, expected_count=None):
    """Facts of the node. ``run(argv) -> (rc, out, err)``; the config texts as read (None: absent)."""
    rc, out, err = run([nvidia_smi] + QUERY_ARGS)
    if rc != 0:
        raise GpuToolError("%s failed (rc %s): %s" % (nvidia_smi, rc, (err or out or "").strip()[:300]))
    gpus = parse_query(out)
    problems = []
    products = sorted({g["product"] for g in gpus})
    drivers = sorted({g["driver_version"] for g in gpus})
    if len(products) > 1:
        problems.append("mixed GPU products on one node: %s" % ", ".join(products))
    if expected_count is not None and len(gpus) != expected_count:
        problems.append("%d GPUs found, %d expected" % (len(gpus), expected_count))
    runtimes = {}
    if containerd_config is not None:
        runtimes["containerd"] = containerd_runtime(containerd_config)
    if docker_config is not None:
        runtimes["docker"] = docker_runtime(docker_config)
    for name, runtime in sorted(runtimes.items()):
        if not runtime["configured"]:
            problems.append("%s has no %s runtime" % (name, NVIDIA_RUNTIME))
        elif not (runtime["binary"] or "").endswith(RUNTIME_BINARY):
            problems.append("%s's %s runtime does not run %s (binary %s)"
                            % (name, NVIDIA_RUNTIME, RUNTIME_BINARY, runtime["binary"]))
    if not runtimes:
        problems.append("no container runtime configuration read (containerd config.toml, Docker daemon.json)")
    return {"gpus": gpus, "count": len(gpus), "products": products, "product": products[0] if len(products) == 1 else None,
            "driver_version": drivers[0] if len(drivers) == 1 else None, "runtimes": runtimes,
            "problems": problems}
