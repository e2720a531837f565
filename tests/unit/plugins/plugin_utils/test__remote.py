# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The program the node_prepare_probe action sends to a node (plugins/plugin_utils/_remote.py),
run here by a Python interpreter of its own, as a node runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import remote
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import node_prepare_probe as runner
from ansible_collections.pdserve.cluster.plugins.plugin_utils import _remote

MU = "ansible_collections.pdserve.cluster.plugins.module_utils"


def test_the_program_carries_the_runner_and_what_it_imports():
    bundle = _remote.sources(runner.__name__, _remote.REMOTE)
    for name in ("_runner.node_prepare_probe", "_runner.args", "_runner.npu_facts", "_npu", "_platform",
                 "_node_prepare.probe", "_node_prepare.plan", "_node_prepare.state", "_node_prepare.edit",
                 "_node_prepare.files", "_node_prepare.image", "_node_prepare.engine", "_node_prepare.remote"):
        assert bundle[MU + "." + name][0] is False, name
    for package in ("ansible_collections", "ansible_collections.pdserve", MU, MU + "._runner", MU + "._node_prepare"):
        assert bundle[package][0] is True, package
    assert not any(name.startswith("ansible.") for name in bundle)
    assert MU + "._kube" not in bundle  # only what the probe imports


def test_a_runner_that_imports_ansible_is_refused():
    with pytest.raises(ImportError, match="imports ansible.module_utils"):
        _remote.sources("ansible_collections.pdserve.cluster.plugins.module_utils._runner.module")


@pytest.fixture
def node(tmp_path):
    (tmp_path / "proc/sys/kernel/random").mkdir(parents=True)
    (tmp_path / "proc/sys/kernel/osrelease").write_text("6.1.0-18-amd64\n")
    (tmp_path / "proc/sys/kernel/random/entropy_avail").write_text("256\n")
    (tmp_path / "proc/swaps").write_text("Filename Type Size Used Priority\n/swapfile file 1 0 -2\n")
    (tmp_path / "config.yaml").write_text("kind: KubeletConfiguration\n"
                                          "containerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n")
    (tmp_path / "weights").mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    smi = bin_dir / "npu-smi"
    smi.write_text("#!/bin/sh\nexit 1\n")
    smi.chmod(0o755)
    return tmp_path


def probe_params(node):
    spec = runner.argspec()
    params = {name: option.get("default") for name, option in spec.items()}
    params.update(kubelet_config_path=str(node / "config.yaml"), kubeadm_flags_path=str(node / "absent.env"),
                  proc_path=str(node / "proc"), fstab_path=str(node / "fstab"), haveged_path=str(node / "haveged"),
                  kubelet_settings={"syncFrequency": "5s"}, weight_mount_path=str(node / "weights"),
                  state_path=str(node / "state.json"), npu_check=True, npu_smi_path=str(node / "bin/npu-smi"),
                  hccn_tool_path=str(node / "bin/absent"), stop=True)
    return params


def run_program(text, interpreter=sys.executable):
    proc = subprocess.run(_remote.command(interpreter), shell=True, input=text.encode("utf-8"), capture_output=True,
                          check=False)
    return _remote.parse(proc.returncode, proc.stdout.decode(), proc.stderr.decode(), interpreter)


def test_the_node_runs_the_probe_as_the_runner_does_in_process(node):
    params = probe_params(node)
    program = _remote.Program(runner.__name__)
    result = run_program(program.text(params))
    assert result == json.loads(json.dumps(runner.execute(params, remote.run_command, remote.get_bin_path)))
    assert result["runtime"]["name"] == "containerd"
    assert result["swap"]["active"] == ["/swapfile"] and "swap" in result["todo"]
    assert result["npu_error"].startswith("%s: not found" % (node / "bin/absent"))
    assert runner.stop(params, result) == result["npu_error"]


def test_a_node_without_the_interpreter_or_with_a_broken_program_says_so(node):
    failed = run_program("print('x')", interpreter=str(node / "no-python"))
    assert failed["failed"] is True and "was not found on the node" in failed["msg"]
    failed = run_program("raise SystemExit('broken')")
    assert failed["failed"] is True and failed["msg"].endswith("broken") and failed["rc"] == 1


def test_the_program_is_python_3_7_grammar():
    # a node's interpreter may be older than the controller's; ansible-core 2.19's module floor is 3.8
    import ast

    for name, (_package, source) in _remote.sources(runner.__name__, _remote.REMOTE).items():
        ast.parse(source, name, feature_version=(3, 7))
    ast.parse(_remote.Program(runner.__name__).text({"x": 1}), "program", feature_version=(3, 7))
