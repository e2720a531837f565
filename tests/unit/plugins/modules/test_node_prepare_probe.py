# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the pdserve.cluster.node_prepare_probe module (files in a temporary directory)."""

from __future__ import annotations

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.pdserve.cluster.plugins.modules import node_prepare_probe


class Exit(Exception):
    pass


class Fail(Exception):
    pass


@pytest.fixture(autouse=True)
def patched(monkeypatch):
    def exit_json(self, **kwargs):
        raise Exit(kwargs)

    def fail_json(self, **kwargs):
        raise Fail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: None)


def run(args):
    with patch_module_args(args), pytest.raises(Exit) as exc:
        node_prepare_probe.main()
    return exc.value.args[0]


@pytest.fixture
def node(tmp_path):
    (tmp_path / "proc/sys/kernel/random").mkdir(parents=True)
    (tmp_path / "proc/sys/kernel/osrelease").write_text("5.10.0-28-amd64\n")
    (tmp_path / "proc/sys/kernel/random/entropy_avail").write_text("3968\n")
    (tmp_path / "proc/swaps").write_text("Filename Type Size Used Priority\n")
    (tmp_path / "config.yaml").write_text("kind: KubeletConfiguration\n"
                                          "containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock\n")
    (tmp_path / "daemon.json").write_text(json.dumps({"data-root": "/data/docker"}))
    (tmp_path / "weights").mkdir()
    return tmp_path


def base_args(node):
    return {
        "kubelet_config_path": str(node / "config.yaml"),
        "kubeadm_flags_path": str(node / "absent.env"),
        "docker_daemon_json_path": str(node / "daemon.json"),
        "proc_path": str(node / "proc"),
        "fstab_path": str(node / "fstab"),
        "haveged_path": str(node / "haveged"),
        "kubelet_settings": {"syncFrequency": "5s"},
        "kubelet_containerd_settings": {"containerLogMaxSize": "500Mi"},
        "docker_log_opts": {"max-size": "500m", "max-file": "3"},
        "weight_mount_path": str(node / "weights"),
        "files": {str(node / "dropin.conf"): "x\n"},
        "check_dirs": [str(node), str(node / "none")],
    }


def test_probe_docker_node(node):
    result = run(base_args(node))
    assert result["changed"] is False
    assert result["runtime"] == {"name": "docker", "source": "kubelet config containerRuntimeEndpoint"}
    assert result["kernel"] == {"release": "5.10.0-28-amd64", "entropy_constant": False}
    assert result["entropy_avail"] == 3968
    assert result["haveged_installed"] is False
    assert result["kubelet_config"]["needs_write"] is True
    assert result["kubelet_config"]["changed_keys"] == ["syncFrequency"]  # no containerLog* on Docker nodes
    assert result["docker_daemon_json"]["needs_write"] is True
    assert json.loads(result["docker_daemon_json"]["new_content"]) == {
        "data-root": "/data/docker", "log-opts": {"max-size": "500m", "max-file": "3"}}
    assert result["weights"]["problems"] == []
    assert result["files_differ"] == {str(node / "dropin.conf"): True}
    assert result["dirs"] == {str(node): True, str(node / "none"): False}
    assert result["services"] == {} and result["image_present"] is None
    assert result["problems"] == {"runtime": [], "kubelet": [], "container_logs": [], "gpu": [], "weights": [], "engine": [],
                                  "state": []}
    assert result["gpu_runtime"]["needs_write"] is False  # node_prepare_gpu_runtime off by default
    assert result["state"]["needs_write"] is False  # no state_path: nothing recorded
    # no systemctl (services {}) and a kernel before 5.18: haveged to start, the entropy to read
    assert result["todo"] == ["haveged", "entropy reading", "kubelet config", "docker log-opts"]


def test_probe_containerd_node_gets_kubelet_log_limits_and_no_daemon_json(node):
    args = dict(base_args(node), container_runtime="containerd")
    result = run(args)
    assert result["kubelet_config"]["changed_keys"] == ["syncFrequency", "containerLogMaxSize"]
    assert result["docker_daemon_json"]["needs_write"] is False


def test_probe_reports_every_problem(node):
    (node / "daemon.json").write_text("{broken")
    (node / "config.yaml").unlink()
    args = dict(base_args(node), container_runtime="docker", weight_mount_path=str(node / "missing"))
    problems = run(args)["problems"]
    assert "is missing or unreadable" in problems["kubelet"][0]
    assert "is not valid" in problems["container_logs"][0]
    assert "does not exist on the node" in problems["weights"][0]


def test_probe_records_the_originals_it_is_about_to_change(node):
    state = node / "pdserve/node_prepare.json"
    args = dict(base_args(node), state_path=str(state), labels={"hardware-type": "A2"},
                node_labels={"hardware-type": "old"}, node_name="a2-node-1")
    result = run(args)
    assert result["state"]["needs_write"] is True and result["state"]["parent_exists"] is False
    recorded = json.loads(result["state"]["new_content"])
    assert recorded["kubelet_config"]["keys"]["syncFrequency"] == {"present": False, "lines": [], "set": "5s"}
    assert recorded["docker_daemon_json"]["original_text"] == json.dumps({"data-root": "/data/docker"})
    assert recorded["haveged"]["installed_by_role"] is True
    assert recorded["labels"]["keys"] == {"hardware-type": {"before": "old", "set": "A2"}}
    assert recorded["state_dir_created"] is True


def test_probe_reset_mode_without_a_record_changes_nothing(node):
    result = run({"mode": "reset", "state_path": str(node / "none.json")})
    assert result["changed"] is False
    reset = result["reset"]
    assert reset["recorded"] is False and "nothing to undo" in reset["notes"][0]
    assert not reset["kubelet_config"]["needs_write"] and not reset["docker_daemon_json"]["remove"]
    assert reset["state"]["remove"] is False
    assert "runtime" not in result  # the forward probe does not run in reset mode


def test_probe_reset_mode_restores_what_was_recorded(node):
    state = node / "node_prepare.json"
    original = (node / "config.yaml").read_text()
    forward = run(dict(base_args(node), state_path=str(state)))
    state.write_text(forward["state"]["new_content"])
    (node / "config.yaml").write_text(forward["kubelet_config"]["new_content"])
    reset = run({"mode": "reset", "state_path": str(state), "concerns": ["kubelet"]})["reset"]
    assert reset["recorded"] is True
    assert reset["kubelet_config"]["new_content"] == original
    assert reset["kubelet_config"]["restored_keys"] == ["syncFrequency"]
    assert reset["docker_daemon_json"]["needs_write"] is False  # container_logs not in this reset
    assert reset["state"]["needs_write"] is True  # the rest stays recorded
    assert "docker_daemon_json" in json.loads(reset["state"]["new_content"])


TOOLS = __import__("pathlib").Path(__file__).resolve().parents[3] / "fixtures" / "npu_tools"


def test_probe_with_npu_check_returns_what_npu_facts_returns(node, monkeypatch):
    from _harness import run_main
    from ansible_collections.pdserve.cluster.plugins.modules import npu_facts

    monkeypatch.setenv("PDSERVE_NPU_RECORDING", str(TOOLS / "recorded" / "a2_link_down"))
    tools = dict(npu_smi_path=str(TOOLS / "bin" / "npu-smi"), hccn_tool_path=str(TOOLS / "bin" / "hccn_tool"),
                 hccn_conf_path=str(TOOLS / "recorded" / "a2_link_down" / "hccn.conf"))
    alone = run_main(npu_facts.main, tools, Exit)
    result = run(dict(base_args(node), npu_check=True, **tools))
    assert result["ansible_facts"] == {"npu": alone["npu"]}
    assert "npu" not in result  # once, as the fact the role reads: the result travels back per node
    assert result["ansible_facts"]["npu"]["problems"][0] == "device 3: link is down"
    assert "ansible_facts" not in run(dict(base_args(node), **tools))  # npu_check off: not read


def test_probe_reports_a_missing_npu_tool_instead_of_failing(node):
    result = run(dict(base_args(node), npu_check=True, npu_smi_path=str(node / "no-npu-smi")))
    assert result["npu_error"] == "%s: not found or not executable" % (node / "no-npu-smi")
    assert "npu" not in result and "ansible_facts" not in result


def test_probe_checks_the_engine_pods_host_paths_and_model(node):
    (node / "models/qwen").mkdir(parents=True)
    (node / "models/qwen/config.json").write_text(json.dumps({"hidden_size": 1536, "num_attention_heads": 12}))
    (node / "hccn.conf").write_text("address_0=29.10.1.1\n")
    args = dict(base_args(node), node_name="npu-node-1",
                engine_host_paths=[{"name": "model", "path": str(node / "models"), "type": "Directory"},
                                   {"name": "hccn-conf", "path": str(node / "hccn.conf"), "type": "File"},
                                   {"name": "hccn-tool", "path": str(node / "hccn_tool"), "type": "File"}],
                engine_model_path=str(node / "models/qwen"))
    result = run(args)
    assert result["problems"]["engine"] == [
        "npu-node-1: %s: does not exist: the engine pods mount it (hostPath of volume hccn-tool (type File))"
        % (node / "hccn_tool"),
        'npu-node-1: %s: lacks "head_dim": add "head_dim": 128 (head_dim = hidden_size / num_attention_heads'
        ' = 1536 / 12)' % (node / "models/qwen/config.json"),
    ]


def prepared(node):
    """A Docker node on a 6.1 kernel as node_prepare leaves it: what base_args asks for is there."""
    (node / "proc/sys/kernel/osrelease").write_text("6.1.0-18-amd64\n")
    (node / "config.yaml").write_text("kind: KubeletConfiguration\n"
                                      "containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock\n"
                                      "syncFrequency: 5s\n")
    (node / "daemon.json").write_text(json.dumps({"data-root": "/data/docker",
                                                  "log-opts": {"max-size": "500m", "max-file": "3"}}))
    (node / "dropin.conf").write_text("x\n")
    (node / "haveged").write_text("")
    return dict(base_args(node), check_dirs=[str(node)])


def test_probe_todo_is_empty_on_a_prepared_node(node):
    assert run(prepared(node))["todo"] == []


@pytest.mark.parametrize("change, args, todo", [
    (lambda node: (node / "haveged").unlink(), {}, ["haveged"]),
    (lambda node: (node / "dropin.conf").write_text("old\n"), {}, ["haveged"]),
    (lambda node: None, {"check_dirs": ["/nonexistent-dir"]}, ["haveged"]),
    (lambda node: (node / "proc/sys/kernel/osrelease").write_text("5.10.0\n"), {}, ["entropy reading"]),
    (lambda node: (node / "config.yaml").write_text("syncFrequency: 0s\n"), {"container_runtime": "docker"},
     ["kubelet config"]),
    (lambda node: (node / "proc/swaps").write_text("Filename Type\n/swapfile file\n"), {}, ["swap"]),
    (lambda node: (node / "fstab").write_text("/swapfile none swap sw 0 0\n"), {}, ["swap"]),
    (lambda node: (node / "daemon.json").write_text("{}"), {}, ["docker log-opts"]),
    (lambda node: None, {"image_name": "busybox:1"}, ["image"]),  # no docker CLI: not known to be there
    (lambda node: None, {"labels": {"hardware-type": "A2"}}, ["labels"]),  # the Node was not read
    (lambda node: None, {"labels": {"hardware-type": "A2"}, "node_labels": {"hardware-type": "A3"}}, ["labels"]),
    (lambda node: None, {"labels": {"hardware-type": "A2"}, "node_labels": {"hardware-type": "A2"}}, []),
    (lambda node: None, {"state_path": "/nonexistent-dir/state.json", "labels": {"hardware-type": "A2"},
                         "node_labels": {}, "node_name": "n1"}, ["state file", "labels"]),
])
def test_probe_todo_names_each_change_the_role_makes(node, change, args, todo):
    base = prepared(node)
    change(node)
    assert run(dict(base, **args))["todo"] == todo


@pytest.mark.parametrize("concerns", [["images"], ["npu_network"], ["kubelet", "container_logs"]])
def test_probe_todo_leaves_out_the_concerns_not_on(node, concerns):
    """A run limited by tags (the role passes the concerns on): only their changes count."""
    args = dict(prepared(node), concerns=concerns)
    (node / "haveged").unlink()  # an entropy change
    (node / "proc/swaps").write_text("Filename Type\n/swapfile file\n")  # a kubelet one
    if "kubelet" not in concerns:
        args.update(kubelet_settings={}, kubelet_containerd_settings={})
    if "container_logs" not in concerns:
        args.update(docker_log_opts={})
    assert run(args)["todo"] == (["swap"] if "kubelet" in concerns else [])
