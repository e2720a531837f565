# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the pdserve.cluster.npu_facts module, on the recorded tool outputs."""

from __future__ import annotations

import pathlib

from _harness import Exit, Fail, run_main

from ansible_collections.pdserve.cluster.plugins.modules import npu_facts

TOOLS = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "npu_tools"


def run(args, expect=Exit):
    return run_main(npu_facts.main, args, expect)


def scenario(monkeypatch, name, **extra):
    monkeypatch.setenv("PDSERVE_NPU_RECORDING", str(TOOLS / "recorded" / name))
    return dict(dict(npu_smi_path=str(TOOLS / "bin" / "npu-smi"), hccn_tool_path=str(TOOLS / "bin" / "hccn_tool"),
                     hccn_conf_path=str(TOOLS / "recorded" / name / "hccn.conf")), **extra)


def test_healthy_a3_node(monkeypatch):
    out = run(scenario(monkeypatch, "a3_healthy"))
    assert out["changed"] is False
    assert out["ansible_facts"]["npu"] == out["npu"]
    assert out["npu"]["device_count"] == 16 and out["npu"]["ok"] is True


def test_link_down_does_not_fail(monkeypatch):
    out = run(scenario(monkeypatch, "a2_link_down"))
    assert out["npu"]["ok"] is False and out["npu"]["devices"][3]["link"] == "down"
    assert out["npu"]["problems"][0] == "device 3: link is down"


def test_stale_conf_in_check_mode(monkeypatch):
    out = run(scenario(monkeypatch, "a2_hccn_conf_stale", _ansible_check_mode=True))
    assert out["npu"]["devices"][2]["hccn_conf_match"] is False


def test_bare_names_are_found_in_path(monkeypatch):
    args = scenario(monkeypatch, "a2_healthy")
    monkeypatch.setenv("PATH", str(TOOLS / "bin") + ":/usr/bin:/bin")
    out = run(dict(args, npu_smi_path="npu-smi", hccn_tool_path="hccn_tool"))
    assert out["npu"]["ok"]


def test_missing_tool_is_a_clear_failure(monkeypatch, tmp_path):
    args = scenario(monkeypatch, "a2_healthy")
    monkeypatch.setenv("PATH", str(tmp_path))
    out = run(dict(args, hccn_tool_path="hccn_tool"), Fail)
    assert out["msg"].startswith("hccn_tool: not found in PATH or /usr/local/Ascend/driver/tools")
    out = run(dict(args, npu_smi_path=str(tmp_path / "npu-smi")), Fail)
    assert out["msg"] == "%s: not found or not executable" % (tmp_path / "npu-smi")


def test_unparseable_output_is_a_clear_failure(monkeypatch, tmp_path):
    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "npu-smi_info_-l.txt").write_text("Error: dcmi module initialize failed\n")
    args = scenario(monkeypatch, "a2_healthy")
    monkeypatch.setenv("PDSERVE_NPU_RECORDING", str(rec))
    out = run(args, Fail)
    assert "npu-smi info -l: no 'Total Count' line in its output: Error: dcmi module initialize failed" in out["msg"]
