# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The node_prepare role's input rules (module_utils/_node_prepare/inputs.py), checked once for
the play's hosts, and the filter that gives each host's variables (plugins/filter/node_prepare.py)."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.pdserve.cluster.plugins.filter.node_prepare import (node_prepare_input_errors, node_prepare_play_names,
                                                                             node_prepare_play_vars)
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import inputs

# the role's defaults (roles/node_prepare/defaults/main.yml) for the variables the rules read
GOOD = {
    "node_prepare_weight_mount_path": "", "node_prepare_weight_forbidden_paths": ["/", "/home"],
    "node_prepare_weight_forbidden_trees": ["/etc", "/var/lib/kubelet"], "node_prepare_model_dir": "",
    "node_prepare_image_name": "", "node_prepare_image_archive": "", "node_prepare_kubelet_sync_frequency": "5s",
    "node_prepare_docker_log_max_size": "500m", "node_prepare_docker_log_max_file": "3",
    "node_prepare_kubelet_container_log_max_size": "500Mi", "node_prepare_kubelet_container_log_max_files": 3,
    "node_prepare_haveged_write_wakeup_threshold": 4096, "node_prepare_hardware_type": "", "node_prepare_labels": {},
}
ROLE = pathlib.Path(__file__).resolve().parents[4] / "roles/node_prepare"
DEFAULTS, SPEC = ROLE / "defaults/main.yml", ROLE / "meta/argument_specs.yml"
LABEL_RULE = "(at most 63 letters, digits, '-', '_', '.', starting and ending alphanumeric; no spaces)"


def test_the_defaults_break_no_rule():
    assert set(GOOD) == set(inputs.NAMES)
    assert inputs.errors(GOOD) == []
    assert inputs.errors(dict(GOOD, node_prepare_weight_mount_path="/data/models", node_prepare_model_dir="qwen",
                              node_prepare_image_name="swr.example.com/a/mindie:2.1", node_prepare_image_archive="/data/i.tar",
                              node_prepare_kubelet_sync_frequency="1m30s", node_prepare_docker_log_max_file=5,
                              node_prepare_hardware_type="800I-A2", node_prepare_labels={"example.com/pool": "a_b.c"})) == []


@pytest.mark.parametrize("name, value, message", [
    ("node_prepare_weight_mount_path", "data", 'node_prepare_weight_mount_path: "data": must be an absolute path'),
    ("node_prepare_weight_mount_path", "/home", 'node_prepare_weight_mount_path: "/home": is a dangerous path (one of /, /home)'),
    ("node_prepare_weight_mount_path", "/etc/models",
     'node_prepare_weight_mount_path: "/etc/models": must not be / or a system path (/etc, /proc, /sys, /dev, /boot, /root, '
     '/var/run, /run, /usr, /bin, /lib, /lib32, /lib64, /libx32, /sbin) or below one: it is below /etc'),
    ("node_prepare_image_name", "My Image", 'node_prepare_image_name: "My Image": must be an image reference (registry/name:tag, no spaces)'),
    ("node_prepare_kubelet_sync_frequency", "5", 'node_prepare_kubelet_sync_frequency: "5": must be a Go duration such as 5s'),
    ("node_prepare_docker_log_max_size", "lots", 'node_prepare_docker_log_max_size: "lots": must be a size such as 500m (k, m or g)'),
    ("node_prepare_docker_log_max_file", 0, "node_prepare_docker_log_max_file: 0: must be a whole number of at least 1"),
    ("node_prepare_kubelet_container_log_max_size", "500M",
     'node_prepare_kubelet_container_log_max_size: "500M": must be a quantity such as 500Mi'),
    ("node_prepare_kubelet_container_log_max_files", "1", 'node_prepare_kubelet_container_log_max_files: "1": the kubelet needs at least 2'),
    ("node_prepare_haveged_write_wakeup_threshold", 5000,
     "node_prepare_haveged_write_wakeup_threshold: 5000: must be between 64 and 4096 (the pool's size)"),
    ("node_prepare_hardware_type", "800I A2", 'node_prepare_hardware_type: "800I A2": must be a label value ' + LABEL_RULE),
    ("node_prepare_hardware_type", "a" * 64, 'node_prepare_hardware_type: "%s": must be a label value %s' % ("a" * 64, LABEL_RULE)),
    ("node_prepare_labels", {"Bad Key": "x"},
     'node_prepare_labels: ["Bad Key"]: must be label keys ([prefix/]name, name at most 63 characters)'),
    ("node_prepare_labels", {"pool": 3}, 'node_prepare_labels: {"pool": 3}: every value must be a string label value ' + LABEL_RULE),
    ("node_prepare_labels", {"pool": "a b"}, 'node_prepare_labels: {"pool": "a b"}: every value must be a string label value ' + LABEL_RULE),
])
def test_each_rule_names_the_variable_its_value_and_the_rule(name, value, message):
    assert inputs.errors(dict(GOOD, **{name: value})) == [message]


def test_the_rules_that_read_two_variables():
    assert inputs.errors(dict(GOOD, node_prepare_model_dir="../x", node_prepare_weight_mount_path="/data")) == [
        'node_prepare_model_dir: "../x": must be a relative path inside node_prepare_weight_mount_path']
    assert inputs.errors(dict(GOOD, node_prepare_model_dir="qwen")) == [
        'node_prepare_model_dir: "qwen": needs node_prepare_weight_mount_path']
    assert inputs.errors(dict(GOOD, node_prepare_image_archive="i.tar")) == [
        'node_prepare_image_archive: "i.tar": must be an absolute path on the node',
        'node_prepare_image_archive: "i.tar": needs node_prepare_image_name (the tag to look for)']


def test_every_broken_rule_at_once_in_the_order_of_the_variables():
    found = inputs.errors(dict(GOOD, node_prepare_weight_mount_path="/etc/models", node_prepare_hardware_type="800I A2",
                               node_prepare_docker_log_max_size="lots", node_prepare_kubelet_container_log_max_files="1"))
    assert [m.split(":")[0] for m in found] == [
        "node_prepare_weight_mount_path", "node_prepare_docker_log_max_size",
        "node_prepare_kubelet_container_log_max_files", "node_prepare_hardware_type"]


def test_an_error_every_host_shares_is_listed_once_the_others_with_their_host():
    hosts = {"a": dict(GOOD, node_prepare_docker_log_max_size="lots"),
             "b": dict(GOOD, node_prepare_docker_log_max_size="lots", node_prepare_hardware_type="x y"),
             "c": dict(GOOD, node_prepare_docker_log_max_size="lots")}
    assert node_prepare_input_errors(hosts) == [
        'node_prepare_docker_log_max_size: "lots": must be a size such as 500m (k, m or g)',
        'b: node_prepare_hardware_type: "x y": must be a label value ' + LABEL_RULE]
    assert node_prepare_input_errors({"a": GOOD, "b": GOOD}) == []


class HostVars(dict):
    """hostvars: each host's variables set outside the role (no role defaults); counts lookups."""

    def __init__(self, **hosts):
        super().__init__(**hosts)
        self.lookups = 0

    def __getitem__(self, host):
        self.lookups += 1
        return dict.__getitem__(self, host)


def test_each_host_gets_its_own_value_else_the_default():
    hostvars = HostVars(a={}, b={"node_prepare_docker_log_max_size": "lots"}, c={})
    values = dict(GOOD)  # what the task sees on host a: the defaults
    per_host = node_prepare_play_vars(hostvars, ["a", "b", "c"], "a", values, GOOD)
    assert per_host["b"]["node_prepare_docker_log_max_size"] == "lots"
    assert per_host["c"] == GOOD
    assert hostvars.lookups == 3  # each host's variables once
    assert node_prepare_input_errors(per_host) == [
        'b: node_prepare_docker_log_max_size: "lots": must be a size such as 500m (k, m or g)']


def test_a_value_the_task_sees_but_hostvars_do_not_is_every_hosts():
    # a role parameter (or the role's vars) overrides the inventory on every host
    hostvars = HostVars(a={"node_prepare_image_name": "inv"}, b={"node_prepare_image_name": "inv"})
    values = dict(GOOD, node_prepare_image_name="Role Param")
    per_host = node_prepare_play_vars(hostvars, ["a", "b"], "a", values, GOOD)
    assert [v["node_prepare_image_name"] for v in per_host.values()] == ["Role Param", "Role Param"]
    assert node_prepare_input_errors(per_host) == [
        'node_prepare_image_name: "Role Param": must be an image reference (registry/name:tag, no spaces)']


def test_the_argument_spec_first_then_the_rules_of_the_hosts_that_pass_it():
    # what Ansible's validate_argument_spec task reported (the collection's playbook imports the
    # role without it): the option, its value's type, the spec's type; b's rules are not run (its
    # labels are no mapping), a's are
    per_host = {"a": dict(GOOD, node_prepare_docker_log_max_size="lots"),
                "b": dict(GOOD, node_prepare_labels=["x"], node_prepare_kubelet_container_log_max_files="many")}
    errors = node_prepare_input_errors(per_host)
    assert errors[:2] == [
        "b: argument 'node_prepare_kubelet_container_log_max_files' is of type str and we were unable to convert"
        " to int: \"'many'\" cannot be converted to an int",
        "b: argument 'node_prepare_labels' is of type list and we were unable to convert to dict:"
        " <class 'list'> cannot be converted to a dict"]
    assert errors[2:] == ['a: node_prepare_docker_log_max_size: "lots": must be a size such as 500m (k, m or g)']


def test_a_spec_error_every_host_shares_is_listed_once():
    per_host = {host: dict(GOOD, node_prepare_haveged_write_wakeup_threshold="high") for host in "ab"}
    assert node_prepare_input_errors(per_host) == [
        "argument 'node_prepare_haveged_write_wakeup_threshold' is of type str and we were unable to convert to int:"
        " \"'high'\" cannot be converted to an int"]


def test_the_play_checks_every_option_whose_default_is_a_value():
    defaults = yaml.safe_load(DEFAULTS.read_text())
    spec = yaml.safe_load(SPEC.read_text())["argument_specs"]["main"]["options"]
    names = node_prepare_play_names(defaults)
    # the two defaults that are templates ({{ inventory_hostname }}, the kthena config) are left to
    # the probe's action, which sees each host's own
    assert sorted(set(spec) - set(names)) == ["node_prepare_k8s_node_name", "node_prepare_kthena_config"]
    assert set(inputs.NAMES) <= set(names)
    assert names == [name for name in spec if name in names]  # in the spec's order
