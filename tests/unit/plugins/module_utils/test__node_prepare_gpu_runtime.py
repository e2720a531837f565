# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of node_prepare's NVIDIA runtime (node_prepare_gpu_runtime): the config edits, the
refusals before any write, and the round trip forward -> again (no change) -> reset (the original
bytes back). The inputs are hand-written in the shape `containerd config default` (1.7 / 2.x) and
Docker print, the expected outputs written by hand from what `nvidia-ctk runtime configure` sets
(NVIDIA/nvidia-container-toolkit pkg/config/engine/containerd/config.go, docker/docker.go)."""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import edit as np_edit
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import plan as np_plan
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import probe as np_probe

# containerd 1.7's `containerd config default`, abridged: the same text the node_prepare scenario's
# test roots start from (tests/node_roots/make_root.py).
_MAKE_ROOT = importlib.util.spec_from_file_location(
    "make_root", pathlib.Path(__file__).resolve().parents[3] / "node_roots" / "make_root.py")
make_root = importlib.util.module_from_spec(_MAKE_ROOT)
_MAKE_ROOT.loader.exec_module(make_root)
CONTAINERD_V2 = make_root.CONTAINERD_CONFIG

CONTAINERD_V2_NVIDIA = CONTAINERD_V2 + """
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]
          runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
            SystemdCgroup = true
  BinaryName = "/usr/bin/nvidia-container-runtime"
"""

CONTAINERD_V3 = """version = 3

[plugins."io.containerd.cri.v1.runtime".containerd]
  default_runtime_name = "runc"
"""

DAEMON_JSON = """{
    "exec-opts": ["native.cgroupdriver=systemd"],
    "runtimes": {"ascend": {"path": "/usr/local/bin/ascend"}}
}
"""

BINARY = "/usr/bin/nvidia-container-runtime"


# --- containerd config.toml -----------------------------------------------------------------

def test_containerd_v2_gets_the_nvidia_runtime_with_runc_settings_copied():
    text, changed = np_edit.set_containerd_runtime(CONTAINERD_V2, "nvidia", BINARY, False)
    assert changed == ["runtime"]
    assert text == CONTAINERD_V2_NVIDIA


def test_containerd_already_configured_is_unchanged():
    assert np_edit.set_containerd_runtime(CONTAINERD_V2_NVIDIA, "nvidia", BINARY, False) == (CONTAINERD_V2_NVIDIA, [])


def test_containerd_default_runtime_replaces_the_value_only():
    text, changed = np_edit.set_containerd_runtime(CONTAINERD_V2_NVIDIA, "nvidia", BINARY, True)
    assert changed == ["default_runtime_name"]
    assert text == CONTAINERD_V2_NVIDIA.replace('default_runtime_name = "runc"', 'default_runtime_name = "nvidia"')
    assert np_edit.set_containerd_runtime(text, "nvidia", BINARY, True) == (text, [])


def test_containerd_v3_uses_the_cri_runtime_plugin_and_adds_runtime_type():
    text, changed = np_edit.set_containerd_runtime(CONTAINERD_V3, "nvidia", BINARY, False)
    assert changed == ["runtime"]
    assert text == CONTAINERD_V3 + (
        '\n[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.nvidia]\n'
        '  runtime_type = "io.containerd.runc.v2"\n'
        '\n[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.nvidia.options]\n'
        '  BinaryName = "/usr/bin/nvidia-container-runtime"\n')


def test_containerd_default_table_missing_is_appended():
    text, changed = np_edit.set_containerd_runtime('version = 2\n', "nvidia", BINARY, True)
    assert changed == ["runtime", "default_runtime_name"]
    assert text.endswith('\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "nvidia"\n')


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ('[plugins.cri]\n', "version 1"),
    (CONTAINERD_V2_NVIDIA.replace(BINARY, "/opt/other-runtime"), "already runs /opt/other-runtime"),
])
def test_containerd_refusals(text, message):
    with pytest.raises(ValueError, match=message):
        np_edit.set_containerd_runtime(text, "nvidia", BINARY, False)


# --- Docker daemon.json ---------------------------------------------------------------------

def test_docker_gets_the_nvidia_runtime_and_keeps_every_other_key():
    text, changed = np_edit.set_docker_runtime(DAEMON_JSON, "nvidia", BINARY, True)
    assert changed == ["runtime", "default-runtime"]
    assert json.loads(text) == {"exec-opts": ["native.cgroupdriver=systemd"],
                                "runtimes": {"ascend": {"path": "/usr/local/bin/ascend"},
                                             "nvidia": {"path": BINARY, "args": []}},
                                "default-runtime": "nvidia"}
    assert text.startswith('{\n    "exec-opts"')  # the file's own indentation
    assert np_edit.set_docker_runtime(text, "nvidia", BINARY, True) == (text, [])


def test_docker_runtime_of_another_binary_is_refused():
    with pytest.raises(ValueError, match="already runs /opt/x"):
        np_edit.set_docker_runtime('{"runtimes": {"nvidia": {"path": "/opt/x"}}}', "nvidia", BINARY, False)


def test_docker_restore_takes_out_only_what_was_added():
    section = {"name": "nvidia", "binary": BINARY, "runtime_added": True, "runtimes_present": True,
               "default_before": {"present": False, "value": None}, "original_text": DAEMON_JSON,
               "written_text": None}
    later = json.loads(np_edit.set_docker_runtime(DAEMON_JSON, "nvidia", BINARY, True)[0])
    later["debug"] = True  # a hand edit since
    text, restored, kept = np_edit.restore_docker_runtime(json.dumps(later, indent=4), section)
    assert (restored, kept) == (["runtime", "default-runtime"], [])
    assert json.loads(text) == dict(json.loads(DAEMON_JSON), debug=True)


# --- the role's round trip: probe -> write -> probe -> reset plan -----------------------------

class Node:
    def __init__(self, tmp_path, runtime, config, binary=True):
        self.tmp = tmp_path
        self.runtime = runtime
        self.config = tmp_path / ("config.toml" if runtime == "containerd" else "docker/daemon.json")
        if config is not None:
            self.config.parent.mkdir(exist_ok=True)
            self.config.write_text(config)
        self.binary = tmp_path / "nvidia-container-runtime"
        if binary:
            self.binary.write_text("#!/bin/sh\n")
            os.chmod(self.binary, 0o755)
        self.state = tmp_path / "state/node_prepare.json"

    def params(self, concerns, **over):
        params = {"container_runtime": self.runtime, "kubelet_config_path": str(self.tmp / "none.yaml"),
                  "kubeadm_flags_path": str(self.tmp / "none.env"), "kubelet_settings": {},
                  "kubelet_containerd_settings": {}, "docker_daemon_json_path": str(self.tmp / "docker/daemon.json"),
                  "docker_log_opts": {"max-size": "500m", "max-file": "3"} if "container_logs" in concerns else {},
                  "weight_mount_path": "", "model_dir": "", "model_required_files": [], "forbidden_paths": [],
                  "forbidden_trees": [], "haveged_path": str(self.tmp / "haveged"), "proc_path": str(self.tmp / "proc"),
                  "fstab_path": str(self.tmp / "fstab"), "check_dirs": [], "files": {}, "services": [],
                  "image_name": "", "state_path": str(self.state), "concerns": concerns, "swap_off": False,
                  "labels": {}, "node_labels": None, "node_name": "gpu-1",
                  "gpu_runtime": True, "gpu_runtime_default": False, "nvidia_runtime_path": str(self.binary),
                  "containerd_config_path": str(self.tmp / "config.toml")}
        params.update(over)
        return params

    def prepare(self, concerns=("gpu",), **over):
        result = np_probe.probe(self.params(list(concerns), **over))
        if result["state"]["needs_write"]:
            self.state.parent.mkdir(exist_ok=True)
            self.state.write_text(result["state"]["new_content"])
        for name in ("docker_daemon_json", "gpu_runtime"):  # the role's order: container_logs, then gpu
            if result[name]["needs_write"]:
                self.config.parent.mkdir(exist_ok=True)
                self.config.write_text(result[name]["new_content"])
        return result

    def reset(self, concerns=("gpu",)):
        plan = np_plan.reset_plan({"state_path": str(self.state), "concerns": list(concerns),
                                   "haveged_path": str(self.tmp / "haveged")})
        for name in ("docker_daemon_json", "gpu_runtime"):
            if plan[name]["needs_write"]:
                self.config.write_text(plan[name]["new_content"])
            if plan[name]["remove"] and self.config.exists():
                self.config.unlink()
        if plan["state"]["remove"]:
            self.state.unlink()
        return plan


def test_containerd_round_trip_restores_the_original_bytes(tmp_path):
    node = Node(tmp_path, "containerd", CONTAINERD_V2)
    first = node.prepare(gpu_runtime_default=True)
    assert first["problems"]["gpu"] == []
    assert first["gpu_runtime"]["changed"] == ["runtime", "default_runtime_name"]
    assert node.config.read_text() == CONTAINERD_V2_NVIDIA.replace(
        '"runc"\n      snapshotter', '"nvidia"\n      snapshotter').replace(BINARY, str(node.binary))
    second = node.prepare(gpu_runtime_default=True)
    assert not second["gpu_runtime"]["needs_write"] and not second["state"]["needs_write"]
    plan = node.reset()
    assert plan["gpu_runtime"]["restored"] == ["runtime", "default_runtime_name"]
    assert node.config.read_text() == CONTAINERD_V2
    assert not node.state.exists()


def test_containerd_edited_since_is_left_as_it_is(tmp_path):
    node = Node(tmp_path, "containerd", CONTAINERD_V2)
    node.prepare()
    node.config.write_text(node.config.read_text() + "# a hand edit\n")
    plan = node.reset()
    assert plan["gpu_runtime"]["kept"] == ["runtime"] and not plan["gpu_runtime"]["needs_write"]
    assert any("changed since node_prepare" in note for note in plan["notes"])


def test_no_nvidia_container_runtime_refuses_before_any_write(tmp_path):
    node = Node(tmp_path, "containerd", CONTAINERD_V2, binary=False)
    result = node.prepare()
    assert len(result["problems"]["gpu"]) == 1
    assert "is not an executable file on the node" in result["problems"]["gpu"][0]
    assert not result["gpu_runtime"]["needs_write"] and not result["state"]["needs_write"]
    assert node.config.read_text() == CONTAINERD_V2


def test_docker_with_log_opts_one_text_and_reset_restores_the_original_bytes(tmp_path):
    node = Node(tmp_path, "docker", DAEMON_JSON)
    first = node.prepare(concerns=("gpu", "container_logs"))
    assert first["docker_daemon_json"]["new_content"] == first["gpu_runtime"]["new_content"]
    data = json.loads(node.config.read_text())
    assert data["runtimes"]["nvidia"] == {"path": str(node.binary), "args": []}
    assert data["log-opts"] == {"max-size": "500m", "max-file": "3"}
    second = node.prepare(concerns=("gpu", "container_logs"))
    assert not second["gpu_runtime"]["needs_write"] and not second["docker_daemon_json"]["needs_write"]
    assert not second["state"]["needs_write"]
    node.reset(concerns=("gpu", "container_logs"))
    assert node.config.read_text() == DAEMON_JSON  # byte for byte


def test_docker_gpu_only_reset_keeps_the_log_opts(tmp_path):
    node = Node(tmp_path, "docker", DAEMON_JSON)
    node.prepare(concerns=("gpu", "container_logs"))
    node.reset(concerns=("gpu",))
    data = json.loads(node.config.read_text())
    assert "nvidia" not in data["runtimes"] and data["log-opts"] == {"max-size": "500m", "max-file": "3"}


def test_docker_daemon_json_created_is_removed_again(tmp_path):
    node = Node(tmp_path, "docker", None)
    node.prepare()
    assert json.loads(node.config.read_text()) == {"runtimes": {"nvidia": {"path": str(node.binary), "args": []}}}
    plan = node.reset()
    assert plan["gpu_runtime"]["remove"] and not node.config.exists()
