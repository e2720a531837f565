# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the pdserve.cluster.gpu_facts module, on the recorded tool outputs."""

from __future__ import annotations

import pathlib

from _harness import Exit, Fail, run_main

from ansible_collections.pdserve.cluster.plugins.modules import gpu_facts

TOOLS = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "gpu_tools"
REC = TOOLS / "recorded" / "a100x8"


def run(args, expect=Exit):
    return run_main(gpu_facts.main, args, expect)


def test_a100_node(monkeypatch, tmp_path):
    monkeypatch.setenv("PDSERVE_GPU_RECORDING", str(REC))
    out = run(dict(nvidia_smi_path=str(TOOLS / "bin" / "nvidia-smi"), containerd_config_path=str(REC / "containerd-config.toml"),
                   docker_config_path=str(tmp_path / "absent.json"), expected_count=8))
    assert out["changed"] is False and out["ansible_facts"]["gpu"] == out["gpu"]
    assert out["gpu"]["count"] == 8 and out["gpu"]["problems"] == []
    assert set(out["gpu"]["runtimes"]) == {"containerd"}


def test_no_driver_fails(monkeypatch, tmp_path):
    monkeypatch.setenv("PDSERVE_GPU_RECORDING", str(tmp_path))
    script = tmp_path / "nvidia-smi"
    script.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
    script.chmod(0o755)
    out = run(dict(nvidia_smi_path=str(script)), expect=Fail)
    assert "failed (rc 9): NVIDIA-SMI has failed" in out["msg"]


def test_missing_tool(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    out = run(dict(nvidia_smi_path="nvidia-smi-not-there"), expect=Fail)
    assert "not found" in out["msg"]
