# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""NVIDIA GPU facts of a node (module_utils/_gpu.py) from recorded tool outputs."""
from __future__ import annotations

import os

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _gpu

REC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "gpu_tools", "recorded", "a100x8")


def read(name):
    with open(os.path.join(REC, name), encoding="utf-8") as handle:
        return handle.read()


def replay(out, rc=0):
    calls = []

    def run(argv):
        calls.append(argv)
        return rc, out, "" if rc == 0 else "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver"
    return run, calls


def test_a100x8_with_containerd_configured():
    run, calls = replay(read("nvidia-smi-query.csv"))
    facts = _gpu.gather(run, "/usr/bin/nvidia-smi", containerd_config=read("containerd-config.toml"), expected_count=8)
    assert calls == [["/usr/bin/nvidia-smi", "--query-gpu=index,uuid,name,memory.total,driver_version,pci.bus_id",
                      "--format=csv,noheader,nounits"]]
    assert facts["count"] == 8 and facts["problems"] == []
    # the label GPU feature discovery puts on the node
    assert facts["product"] == "NVIDIA-A100-SXM4-80GB"
    assert facts["driver_version"] == "535.104.05"
    assert facts["gpus"][3] == {"index": 3, "uuid": "GPU-4c1f0a2e-0003-4d3b-9a7e-5b6c7d8e9f03",
                                "name": "NVIDIA A100-SXM4-80GB", "product": "NVIDIA-A100-SXM4-80GB",
                                "memory_mib": 81920, "driver_version": "535.104.05", "pci_bus_id": "00000000:37:00.0"}
    assert facts["runtimes"]["containerd"] == {"configured": True, "binary": "/usr/bin/nvidia-container-runtime",
                                               "default": True}


def test_problems_are_facts():
    text = read("nvidia-smi-query.csv").splitlines()
    text[7] = text[7].replace("NVIDIA A100-SXM4-80GB", "NVIDIA H100 80GB HBM3")
    run, _ = replay("\n".join(text[:7] + [text[7]]))
    plain = read("containerd-config.toml").split("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]")[0]
    facts = _gpu.gather(run, "nvidia-smi", containerd_config=plain, docker_config='{"runtimes": {}}', expected_count=4)
    assert facts["problems"] == [
        "mixed GPU products on one node: NVIDIA-A100-SXM4-80GB, NVIDIA-H100-80GB-HBM3",
        "8 GPUs found, 4 expected",
        "containerd has no nvidia runtime",
        "docker has no nvidia runtime",
    ]
    assert facts["product"] is None


def test_docker_runtime():
    assert _gpu.docker_runtime('{"runtimes": {"nvidia": {"path": "nvidia-container-runtime", "runtimeArgs": []}},'
                               ' "default-runtime": "nvidia", "log-opts": {"max-size": "100m"}}') == {
        "configured": True, "binary": "nvidia-container-runtime", "default": True}
    with pytest.raises(_gpu.GpuToolError, match="not valid JSON"):
        _gpu.docker_runtime("{")


@pytest.mark.parametrize("out,rc,match", [
    ("", 9, "failed \\(rc 9\\): NVIDIA-SMI has failed"),
    ("0, GPU-x, NVIDIA A10, 24576\n", 0, "4 fields, expected 6"),
    ("x, GPU-x, NVIDIA A10, 24576, 535, 0000:01:00.0\n", 0, "must be numbers"),
    ("\n", 0, "printed no GPU"),
])
def test_tool_errors(out, rc, match):
    run, _ = replay(out, rc)
    with pytest.raises(_gpu.GpuToolError, match=match):
        _gpu.gather(run, "nvidia-smi", containerd_config="")
