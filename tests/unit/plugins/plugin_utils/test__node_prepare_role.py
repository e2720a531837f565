# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""plugin_utils/_node_prepare_role.py: the probe's arguments from the node_prepare role's
variables, each gated by the concerns this run covers, as the role's tasks/probe.yml set them."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import node_prepare_probe as runner
from ansible_collections.pdserve.cluster.plugins.plugin_utils import _node_prepare_role as role

DEFAULTS = pathlib.Path(__file__).resolve().parents[4] / "roles/node_prepare/defaults/main.yml"
ALL = ["images", "npu_network", "gpu", "entropy", "kubelet", "container_logs", "weights", "labels"]
DROPIN = "/etc/systemd/system/haveged.service.d/pdserve.conf"
# a kthena_mooncake configuration and the paths the engine pods mount from it (kthena-modelserving-mooncake.md)
KTHENA_CONFIG = {"model_host_dir": "/data/models", "model_path": "/data/models/qwen"}
KTHENA_PATHS = ["/data/models", "/etc/hccn.conf", "/usr/local/Ascend/driver/tools/hccn_tool", "/etc/ascend_install.info"]


def variables(**overrides):
    """The role's defaults (the ones with a template given as the templating would give them)
    and what vars/main.yml derives, as the action's get() returns them."""
    values = yaml.safe_load(DEFAULTS.read_text())
    values.update(
        node_prepare_k8s_node_name="node-a",
        node_prepare_image_name="repo/mindie:1",
        node_prepare_weight_mount_path="/data/models",
        node_prepare_model_dir="qwen",
        node_prepare_docker_log_max_file=4,
        node_prepare_kubelet_container_log_max_files="5",
        node_prepare_kthena_config={},
        node_prepare_hardware_type="huawei-Ascend910",
        node_prepare_hardware_type_label_key="accelerator",
        ansible_run_tags=["all"],
        ansible_skip_tags=[],
        _node_prepare_haveged_template="haveged-override.conf.j2",
    )
    values.update(overrides)
    return values


def params(values):
    rendered = []

    def get(name, *default):
        if name not in values:
            if default:
                return default[0]
            raise KeyError(name)
        return values[name]

    def render(template):
        rendered.append(template)
        return "[Service]\n"

    return role.probe_params(get, render), rendered


def test_every_concern_on_gives_every_setting_and_valid_arguments():
    p, rendered = params(variables())
    assert p["kubelet_settings"] == {"syncFrequency": "5s"}
    assert p["kubelet_containerd_settings"] == {"containerLogMaxSize": "500Mi", "containerLogMaxFiles": 5}
    assert p["docker_log_opts"] == {"max-size": "500m", "max-file": "4"}
    assert p["weight_mount_path"] == "/data/models" and p["model_dir"] == "qwen"
    assert p["image_name"] == "repo/mindie:1"
    assert p["files"] == {DROPIN: "[Service]\n"} and rendered == ["haveged-override.conf.j2"]
    assert p["services"] == ["haveged.service"] and p["check_dirs"] == ["/etc/systemd/system/haveged.service.d"]
    assert p["labels"] == {"accelerator": "huawei-Ascend910"}
    assert p["npu_check"] is True and p["concerns"] == ALL and p["node_name"] == "node-a"
    assert "node_labels" not in p  # no read of the Nodes in the variables
    assert p["engine_host_paths"] == [] and p["engine_model_path"] == ""
    checked = runner.argspec()
    assert set(p) <= set(checked)  # every argument is one of the module's options


@pytest.mark.parametrize("off, empty", [
    ("kubelet", {"kubelet_settings": {}}),
    ("container_logs", {"kubelet_containerd_settings": {}, "docker_log_opts": {}}),
    ("weights", {"weight_mount_path": ""}),
    ("entropy", {"files": {}, "services": []}),
    ("images", {"image_name": ""}),
    ("labels", {"labels": {}}),
    ("npu_network", {"npu_check": False}),
])
def test_a_concern_left_out_leaves_its_arguments_empty(off, empty):
    p, rendered = params(variables(ansible_skip_tags=[off]))
    for name, value in empty.items():
        assert p[name] == value, name
    assert rendered == ([] if off == "entropy" else ["haveged-override.conf.j2"])  # the drop-in is rendered only when needed


def test_gpu_runtime_needs_the_variable_and_the_gpu_concern():
    assert params(variables(node_prepare_gpu_runtime="yes"))[0]["gpu_runtime"] is True
    assert params(variables(node_prepare_gpu_runtime=True, ansible_run_tags=["images"]))[0]["gpu_runtime"] is False
    assert params(variables(node_prepare_gpu_runtime=False))[0]["gpu_runtime"] is False


def test_a_node_that_is_no_engine_node_has_no_model_folder_and_kthena_paths_only_when_on():
    assert params(variables(node_prepare_engine_node="false"))[0]["model_dir"] == ""
    assert params(variables(node_prepare_kthena_config=KTHENA_CONFIG))[0]["engine_host_paths"] == []
    p = params(variables(node_prepare_kthena_check=True, node_prepare_kthena_config=KTHENA_CONFIG))[0]
    assert [v["path"] for v in p["engine_host_paths"]] == KTHENA_PATHS and p["engine_model_path"] == "/data/models/qwen"
    assert params(variables(node_prepare_kthena_check=True, node_prepare_engine_node=False,
                            node_prepare_kthena_config=KTHENA_CONFIG))[0]["engine_host_paths"] == []


def test_the_nodes_current_labels_are_this_nodes_from_the_one_read():
    nodes = {"resources": [{"metadata": {"name": "node-b", "labels": {"x": "b"}}},
                           {"metadata": {"name": "node-a", "labels": {"accelerator": "old", "y": "1"}}}]}
    assert params(variables(_node_prepare_nodes=nodes))[0]["node_labels"] == {"accelerator": "old", "y": "1"}
    # a Node without labels: an empty record; a node the cluster does not know: none
    bare = {"resources": [{"metadata": {"name": "node-a"}}]}
    assert params(variables(_node_prepare_nodes=bare))[0]["node_labels"] == {}
    assert "node_labels" not in params(variables(_node_prepare_nodes={"resources": []}))[0]
    # labels off, or none to set: the Nodes' labels are not passed
    assert "node_labels" not in params(variables(_node_prepare_nodes=nodes, node_prepare_hardware_type=""))[0]
    assert "node_labels" not in params(variables(_node_prepare_nodes=nodes, ansible_run_tags=["images"]))[0]
    # the read skipped (a registered result without resources)
    assert "node_labels" not in params(variables(_node_prepare_nodes={"skipped": True}))[0]


def test_a_missing_variable_is_an_error_naming_it():
    values = variables()
    del values["node_prepare_ctr_path"]
    with pytest.raises(KeyError, match="node_prepare_ctr_path"):
        params(values)


SPEC = pathlib.Path(__file__).resolve().parents[4] / "roles/node_prepare/meta/argument_specs.yml"


def test_the_role_options_are_those_of_its_argument_spec_main_entry_point():
    assert role.role_options() == yaml.safe_load(SPEC.read_text())["argument_specs"]["main"]["options"]


def test_the_defaults_pass_the_spec_and_the_spec_names_what_breaks_it():
    defaults = yaml.safe_load(DEFAULTS.read_text())
    assert set(role.role_options()) <= set(defaults)
    # the two defaults that are templates, as templated
    defaults.update(node_prepare_k8s_node_name="n", node_prepare_kthena_config={})
    assert role.spec_errors(defaults) == []
    errors = role.spec_errors(dict(defaults, node_prepare_swap_off="maybe", node_prepare_container_runtime="podman",
                                   node_prepare_labels=["a"]))
    assert len(errors) == 3
    assert "argument 'node_prepare_swap_off' is of type str and we were unable to convert to bool" in errors[0] + errors[1]
    assert "value of node_prepare_container_runtime must be one of: auto, containerd, docker, got: podman" in errors
    assert any("'node_prepare_labels' is of type list" in error for error in errors)


def test_only_the_options_given_are_checked_and_other_names_are_ignored():
    assert role.spec_errors({"node_prepare_gpu_count": "two", "not_an_option": object()}) == [
        "argument 'node_prepare_gpu_count' is of type str and we were unable to convert to int:"
        " \"'two'\" cannot be converted to an int"]
    assert role.spec_errors({}) == []


def test_spec_values_takes_every_option_the_host_defines():
    seen = {"node_prepare_swap_off": True, "node_prepare_gpu_count": 2, "other": 1}
    assert role.spec_values(seen.__getitem__) == {"node_prepare_swap_off": True, "node_prepare_gpu_count": 2}


@pytest.mark.parametrize("run_tags, skip_tags, on", [
    (["all"], [], ALL),
    (["all"], ["labels", "gpu"], [c for c in ALL if c not in ("labels", "gpu")]),
    (["kubelet", "images"], [], ["images", "kubelet"]),  # in the role's order
    (["kubelet", "never", "x"], ["kubelet"], []),
    (["always"], [], []),
])
def test_the_concerns_a_run_covers_come_from_its_tags(run_tags, skip_tags, on):
    assert role.concerns_on(run_tags, skip_tags) == on
    assert params(variables(ansible_run_tags=run_tags, ansible_skip_tags=skip_tags))[0]["concerns"] == on


def test_the_hardware_type_joins_the_labels_under_its_key_and_wins():
    assert role.node_labels({"a": "1"}, "accelerator", "") == {"a": "1"}
    assert role.node_labels(None, "accelerator", "") == {}
    assert role.node_labels({"accelerator": "x", "a": "1"}, "accelerator", "910B") == {"accelerator": "910B", "a": "1"}
    assert params(variables(node_prepare_labels={"zone": "a"}))[0]["labels"] == {
        "zone": "a", "accelerator": "huawei-Ascend910"}


def test_the_drop_in_goes_under_the_unit_s_folder():
    assert role.dropin_path("haveged.service") == DROPIN
    p = params(variables(node_prepare_haveged_service="rngd.service"))[0]
    assert p["files"] == {"/etc/systemd/system/rngd.service.d/pdserve.conf": "[Service]\n"}
    assert p["check_dirs"] == ["/etc/systemd/system/rngd.service.d"] and p["services"] == ["rngd.service"]
