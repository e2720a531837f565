# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the pdserve.cluster.motor_config module."""

from __future__ import annotations

import json
import os
import stat

from _harness import Exit, Fail, run_main

from ansible_collections.pdserve.cluster.plugins.modules import motor_config

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "motor")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return json.load(handle)


def run(args, expect=Exit):
    return run_main(motor_config.main, args, expect)


SINGLE = fixture("doc_single_container_llama3_8b.json")


def listing(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_valid_without_dest_returns_files_and_derived():
    result = run({"config": SINGLE})
    assert result["changed"] is False and result["written"] == [] and result["errors"] == []
    assert sorted(result["files"]) == ["config1.json", "config2.json", "config3.json", "config4.json",
                                       "http_client_ctl.json", "ms_controller.json", "ms_coordinator.json"]
    assert result["derived"]["pods"]["single_container"]["npus_per_pod"] == 8


def test_invalid_fails_listing_every_error_and_writes_nothing(tmp_path):
    dest = str(tmp_path / "conf")
    bad = dict(SINGLE, p_instances=4, ports={"controller": {"http_server": 1026}})
    result = run({"config": bad, "dest": dest}, Fail)
    assert result["msg"].startswith("2 MindIE Motor configuration error(s):\n")
    assert [d["path"] for d in result["error_details"]] == ["p_instances", "ports.controller.http_server"]
    assert result["msg"].splitlines()[1:] == result["errors"]
    assert result["files"] == {} and result["derived"] == {} and result["written"] == []
    assert not os.path.exists(dest)


def test_document_example_as_written_fails_with_its_one_error():
    result = run({"config": fixture("doc_multi_machine_as_written.json")}, Fail)
    assert result["errors"] == ["config.json:BackendConfig.npuDeviceIds: [0, 1]: must be [[0, 1]]: numbered from 0, "
                                "as many as worldSize, one list per model instance (doc, table 2)"]


def test_writes_files_0644_idempotently(tmp_path):
    dest = str(tmp_path / "conf")
    first = run({"config": SINGLE, "dest": dest})
    assert first["changed"] is True and len(first["written"]) == 7
    assert listing(dest) == sorted(first["files"])
    for name in first["files"]:
        path = os.path.join(dest, name)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
        with open(path, encoding="utf-8") as handle:
            assert json.load(handle) == first["files"][name]
    second = run({"config": SINGLE, "dest": dest})
    assert second["changed"] is False and second["written"] == []


def test_only_changed_files_are_written_with_diff(tmp_path):
    dest = str(tmp_path)
    run({"config": SINGLE, "dest": dest})
    changed = dict(SINGLE, log={"level": "DEBUG"})
    result = run({"config": changed, "dest": dest, "_ansible_diff": True})
    # the log level is in the controller, coordinator and probe files; the server files do not carry it
    assert result["written"] == ["http_client_ctl.json", "ms_controller.json", "ms_coordinator.json"]
    assert [d["after_header"] for d in result["diff"]] == [os.path.join(dest, n) for n in result["written"]]
    assert '"log_level": "INFO"' in result["diff"][0]["before"]
    assert '"log_level": "DEBUG"' in result["diff"][0]["after"]


def test_check_mode_writes_nothing(tmp_path):
    dest = str(tmp_path / "conf")
    result = run({"config": SINGLE, "dest": dest, "_ansible_check_mode": True, "_ansible_diff": True})
    assert result["changed"] is True and len(result["written"]) == 7
    assert result["diff"][0]["before"] == ""
    assert not os.path.exists(dest)


def test_wrong_mode_is_fixed(tmp_path):
    dest = str(tmp_path)
    run({"config": SINGLE, "dest": dest})
    path = os.path.join(dest, "ms_controller.json")
    os.chmod(path, 0o600)
    result = run({"config": SINGLE, "dest": dest})
    assert result["written"] == ["ms_controller.json"] and result["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_dest_must_be_a_directory(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    result = run({"config": SINGLE, "dest": str(path)}, Fail)
    assert "is not a directory" in result["msg"]


def test_config_is_required():
    result = run({}, Fail)
    assert "config" in result["msg"]
