# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the pdserve.cluster.ranktable module."""

from __future__ import annotations

import json
import os
import pathlib
import stat

import pytest

from _harness import Exit, Fail, run_main

from ansible_collections.pdserve.cluster.plugins.modules import ranktable

SAMPLES = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "ranktables"


def run(args, expect=Exit):
    return run_main(ranktable.main, args, expect)


def ips(octet, n=8):
    return {str(d): "29.%d.0.%d" % (octet, d + 1) for d in range(n)}


MM = dict(action="gen", servers=[
    {"server_id": "192.0.2.10", "container_ip": "10.244.0.2", "group": "coordinator"},
    {"server_id": "192.0.2.10", "container_ip": "10.244.0.3", "group": "controller"},
    {"server_id": "192.0.2.11", "container_ip": "10.244.1.5", "device_ids": [0, 1]},
    {"server_id": "192.0.2.12", "container_ip": "10.244.2.5", "device_ids": "0,1"}],
    device_ips={"192.0.2.11": ips(11), "192.0.2.12": ips(12)})

AC = dict(action="gen", format="ascendcloud", host_ip="192.0.2.21", prefill_instances=["0,1", [2, 3]],
          decode_instances=["4,5"], api_server=True, device_ips=ips(21))


def test_gen_mindie_motor_returns_the_table_without_dest():
    out = run(MM)
    assert out["changed"] is False and out["valid"] is True and out["errors"] == []
    assert list(out["files"]) == ["global_ranktable.json"]
    assert out["ranktable"]["server_group_list"][0]["server_count"] == "2"
    assert [i["role"] for i in out["instances"]] == ["coordinator", "controller", "server", "server"]
    assert "paths" not in out


def test_gen_writes_idempotently_with_mode_and_diff(tmp_path):
    dest = tmp_path / "rt" / "global_ranktable.json"
    out = run(dict(MM, dest=str(dest), _ansible_diff=True))
    assert out["changed"] is True and out["paths"] == [str(dest)]
    assert json.loads(dest.read_text()) == out["ranktable"]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o644
    assert out["diff"][0]["before"] == "" and out["diff"][0]["after"] == dest.read_text()
    again = run(dict(MM, dest=str(dest), _ansible_diff=True))
    assert again["changed"] is False and again["diff"] == []
    os.chmod(dest, 0o600)
    assert run(dict(MM, dest=str(dest)))["changed"] is True
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o644
    changed = run(dict(MM, dest=str(dest), status="initializing", mode="0640", _ansible_diff=True))
    assert changed["changed"] and '"initializing"' in changed["diff"][0]["after"]
    assert '"completed"' in changed["diff"][0]["before"]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o640


def test_gen_dest_directory_gets_the_default_name(tmp_path):
    out = run(dict(MM, dest=str(tmp_path)))
    assert out["paths"] == [str(tmp_path / "global_ranktable.json")]


def test_check_mode_writes_nothing(tmp_path):
    dest = tmp_path / "g.json"
    out = run(dict(MM, dest=str(dest), _ansible_check_mode=True))
    assert out["changed"] is True and not dest.exists()


def test_gen_ascendcloud_writes_the_hosts_files(tmp_path):
    out = run(dict(AC, dest=str(tmp_path / "save_dir")))
    names = sorted(os.listdir(tmp_path / "save_dir"))
    assert names == ["global_ranktable_192.0.2.21.json", "local_ranktable_192.0.2.21_01.json",
                     "local_ranktable_192.0.2.21_23.json", "local_ranktable_192.0.2.21_45.json",
                     "local_ranktable_192.0.2.21_host.json"]
    assert out["changed"] and [i.get("local_file") for i in out["instances"]][0] == \
        "local_ranktable_192.0.2.21_host.json"
    valid = run(dict(action="validate", format="ascendcloud", src=str(tmp_path / "save_dir")))
    assert valid["valid"] and valid["instances"][1]["device_ids"] == ["0", "1"]
    assert run(dict(AC, dest=str(tmp_path / "save_dir")))["changed"] is False


def test_gen_bad_input_fails_with_every_error_and_writes_nothing(tmp_path):
    args = dict(AC, prefill_instances=["0,1", "1,9"], host_ip="192.0.2.256", dest=str(tmp_path / "d"))
    out = run(args, Fail)
    assert out["msg"].startswith("3 problem(s), nothing written")
    assert len(out["errors"]) == 3
    assert any("prefill_instances[1][0]: device is used twice" in e for e in out["errors"])
    assert any("prefill_instances[1][1]: device has no IP" in e for e in out["errors"])
    assert not (tmp_path / "d").exists()


def test_options_are_checked_together():
    out = run(dict(action="gen", format="ascendcloud", servers=[{"server_id": "192.0.2.1"}]), Fail)
    assert out["errors"] == [
        "servers: is not used by action=gen format=ascendcloud (got a value)",
        "host_ip: is required by action=gen format=ascendcloud (got nothing)"]
    out = run(dict(action="validate", dest="/tmp/x", api_server=True), Fail)
    assert len(out["errors"]) == 3


def test_merge_from_files_and_data(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    run(dict(AC, dest=str(a)))
    run(dict(AC, host_ip="192.0.2.22", api_server=False, device_ips=ips(22), dest=str(b)))
    out = run(dict(action="merge", format="ascendcloud", srcs=[str(a / "global_ranktable_192.0.2.21.json")],
                   ranktables=[json.loads((b / "global_ranktable_192.0.2.22.json").read_text())],
                   dest=str(tmp_path) + "/"))
    assert out["paths"] == [str(tmp_path / "global_ranktable_merge.json")]
    merged = json.loads((tmp_path / "global_ranktable_merge.json").read_text())
    assert merged["server_group_list"][1]["server_count"] == "4"
    assert [(i["role"], i["server_ip"]) for i in out["instances"]][:2] == [("scheduler", "192.0.2.21"),
                                                                           ("prefill", "192.0.2.21")]


def test_merge_two_api_entries_fails(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    run(dict(AC, dest=str(a)))
    run(dict(AC, host_ip="192.0.2.22", device_ips=ips(22), dest=str(b)))
    out = run(dict(action="merge", format="ascendcloud", srcs=[str(a / "global_ranktable_192.0.2.21.json"),
                                                               str(b / "global_ranktable_192.0.2.22.json")]), Fail)
    assert "exactly one scheduler / API entry" in out["msg"]


def test_merge_unreadable_sources_are_all_named(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{,}")
    out = run(dict(action="merge", format="ascendcloud", srcs=[str(bad), str(tmp_path / "missing.json")]), Fail)
    assert len(out["errors"]) == 2
    assert "bad.json: is not valid JSON" in out["errors"][0] and "missing.json: cannot be read" in out["errors"][1]


@pytest.mark.parametrize("name, fmt", [("mindie_motor_single_a3.json", "mindie_motor"),
                                       ("mindie_motor_multi_a2_heterogeneous.json", "mindie_motor"),
                                       ("ascendcloud_global.json", "ascendcloud")])
def test_validate_document_samples(name, fmt):
    out = run(dict(action="validate", format=fmt, src=str(SAMPLES / name)))
    assert out["valid"] and out["changed"] is False


def test_validate_failure_and_report_only():
    src = str(SAMPLES / "ascendcloud_global.verbatim.txt")
    out = run(dict(action="validate", format="ascendcloud", src=src), Fail)
    assert out["msg"].startswith("The ranktable breaks 4 rule(s)") and out["valid"] is False
    out = run(dict(action="validate", format="ascendcloud", src=src, fail_on_invalid=False))
    assert out["valid"] is False and len(out["errors"]) == 4 and "instances" not in out


def test_validate_data_with_hardware_type():
    doc = json.loads((SAMPLES / "mindie_motor_single_a3.json").read_text())
    out = run(dict(action="validate", ranktable=doc, hardware_type="800I_A2", fail_on_invalid=False))
    assert not out["valid"] and all("only 800I_A3" in e for e in out["errors"])


def test_validate_mindie_directory(tmp_path):
    run(dict(MM, dest=str(tmp_path)))
    assert run(dict(action="validate", src=str(tmp_path)))["valid"]
