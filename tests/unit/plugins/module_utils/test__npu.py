# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""module_utils/_npu on recorded npu-smi / hccn_tool outputs (tests/fixtures/npu_tools)."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _npu

ROOT = pathlib.Path(__file__).resolve().parents[4]
TOOLS = ROOT / "tests" / "fixtures" / "npu_tools"
BIN = TOOLS / "bin"
RECORDED = TOOLS / "recorded"


def replay(scenario, overrides=None):
    """run(argv) through the stand-in executables; overrides {argv tuple: (rc, out, err)}."""
    env = dict(os.environ, PDSERVE_NPU_RECORDING=str(RECORDED / scenario))
    overrides = overrides or {}

    def run(argv):
        key = tuple([os.path.basename(argv[0])] + list(argv[1:]))
        if key in overrides:
            return overrides[key]
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        return proc.returncode, proc.stdout, proc.stderr
    return run


def facts(scenario, overrides=None, conf=None):
    return _npu.gather(replay(scenario, overrides), str(BIN / "npu-smi"), str(BIN / "hccn_tool"),
                       conf or str(RECORDED / scenario / "hccn.conf"))


# ---------------------------------------------------------------------------- scenarios

def test_a2_healthy():
    f = facts("a2_healthy")
    assert f["ok"] is True and f["problems"] == [] and f["device_count"] == 8
    assert [d["id"] for d in f["devices"]] == list(range(8))
    d0 = f["devices"][0]
    assert d0 == {"id": 0, "logic_id": 0, "npu_id": 0, "chip_id": 0, "ip": "29.10.1.11", "netmask": "255.255.255.0",
                  "link": "up", "health": "Success", "healthy": True, "hccn_conf_address": "29.10.1.11",
                  "hccn_conf_match": True}
    assert f["hccn_conf"]["7"] == "29.10.1.18"


def test_a3_healthy_has_two_chips_per_card():
    f = facts("a3_healthy")
    assert f["ok"] and f["device_count"] == 16
    assert [(d["npu_id"], d["chip_id"]) for d in f["devices"][:4]] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert f["devices"][15]["ip"] == "29.20.1.26" and f["devices"][15]["hccn_conf_match"]


def test_a2_link_down_is_a_fact_not_a_failure():
    f = facts("a2_link_down")
    assert not f["ok"]
    d3 = f["devices"][3]
    assert (d3["link"], d3["healthy"], d3["health"]) == ("down", False, "Fault")
    assert f["problems"] == ["device 3: link is down", "device 3: net health is 'Fault', not 'Success'"]
    assert all(d["link"] == "up" for i, d in enumerate(f["devices"]) if i != 3)


def test_a2_ip_unset():
    f = facts("a2_ip_unset")
    d5 = f["devices"][5]
    assert (d5["ip"], d5["netmask"], d5["hccn_conf_address"], d5["hccn_conf_match"]) == (None, None, None, False)
    assert "device 5: no IP address is set (hccn_tool -i 5 -ip -g)" in f["problems"]
    assert "device 5: hccn.conf has no address_5 line" in f["problems"]


def test_a2_hccn_conf_stale():
    f = facts("a2_hccn_conf_stale")
    d2 = f["devices"][2]
    assert (d2["ip"], d2["hccn_conf_address"], d2["hccn_conf_match"]) == ("29.10.1.13", "29.10.1.99", False)
    assert f["problems"] == ["device 2: hccn.conf address_2=29.10.1.99 but the device has 29.10.1.13 (stale entry)"]


def test_missing_hccn_conf_is_one_problem(tmp_path):
    f = facts("a2_healthy", conf=str(tmp_path / "absent.conf"))
    assert f["problems"] == ["%s: not found; hccn_tool settings are not persisted" % (tmp_path / "absent.conf")]
    assert f["hccn_conf"] == {} and not any(d["hccn_conf_match"] for d in f["devices"])


def test_hccn_conf_entry_for_a_device_that_does_not_exist(tmp_path):
    conf = tmp_path / "hccn.conf"
    conf.write_text((RECORDED / "a2_healthy" / "hccn.conf").read_text() + "address_9=29.10.1.20\n")
    f = facts("a2_healthy", conf=str(conf))
    assert f["problems"] == ["%s: address_9=29.10.1.20 names no device of this node (devices 0..7)" % conf]


def test_ip_query_failing_is_a_problem():
    f = facts("a2_healthy", {("hccn_tool", "-i", "1", "-ip", "-g"): (255, "", "get ip failed\n")})
    assert f["devices"][1]["ip"] is None
    assert f["problems"][0] == "device 1: no IP address: hccn_tool -i 1 -ip -g failed (rc=255): get ip failed"


# ---------------------------------------------------------------------------- failures

@pytest.mark.parametrize("override, message", [
    ({("npu-smi", "info", "-l"): (1, "", "dcmi module initialize failed")}, "info -l failed (rc=1): dcmi module"),
    ({("npu-smi", "info", "-l"): (0, "garbage\n", "")}, "no 'Total Count' line"),
    ({("npu-smi", "info", "-l"): (0, "Total Count : 2\n\nNPU ID : 0\nChip Count : 1\n", "")},
     "Total Count is 2 but 1 NPU ID blocks were printed"),
    ({("npu-smi", "info", "-l"): (0, "Total Count : x\n", "")}, "Total Count is not an integer"),
    ({("hccn_tool", "-i", "2", "-link", "-g"): (0, "link: maybe\n", "")}, "no 'link status: UP|DOWN'"),
    ({("hccn_tool", "-i", "2", "-link", "-g"): (3, "", "no device")}, "-i 2 -link -g failed (rc=3): no device"),
    ({("hccn_tool", "-i", "0", "-net_health", "-g"): (0, "\n", "")}, "no 'net health status'"),
    ({("hccn_tool", "-i", "0", "-net_health", "-g"): (1, "", "x")}, "-i 0 -net_health -g failed"),
    ({("hccn_tool", "-i", "0", "-ip", "-g"): (0, "address 1.2.3.4\n", "")}, "no 'ipaddr' in its output"),
    ({("hccn_tool", "-i", "0", "-ip", "-g"): (0, "ipaddr:1.2.3\nnetmask:255.255.255.0\n", "")},
     "ipaddr '1.2.3' is not an IPv4 address"),
])
def test_unparseable_or_failing_tools_raise(override, message):
    with pytest.raises(_npu.NpuToolError) as info:
        facts("a2_healthy", override)
    assert message in str(info.value)


def test_find_tool(tmp_path):
    exe = tmp_path / "hccn_tool"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert _npu.find_tool(str(exe), (), lambda n, d: None) == str(exe)
    with pytest.raises(_npu.NpuToolError, match="not found or not executable"):
        _npu.find_tool(str(tmp_path / "none"), (), lambda n, d: None)
    seen = []
    assert _npu.find_tool("hccn_tool", _npu.HCCN_TOOL_DIRS, lambda n, d: seen.append(d) or "/x/hccn_tool") \
        == "/x/hccn_tool"
    assert "/usr/local/Ascend/driver/tools" in seen[0]
    with pytest.raises(_npu.NpuToolError, match="hccn_tool: not found in PATH or /usr/local/Ascend/driver/tools"):
        _npu.find_tool("hccn_tool", _npu.HCCN_TOOL_DIRS, lambda n, d: None)


def test_parse_hccn_conf_ignores_comments_and_other_keys():
    text = "# comment\naddress_0 = 29.1.1.1\nnetmask_0=255.255.255.0\naddress_10=29.1.1.11\nbogus\n"
    assert _npu.parse_hccn_conf(text) == {"0": "29.1.1.1", "10": "29.1.1.11"}


# ---------------------------------------------------------------------------- the stand-ins

def test_stand_in_reads_recording_path_file_when_env_is_unset(tmp_path, monkeypatch):
    """The stand-in falls back to /etc/pdserve-npu-recording; checked via a copy that reads a temp path."""
    monkeypatch.delenv("PDSERVE_NPU_RECORDING", raising=False)
    marker = tmp_path / "pdserve-npu-recording"
    marker.write_text(str(RECORDED / "a2_link_down") + "\n")
    script = (BIN / "hccn_tool").read_text().replace("/etc/pdserve-npu-recording", str(marker))
    copy = tmp_path / "hccn_tool"
    copy.write_text(script)
    copy.chmod(0o755)
    proc = subprocess.run([str(copy), "-i", "3", "-link", "-g"], capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout) == (0, "link status: DOWN\n")


def test_stand_in_errors(tmp_path):
    env = dict(os.environ, PDSERVE_NPU_RECORDING=str(tmp_path / "nowhere"))
    proc = subprocess.run([str(BIN / "npu-smi"), "info", "-l"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 2 and "no recording folder" in proc.stderr
    env["PDSERVE_NPU_RECORDING"] = str(RECORDED / "a2_healthy")
    proc = subprocess.run([str(BIN / "hccn_tool"), "-i", "9", "-ip", "-g"], capture_output=True, text=True,
                          env=env, check=False)
    assert proc.returncode == 2 and "no recording hccn_tool_-i_9_-ip_-g.txt" in proc.stderr


def test_stand_in_replays_rc_and_stderr(tmp_path):
    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "hccn_tool_-i_0_-ip_-g.txt").write_text("")
    (rec / "hccn_tool_-i_0_-ip_-g.err").write_text("get ip failed\n")
    (rec / "hccn_tool_-i_0_-ip_-g.rc").write_text("255\n")
    env = dict(os.environ, PDSERVE_NPU_RECORDING=str(rec))
    proc = subprocess.run([str(BIN / "hccn_tool"), "-i", "0", "-ip", "-g"], capture_output=True, text=True,
                          env=env, check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (255, "", "get ip failed\n")


@pytest.mark.parametrize("scenario", sorted(p.name for p in RECORDED.iterdir()))
def test_every_scenario_is_complete(scenario):
    names = {p.name for p in (RECORDED / scenario).iterdir()}
    assert {"npu-smi_info_-l.txt", "hccn.conf"} <= names
    f = facts(scenario)
    for d in range(f["device_count"]):
        for q in ("ip", "link", "net_health"):
            assert "hccn_tool_-i_%d_-%s_-g.txt" % (d, q) in names
