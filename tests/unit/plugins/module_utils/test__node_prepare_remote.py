# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The probe's node side without AnsibleModule (module_utils/_node_prepare/remote.py) and what the
role stops a node on (module_utils/_runner/node_prepare_probe.py stop())."""

from __future__ import annotations

import io
import json

import pytest

from ansible.module_utils.common.process import get_bin_path as ansible_get_bin_path

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import remote
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import node_prepare_probe as runner


def tool(folder, name, script):
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return path


def test_run_command_returns_rc_stdout_stderr_with_the_environment_asked(tmp_path):
    echo = tool(tmp_path, "t", 'echo "out $LANG"; echo err >&2; exit 3\n')
    assert remote.run_command([str(echo)], environ_update={"LANG": "C"}) == (3, "out C\n", "err\n")
    with pytest.raises(remote.RemoteError, match="failed"):
        remote.run_command([str(echo)], check_rc=True)
    with pytest.raises(remote.RemoteError, match="No such file"):
        remote.run_command([str(tmp_path / "absent")])


def test_get_bin_path_searches_as_ansible_does(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    tool(second, "npu-smi", "")
    tool(first, "npu-smi", "")
    (second / "plain").write_text("not executable")
    monkeypatch.setenv("PATH", str(second))
    for name, dirs in (("npu-smi", [str(first)]), ("npu-smi", []), ("npu-smi", [str(tmp_path / "none")])):
        assert remote.get_bin_path(name, opt_dirs=dirs) == ansible_get_bin_path(name, opt_dirs=dirs)
    assert remote.get_bin_path("plain") is None and remote.get_bin_path("absent") is None
    with pytest.raises(remote.RemoteError, match="Failed to find required executable"):
        remote.get_bin_path("absent", required=True)


def test_main_prints_the_runners_result_or_its_error(tmp_path):
    out = io.StringIO()
    remote.main(runner.__name__, {"mode": "reset", "state_path": str(tmp_path / "none.json"),
                                  "concerns": runner.CONCERNS, "haveged_path": "/usr/sbin/haveged"}, out)
    result = json.loads(out.getvalue())
    assert result["changed"] is False and result["reset"]["recorded"] is False
    out = io.StringIO()
    remote.main(runner.__name__, {"mode": "reset"}, out)  # a missing argument: the error, not a traceback on stderr
    result = json.loads(out.getvalue())
    assert result["failed"] is True and result["msg"].startswith("KeyError") and "Traceback" in result["exception"]


PROBLEMS = {"runtime": ["no runtime"], "kubelet": [], "container_logs": [], "weights": ["no weights"], "engine": [],
            "gpu": [], "state": []}


def params(**kwargs):
    return dict({"stop": True, "mode": "prepare", "concerns": list(runner.CONCERNS), "npu_check": False}, **kwargs)


def test_stop_lists_the_problems_of_the_concerns_this_run_covers():
    assert runner.stop(params(), {"problems": PROBLEMS}) == ["no runtime", "no weights"]
    # the runtime matters to the images and container_logs concerns only
    assert runner.stop(params(concerns=["kubelet", "weights"]), {"problems": PROBLEMS}) == ["no weights"]
    assert runner.stop(params(stop=False), {"problems": PROBLEMS}) is None
    assert runner.stop(params(mode="reset"), {"reset": {}}) is None


def test_stop_then_judges_the_npu_network():
    clean = dict((key, []) for key in PROBLEMS)
    ok = {"ok": True, "problems": []}
    down = {"ok": False, "problems": ["device 3: link is down"]}
    assert runner.stop(params(npu_check=True), {"problems": clean, "ansible_facts": {"npu": ok}}) is None
    assert runner.stop(params(npu_check=True), {"problems": clean, "ansible_facts": {"npu": down}}) == ["device 3: link is down"]
    assert runner.stop(params(npu_check=True), {"problems": clean, "npu_error": "npu-smi: not found"}) == "npu-smi: not found"
    # the node's problems first, as the role's checks ran before
    assert runner.stop(params(npu_check=True), {"problems": PROBLEMS, "ansible_facts": {"npu": down}}) == ["no runtime", "no weights"]
    assert runner.stop(params(), {"problems": clean, "ansible_facts": {"npu": down}}) is None  # no npu_check


def test_service_states_read_from_one_systemctl_show_per_unit():
    from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.probe import service_states

    shown = {"haveged.service": "ActiveState=active\nUnitFileState=enabled\n",
             "stopped.service": "ActiveState=inactive\nUnitFileState=enabled\n",
             "runtime.service": "ActiveState=active\nUnitFileState=enabled-runtime\n",
             "unknown.service": "ActiveState=inactive\nUnitFileState=\n"}
    calls = []

    def run(argv):
        calls.append(argv)
        return 0, shown[argv[-1]], ""

    states = service_states(list(shown), run, lambda name: "/usr/bin/" + name)
    assert states == {"haveged.service": {"enabled": True, "active": True},
                      "stopped.service": {"enabled": True, "active": False},
                      "runtime.service": {"enabled": False, "active": True},
                      "unknown.service": {"enabled": False, "active": False}}
    assert calls[0] == ["/usr/bin/systemctl", "show", "--property=UnitFileState,ActiveState", "haveged.service"]
    assert service_states(["haveged.service"], run, lambda name: None) == {}
