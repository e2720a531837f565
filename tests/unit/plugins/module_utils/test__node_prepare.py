# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the node_prepare computations (file edits, runtime detection, weight checks)."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import edit as np_edit
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import files as np_files
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import image as np_image
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import probe as np_probe

KUBEADM = """apiVersion: kubelet.config.k8s.io/v1beta1
# a comment that must stay
authentication:
  anonymous:
    enabled: false
syncFrequency: 0s
kind: KubeletConfiguration
"""


# --- kubelet config: top-level keys only, every other line kept ------------------------------

def test_set_top_level_keys_replaces_one_line_and_appends_missing_keys():
    text, changed = np_edit.set_top_level_keys(KUBEADM, {"syncFrequency": "5s", "containerLogMaxFiles": 3})
    assert changed == ["syncFrequency", "containerLogMaxFiles"]
    assert text == KUBEADM.replace("syncFrequency: 0s", "syncFrequency: 5s") + "containerLogMaxFiles: 3\n"


def test_set_top_level_keys_leaves_equal_values_alone_even_quoted():
    text = 'syncFrequency: "5s"\ncontainerLogMaxFiles: 3   # three\n'
    assert np_edit.set_top_level_keys(text, {"syncFrequency": "5s", "containerLogMaxFiles": 3}) == (text, [])


def test_set_top_level_keys_ignores_nested_keys_of_the_same_name():
    text = "nested:\n  syncFrequency: 1m\n"
    new, changed = np_edit.set_top_level_keys(text, {"syncFrequency": "5s"})
    assert changed == ["syncFrequency"]
    assert new == text + "syncFrequency: 5s\n"


def test_set_top_level_keys_replaces_a_value_on_the_next_lines():
    assert np_edit.set_top_level_keys("syncFrequency:\n  1m0s\nmaxPods: 110\n", {"syncFrequency": "5s"})[0] == "syncFrequency: 5s\nmaxPods: 110\n"


def test_set_top_level_keys_adds_a_newline_before_appending():
    assert np_edit.set_top_level_keys("kind: KubeletConfiguration", {"syncFrequency": "5s"})[0] == (
        "kind: KubeletConfiguration\nsyncFrequency: 5s\n")


def test_set_top_level_keys_quotes_what_yaml_would_misread():
    assert np_edit.set_top_level_keys("", {"a": "x: y", "b": True})[0] == 'a: "x: y"\nb: true\n'


def test_set_top_level_keys_json_config():
    text = json.dumps({"kind": "KubeletConfiguration", "syncFrequency": "1m"})
    new, changed = np_edit.set_top_level_keys(text, {"syncFrequency": "5s"})
    assert changed == ["syncFrequency"]
    assert json.loads(new) == {"kind": "KubeletConfiguration", "syncFrequency": "5s"}
    with pytest.raises(ValueError):
        np_edit.set_top_level_keys("{not json", {"syncFrequency": "5s"})


# --- daemon.json: log-opts merged, other keys and the file's indentation kept ----------------

LOG_OPTS = {"max-size": "500m", "max-file": "3"}


def test_merge_log_opts_keeps_every_other_key_and_the_indentation():
    text = '{\n    "data-root": "/data/docker",\n    "log-opts": {"max-size": "100m", "tag": "{{.Name}}"}\n}\n'
    new, changed = np_edit.merge_log_opts(text, LOG_OPTS)
    assert changed == ["max-size", "max-file"]
    assert json.loads(new) == {"data-root": "/data/docker",
                               "log-opts": {"max-size": "500m", "tag": "{{.Name}}", "max-file": "3"}}
    assert new.splitlines()[1] == '    "data-root": "/data/docker",'


def test_merge_log_opts_unchanged_file_is_not_rewritten_whatever_its_layout():
    assert np_edit.merge_log_opts('{"log-opts":{"max-file":"3","max-size":"500m"}}', LOG_OPTS) == (None, [])


def test_merge_log_opts_creates_the_file_content_when_missing_or_empty():
    for text in ("", "  \n"):
        new, changed = np_edit.merge_log_opts(text, LOG_OPTS)
        assert json.loads(new) == {"log-opts": LOG_OPTS}
        assert changed == ["max-size", "max-file"]


@pytest.mark.parametrize("text", ["[1]", '{"log-opts": "x"}', "{broken"])
def test_merge_log_opts_refuses_what_dockerd_would_refuse(text):
    with pytest.raises(ValueError):
        np_edit.merge_log_opts(text, LOG_OPTS)


# --- runtime detection ---------------------------------------------------------------------

def test_detect_runtime_from_the_kubelet_config(tmp_path):
    flags = tmp_path / "flags.env"
    text = "containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock\n"
    assert np_probe.detect_runtime("auto", text, str(flags)) == ("docker", "kubelet config containerRuntimeEndpoint")
    text = '{"containerRuntimeEndpoint": "unix:///run/containerd/containerd.sock"}'
    assert np_probe.detect_runtime("auto", text, str(flags))[0] == "containerd"


def test_detect_runtime_from_kubeadm_flags(tmp_path):
    flags = tmp_path / "flags.env"
    flags.write_text('KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock"\n')
    assert np_probe.detect_runtime("auto", "kind: KubeletConfiguration\n", str(flags)) == (
        "containerd", "kubeadm-flags.env --container-runtime-endpoint")


def test_detect_runtime_operator_choice_wins():
    assert np_probe.detect_runtime("docker", "containerRuntimeEndpoint: unix:///run/containerd/containerd.sock", "/x") == (
        "docker", "set by the operator")


# --- weights ------------------------------------------------------------------------------

FORBIDDEN = {"forbidden_paths": ["/", "/home", "/etc"], "forbidden_trees": ["/etc", "/proc"]}


def weights(path, model_dir="", required=()):
    return np_probe.check_weights(dict(FORBIDDEN, weight_mount_path=path, model_dir=model_dir,
                                       model_required_files=list(required)))


def test_weights_good_path_and_model(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")
    result = weights(str(tmp_path), "m", ["config.json"])
    assert result["problems"] == []
    assert result["model_path"] == str(tmp_path / "m")


def test_weights_every_problem_is_named(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    (tmp_path / "file").write_text("")
    assert "is a symlink" in weights(str(tmp_path / "link"))["problems"][0]
    assert "through a symlinked parent" in weights(str(tmp_path / "link" / ""))["problems"][0] or \
        "is a symlink" in weights(str(tmp_path / "link" / ""))["problems"][0]
    (real / "sub").mkdir()
    assert "through a symlinked parent" in weights(str(tmp_path / "link" / "sub"))["problems"][0]
    assert "is not a directory" in weights(str(tmp_path / "file"))["problems"][0]
    assert "does not exist" in weights(str(tmp_path / "missing"))["problems"][0]
    assert "not an absolute path" in weights("data/models")["problems"][0]
    assert weights(str(real), "absent")["problems"] == ["model folder %s is not present on the node" % (real / "absent")]
    (real / "m").mkdir()
    assert weights(str(real), "m", ["config.json", "x"])["problems"] == [
        "model folder %s lacks config.json, x" % (real / "m")]
    assert "is not a folder inside" in weights(str(real), "../real")["problems"][0]


def test_weights_dangerous_paths_before_and_after_symlinks(tmp_path):
    assert "is a dangerous path" in weights("/home/")["problems"][0]
    assert "below /etc" in weights("/etc/models")["problems"][0]
    (tmp_path / "etc-link").symlink_to("/etc")
    problems = weights(str(tmp_path / "etc-link"))["problems"]
    assert any("resolves to /etc" in p for p in problems)


def test_weights_skipped_without_a_path():
    assert weights("") == {"path": "", "realpath": None, "model_path": None, "problems": []}


# --- kernel, entropy, swap -------------------------------------------------------------------

def make_proc(tmp_path, release, entropy, swaps=""):
    (tmp_path / "sys/kernel/random").mkdir(parents=True)
    (tmp_path / "sys/kernel/osrelease").write_text(release + "\n")
    (tmp_path / "sys/kernel/random/entropy_avail").write_text(entropy)
    (tmp_path / "swaps").write_text("Filename Type Size Used Priority\n" + swaps)
    return str(tmp_path)


@pytest.mark.parametrize("release,constant", [("5.17.9", False), ("5.18.0-1", True), ("6.1.0-18-amd64", True),
                                              ("4.19.90-vhulk2211.3.0.h1543.eulerosv2r10.aarch64", False)])
def test_kernel_entropy_is_constant_from_5_18(tmp_path, release, constant):
    proc = make_proc(tmp_path, release, "256\n")
    assert np_probe.kernel_info(proc) == {"release": release, "entropy_constant": constant}
    assert np_probe.entropy_avail(proc) == 256


def test_entropy_unreadable_is_none(tmp_path):
    assert np_probe.entropy_avail(str(tmp_path)) is None
    assert np_probe.entropy_avail(make_proc(tmp_path, "6.1", "garbage")) is None


def test_swap_active_and_fstab_entries(tmp_path):
    proc = make_proc(tmp_path, "6.1", "256", "/swapfile file 4194300 0 -2\n")
    fstab = tmp_path / "fstab"
    fstab.write_text("UUID=1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n# /old none swap sw 0 0\n")
    assert np_probe.swap_info(proc, str(fstab)) == {"active": ["/swapfile"], "fstab_entries": ["/swapfile none swap sw 0 0"]}


# --- image references ----------------------------------------------------------------------

@pytest.mark.parametrize("ref,full", [
    ("mindie:1", "docker.io/library/mindie:1"),
    ("mindie", "docker.io/library/mindie:latest"),
    ("ascend/mindie:1", "docker.io/ascend/mindie:1"),
    ("swr.cn-south-1.myhuaweicloud.com/ascendhub/mindie:2.1", "swr.cn-south-1.myhuaweicloud.com/ascendhub/mindie:2.1"),
    ("localhost:5000/mindie", "localhost:5000/mindie:latest"),
    ("registry:5000/a/b@sha256:ab", "registry:5000/a/b@sha256:ab"),
])
def test_normalize_image_reference(ref, full):
    assert np_image.normalize(ref) == full
    assert np_image.normalize(full) == full


def test_files_differ(tmp_path):
    same = tmp_path / "same"
    same.write_text("a\n")
    assert np_probe.files_differ({str(same): "a\n", str(tmp_path / "missing"): "a\n", str(same) + "x": ""}) == {
        str(same): False, str(tmp_path / "missing"): True, str(same) + "x": True}


def test_file_meta(tmp_path):
    path = tmp_path / "f"
    path.write_text("")
    os.chmod(path, 0o640)
    meta = np_files.file_meta(str(path))
    assert meta["exists"] and meta["mode"] == "0640"
    assert np_files.file_meta(str(tmp_path / "none")) == {"exists": False}


@pytest.mark.parametrize("path,tree", [("/", "/"), ("/usr/local/models", "/usr"), ("/lib32", "/lib32"),
                                       ("/var/run/w", "/var/run")])
def test_weights_system_rule_applies_without_the_role_lists(path, tree):
    problems = np_probe.check_weights({"weight_mount_path": path, "model_dir": "", "model_required_files": [],
                                       "forbidden_paths": [], "forbidden_trees": []})["problems"]
    assert "must not be / or a system path" in problems[0] and tree in problems[0]


def test_weights_symlink_to_a_safe_path_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    problems = np_probe.check_weights({"weight_mount_path": str(tmp_path / "link"), "model_dir": "",
                                       "model_required_files": [], "forbidden_paths": [], "forbidden_trees": []})["problems"]
    assert problems == ["weight_mount_path %s is a symlink (to %s); mount the real directory"
                        % (tmp_path / "link", tmp_path / "real")]
