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
    assert result["problems"] == {"runtime": [], "kubelet": [], "container_logs": [], "weights": []}


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
