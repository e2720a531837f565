# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of node_prepare's undo: recording originals on the forward path and reset's plan.

The round trips run the probe the way the role does (forward, write what it computed, run again),
then reset's plan, on files in a temporary directory, and compare bytes with the originals.
"""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import edit as np_edit
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import plan as np_plan
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import probe as np_probe
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import state as np_state

UNRELATED_KUBELET = """# managed by hand on this node: keep the comments
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock
evictionHard:
  memory.available: "500Mi"
syncFrequency: 1m0s   # upstream default
maxPods: 220
"""

CONTAINERD_KUBELET = """kind: KubeletConfiguration
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
containerLogMaxSize: 10Mi
syncFrequency:
  0s
maxPods: 110"""  # no final newline: the role adds one before appending, reset takes it away again

UNRELATED_DAEMON_JSON = """{
    "data-root": "/data/docker",
    "exec-opts": ["native.cgroupdriver=systemd"],
    "log-opts": {"max-size": "100m", "labels": "app"},
    "runtimes": {"ascend": {"path": "/usr/local/bin/ascend", "runtimeArgs": []}}
}
"""

FSTAB = "UUID=1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n"
DROPIN = "[Service]\nExecStart=\nExecStart=/usr/sbin/haveged -w 4096\n"
CONCERNS = ["images", "npu_network", "entropy", "kubelet", "container_logs", "weights", "labels"]


class Node:
    """A node's files under tmp_path and the role's forward and reset steps on them."""

    def __init__(self, tmp_path, kubelet, daemon_json=None, fstab=FSTAB, swaps="", haveged=False):
        self.root = tmp_path
        (tmp_path / "proc/sys/kernel/random").mkdir(parents=True)
        (tmp_path / "proc/sys/kernel/osrelease").write_text("6.1.0\n")
        (tmp_path / "proc/sys/kernel/random/entropy_avail").write_text("256\n")
        (tmp_path / "proc/swaps").write_text("Filename Type Size Used Priority\n" + swaps)
        self.kubelet = tmp_path / "config.yaml"
        self.kubelet.write_text(kubelet)
        self.daemon = tmp_path / "docker/daemon.json"
        if daemon_json is not None:
            self.daemon.parent.mkdir()
            self.daemon.write_text(daemon_json)
        self.fstab = tmp_path / "fstab"
        self.fstab.write_text(fstab)
        self.haveged = tmp_path / "haveged"
        if haveged:
            self.haveged.write_text("")
        self.dropin = tmp_path / "haveged.service.d/pdserve.conf"
        self.state = tmp_path / "pdserve/node_prepare.json"
        self.labels = {"kubernetes.io/hostname": "a2-node-1"}

    def params(self, concerns=None, **over):
        params = {
            "container_runtime": "auto", "kubelet_config_path": str(self.kubelet),
            "kubeadm_flags_path": str(self.root / "none.env"), "docker_daemon_json_path": str(self.daemon),
            "proc_path": str(self.root / "proc"), "fstab_path": str(self.fstab), "haveged_path": str(self.haveged),
            "kubelet_settings": {"syncFrequency": "5s"},
            "kubelet_containerd_settings": {"containerLogMaxSize": "500Mi", "containerLogMaxFiles": 3},
            "docker_log_opts": {"max-size": "500m", "max-file": "3"},
            "weight_mount_path": "", "model_dir": "", "model_required_files": [], "forbidden_paths": [],
            "forbidden_trees": [], "check_dirs": [], "files": {str(self.dropin): DROPIN},
            "services": ["haveged.service"], "image_name": "", "namespace": "k8s.io", "ctr_path": "ctr",
            "docker_path": "docker", "state_path": str(self.state), "concerns": concerns or CONCERNS,
            "swap_off": True, "labels": {"hardware-type": "800I-A2-64G"}, "node_labels": dict(self.labels),
            "node_name": "a2-node-1",
        }
        params.update(over)
        return params

    def prepare(self, **over):
        """What the role's forward path does with the probe's result. Returns the result."""
        result = np_probe.probe(self.params(**over))
        if result["state"]["needs_write"]:
            self.state.parent.mkdir(exist_ok=True)
            self.state.write_text(result["state"]["new_content"])
        if result["kubelet_config"]["needs_write"]:
            self.kubelet.write_text(result["kubelet_config"]["new_content"])
        if result["docker_daemon_json"]["needs_write"]:
            self.daemon.parent.mkdir(exist_ok=True)
            self.daemon.write_text(result["docker_daemon_json"]["new_content"])
        for entry in result["swap"]["fstab_entries"]:  # the role's replace task
            self.fstab.write_text(self.fstab.read_text().replace(entry + "\n", "# " + entry + np_edit.FSTAB_MARK + "\n"))
        if result["files_differ"].get(str(self.dropin)):
            self.dropin.parent.mkdir(exist_ok=True)
            self.dropin.write_text(DROPIN)
        self.haveged.write_text("")
        self.labels.update(over.get("labels", {"hardware-type": "800I-A2-64G"}))
        return result

    def reset(self, concerns=None):
        """What the role's reset does with the plan. Returns the plan."""
        plan = np_plan.reset_plan({"state_path": str(self.state), "concerns": concerns or CONCERNS,
                                   "haveged_path": str(self.haveged)})
        for name, path in (("kubelet_config", self.kubelet), ("docker_daemon_json", self.daemon),
                           ("fstab", self.fstab)):
            if plan[name]["needs_write"]:
                path.write_text(plan[name]["new_content"])
        if plan["docker_daemon_json"]["remove"]:
            self.daemon.unlink()
        if plan["docker_daemon_json"]["remove_dir"]:
            os.rmdir(plan["docker_daemon_json"]["remove_dir"])
        dropin = plan["haveged"]["dropin"]
        if dropin["action"] == "remove":
            self.dropin.unlink()
        elif dropin["action"] == "restore":
            self.dropin.write_text(dropin["content"])
        if dropin["remove_dir"]:
            os.rmdir(dropin["remove_dir"])
        if plan["haveged"]["installed_by_role"]:
            self.haveged.unlink()
        if plan["state"]["remove"] and plan["recorded"]:
            self.state.unlink()
        if plan["state"]["needs_write"]:
            self.state.write_text(plan["state"]["new_content"])
        if plan["state"]["remove_dir"]:
            os.rmdir(plan["state"]["remove_dir"])
        return plan

    def snapshot(self):
        return {str(p.relative_to(self.root)): p.read_bytes() for p in self.root.rglob("*")
                if p.is_file() and "proc" not in p.parts}


# --- round trips: prepare, prepare again, reset, reset again -----------------------------------

@pytest.mark.parametrize("kubelet,daemon_json", [
    (UNRELATED_KUBELET, UNRELATED_DAEMON_JSON),   # Docker node, every unrelated key and comment
    (UNRELATED_KUBELET, None),                     # Docker node without daemon.json: created, then removed
    (CONTAINERD_KUBELET, None),                    # containerd: containerLog* in the kubelet config
])
def test_reset_restores_every_byte(tmp_path, kubelet, daemon_json):
    node = Node(tmp_path, kubelet, daemon_json, swaps="/swapfile file 1 0 -2\n")
    before = node.snapshot()
    first = node.prepare()
    assert first["state"]["needs_write"]
    assert node.state.is_file() and json.loads(node.state.read_text())["version"] == np_state.STATE_VERSION
    assert node.snapshot() != before
    second = node.prepare()
    assert second["state"]["needs_write"] is False  # idempotent: nothing new to record
    plan = node.reset()
    assert plan["recorded"] is True
    after = node.snapshot()
    assert after == {k: v for k, v in before.items()}, "reset left differences"
    assert not node.state.parent.exists()  # the role created it, reset removed it
    assert plan["labels"] == {"node": "a2-node-1", "set": {"hardware-type": "800I-A2-64G"},
                              "before": {"hardware-type": None}}
    again = node.reset()
    assert again["recorded"] is False
    assert "nothing to undo" in again["notes"][0]
    assert node.snapshot() == after


def test_reset_plan_names_the_kubelet_keys_and_the_fstab_lines(tmp_path):
    node = Node(tmp_path, CONTAINERD_KUBELET)
    node.prepare()
    plan = np_plan.reset_plan({"state_path": str(node.state), "concerns": CONCERNS, "haveged_path": str(node.haveged)})
    assert sorted(plan["kubelet_config"]["restored_keys"]) == ["containerLogMaxFiles", "containerLogMaxSize", "syncFrequency"]
    assert plan["kubelet_config"]["new_content"] == CONTAINERD_KUBELET
    assert plan["fstab"]["restored_lines"] == ["/swapfile none swap sw 0 0"]
    assert plan["haveged"]["installed_by_role"] is True
    assert plan["haveged"]["dropin"]["action"] == "remove"
    assert plan["docker_daemon_json"]["needs_write"] is False and plan["docker_daemon_json"]["remove"] is False


def test_an_original_once_recorded_is_never_overwritten(tmp_path):
    node = Node(tmp_path, UNRELATED_KUBELET, UNRELATED_DAEMON_JSON, haveged=True)
    node.prepare()
    node.prepare(kubelet_settings={"syncFrequency": "10s"}, docker_log_opts={"max-size": "1g", "max-file": "3"})
    state = json.loads(node.state.read_text())
    assert state["kubelet_config"]["keys"]["syncFrequency"]["lines"] == ["syncFrequency: 1m0s   # upstream default\n"]
    assert state["kubelet_config"]["keys"]["syncFrequency"]["set"] == "10s"
    assert state["docker_daemon_json"]["original_text"] == UNRELATED_DAEMON_JSON
    assert state["docker_daemon_json"]["keys"]["max-size"] == {"present": True, "value": "100m"}
    assert state["haveged"]["installed_by_role"] is False  # it was there before
    node.reset()
    assert node.kubelet.read_text() == UNRELATED_KUBELET
    assert node.daemon.read_text() == UNRELATED_DAEMON_JSON
    assert node.haveged.exists()


def test_state_is_not_written_when_nothing_changes(tmp_path):
    node = Node(tmp_path, "syncFrequency: 5s\ncontainerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock\n",
                '{"log-opts": {"max-file": "3", "max-size": "500m"}}\n', fstab="", haveged=True)
    node.dropin.parent.mkdir()
    node.dropin.write_text(DROPIN)
    result = np_probe.probe(node.params(labels={}, services=[]))
    assert result["state"] == {"path": str(node.state), "needs_write": False, "new_content": None,
                               "parent_exists": False, "problems": []}


def test_a_hand_edit_after_prepare_wins_over_reset(tmp_path):
    node = Node(tmp_path, UNRELATED_KUBELET, UNRELATED_DAEMON_JSON)
    node.prepare()
    node.kubelet.write_text(node.kubelet.read_text().replace("syncFrequency: 5s", "syncFrequency: 30s"))
    daemon = json.loads(node.daemon.read_text())
    daemon["log-opts"]["max-size"] = "2g"
    daemon["debug"] = True
    node.daemon.write_text(json.dumps(daemon, indent=4) + "\n")
    plan = node.reset()
    assert plan["kubelet_config"]["kept_keys"] == ["syncFrequency"] and not plan["kubelet_config"]["needs_write"]
    assert "syncFrequency: 30s" in node.kubelet.read_text()
    assert plan["docker_daemon_json"]["kept_keys"] == ["max-size"]
    assert plan["docker_daemon_json"]["restored_keys"] == ["max-file"]
    assert json.loads(node.daemon.read_text())["log-opts"] == {"max-size": "2g", "labels": "app"}
    assert json.loads(node.daemon.read_text())["debug"] is True
    assert any("changed since" in note for note in plan["notes"])


def test_reset_of_some_concerns_keeps_the_record_of_the_others(tmp_path):
    node = Node(tmp_path, CONTAINERD_KUBELET)
    node.prepare()
    plan = node.reset(concerns=["kubelet"])
    assert plan["kubelet_config"]["restored_keys"] == ["syncFrequency"]
    assert plan["haveged"]["recorded"] is False
    state = json.loads(node.state.read_text())
    assert sorted(state["kubelet_config"]["keys"]) == ["containerLogMaxFiles", "containerLogMaxSize"]
    assert "fstab" not in state and "haveged" in state and "labels" in state
    node.reset()
    assert node.kubelet.read_text() == CONTAINERD_KUBELET
    assert not node.state.exists()


def test_reset_refuses_a_state_file_that_is_not_ours(tmp_path):
    (tmp_path / "state.json").write_text('{"version": 99}')
    plan = np_plan.reset_plan({"state_path": str(tmp_path / "state.json"), "concerns": CONCERNS,
                               "haveged_path": str(tmp_path / "haveged")})
    assert plan["recorded"] is False and "not a node_prepare state file" in plan["problems"][0]


def test_prepare_reports_a_state_file_that_is_not_ours(tmp_path):
    node = Node(tmp_path, UNRELATED_KUBELET)
    node.state.parent.mkdir()
    node.state.write_text("[]")
    assert "move it away" in np_probe.probe(node.params())["problems"]["state"][0]


# --- the pieces ------------------------------------------------------------------------------

def test_record_changes_images_and_labels_only_when_they_change():
    result = {"kubelet_config": {"needs_write": False}, "docker_daemon_json": {"needs_write": False},
              "swap": {"active": [], "fstab_entries": []}, "haveged_installed": True, "services": {},
              "files_differ": {}, "image_present": False, "runtime": {"name": "containerd"}}
    params = {"concerns": CONCERNS, "swap_off": True, "services": [], "files": {}, "image_name": "mindie:1",
              "namespace": "k8s.io", "labels": {"hardware-type": "A2", "zone": "z1"},
              "node_labels": {"zone": "z1", "hardware-type": "old"}, "node_name": "n1"}
    state = np_state.record_changes({}, params, result)
    assert state["images"] == {"runtime": "containerd", "namespace": "k8s.io", "refs": ["docker.io/library/mindie:1"]}
    assert state["labels"] == {"node": "n1", "keys": {"hardware-type": {"before": "old", "set": "A2"}}}
    assert np_state.record_changes({}, dict(params, node_labels=None, image_name=""), result) == {}
    assert np_state.record_changes({}, dict(params, concerns=["kubelet"]), result) == {}
    assert np_state.record_changes({}, params, dict(result, image_present=None)).get("images") is None


def test_record_changes_haveged_service_state_before(tmp_path):
    result = {"kubelet_config": {"needs_write": False}, "docker_daemon_json": {"needs_write": False},
              "swap": {"active": [], "fstab_entries": []}, "haveged_installed": True,
              "services": {"haveged.service": {"enabled": True, "active": False}},
              "files_differ": {}, "image_present": None, "runtime": {"name": "docker"}}
    params = {"concerns": ["entropy"], "swap_off": True, "services": ["haveged.service"], "files": {},
              "image_name": "", "labels": {}, "node_labels": None}
    assert np_state.record_changes({}, params, result)["haveged"] == {
        "installed_by_role": False, "service": "haveged.service",
        "service_before": {"enabled": True, "active": False}}


def test_restore_fstab_only_the_lines_node_prepare_commented():
    text = ("# /swapfile none swap sw 0 0" + np_edit.FSTAB_MARK + "\n# /old none swap sw 0 0\n"
            "# /other none swap sw 0 0" + np_edit.FSTAB_MARK + "\n")
    new, restored = np_edit.restore_fstab(text, ["/swapfile none swap sw 0 0"])
    assert restored == ["/swapfile none swap sw 0 0"]
    assert new == ("/swapfile none swap sw 0 0\n# /old none swap sw 0 0\n# /other none swap sw 0 0"
                   + np_edit.FSTAB_MARK + "\n")


def test_restore_top_level_keys_json_config():
    original = '{"kind": "KubeletConfiguration", "syncFrequency": "1m"}'
    new, changed = np_edit.set_top_level_keys(original, {"syncFrequency": "5s", "containerLogMaxFiles": 3})
    section = np_state.record_kubelet(None, "/k", original, new, changed, {"syncFrequency": "5s", "containerLogMaxFiles": 3})
    assert np_edit.restore_top_level_keys(new, section, changed) == (original, changed, [])
    edited = json.dumps(dict(json.loads(new), maxPods=10))
    text, restored, kept = np_edit.restore_top_level_keys(edited, section, changed)
    assert json.loads(text) == {"kind": "KubeletConfiguration", "syncFrequency": "1m", "maxPods": 10}
    assert (restored, kept) == (changed, [])


def test_restore_log_opts_removes_the_key_it_added_and_keeps_an_empty_object_that_was_there():
    section = {"original_text": '{"log-opts": {}}', "written_text": "x", "log_opts_present": True,
               "keys": {"max-size": {"present": False, "value": None}}, "set": {"max-size": "500m"}}
    text, restored, kept = np_edit.restore_log_opts('{\n  "log-opts": {"max-size": "500m"},\n  "debug": true\n}\n', section)
    assert json.loads(text) == {"log-opts": {}, "debug": True}
    assert (restored, kept) == (["max-size"], [])
