# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The node_prepare role's probe arguments from its variables (private: not a public API).

The role's probe task sets O(from_role) instead of some forty templated arguments: each ``{{ }}``
is a Jinja template compiled again in every task worker, which cost about 0.07 s of CPU per node
(measured: 20 nodes' re-run 1 to 2 s faster with the arguments as literals). Here the role's
variables are read by name (``get``: the task's variables, templated one by one; a literal
default needs no compiling) and the decisions that were Jinja in tasks/probe.yml are Python.

The role's argument spec (meta/argument_specs.yml, the one home of its options) is checked here too,
per host, as Ansible's validate_argument_spec task checks it (``spec_errors``): the collection's
playbook imports the role without that task (``rolespec_validate: false``), a task per host that
cost a worker process on every node (docs/speed.md).
"""
from __future__ import annotations

import posixpath

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.pdserve.cluster.plugins.filter.kthena import kthena_node_paths
from ansible_collections.pdserve.cluster.plugins.plugin_utils import _role_spec

# The role's concerns, one tag each, in the order its tasks take them.
CONCERNS = ("images", "npu_network", "gpu", "entropy", "kubelet", "container_logs", "weights", "labels")

ROLE = "node_prepare"
SPEC = _role_spec.spec_path(ROLE)


def role_options():
    """The options of the role's ``main`` entry point (plugin_utils/_role_spec.py)."""
    return _role_spec.role_options(ROLE)


def spec_values(get_raw):
    """The values Ansible's validate_argument_spec task checks (plugin_utils/_role_spec.py)."""
    return _role_spec.spec_values(ROLE, "main", get_raw)


def warm():
    """Read the options and make the validator of all of them (what the probe's action checks)
    once, in the controller, before the workers fork."""
    _role_spec.warm(ROLE)


def spec_errors(values):
    """What Ansible's validate_argument_spec task reports for these values of the role's options,
    [] when they are valid. Only the options in ``values`` are checked."""
    return _role_spec.spec_errors(ROLE, "main", values)


def concerns_on(run_tags, skip_tags):
    """The concerns a run covers, from its --tags and --skip-tags (``ansible_run_tags``,
    ``ansible_skip_tags``): the role's vars/main.yml ``_node_prepare_on`` (filter node_prepare_on)."""
    on = CONCERNS if "all" in run_tags else [concern for concern in CONCERNS if concern in run_tags]
    return [concern for concern in on if concern not in skip_tags]


def node_labels(labels, key, hardware_type):
    """The labels the role sets on the node's Node: ``node_prepare_labels`` and, when it is set, the
    hardware type under its key (``_node_prepare_labels``, filter node_prepare_node_labels)."""
    out = dict(labels or {})
    if hardware_type:
        out[key] = hardware_type
    return out


def dropin_path(service):
    """Where the haveged unit's drop-in goes (``_node_prepare_haveged_dropin``, filter node_prepare_dropin_path)."""
    return "/etc/systemd/system/%s.d/pdserve.conf" % service


def probe_params(get, render_dropin):
    """The probe's arguments, as tasks/probe.yml set them before.

    ``get(name)``: a variable of the role (defaults, vars/main.yml, inventory, the task's vars);
    ``render_dropin(template)``: the haveged drop-in's text from the role's template
    (``_node_prepare_haveged_template``), called only when the entropy concern is on."""
    on = concerns_on(get("ansible_run_tags"), get("ansible_skip_tags"))
    # The kthena_mooncake engine pods' needs on this node, computed on the controller from the
    # stack's configuration (module_utils/_kthena/inputs.py host_paths: the volumes the role
    # renders); the probe checks them on the node, read-only. Bad configuration: an error here,
    # before the probe reads the node or anything touches it.
    kthena = (kthena_node_paths(get("node_prepare_kthena_config"))
              if boolean(get("node_prepare_kthena_check"), strict=False)
              and boolean(get("node_prepare_engine_node"), strict=False) else None)
    labels = (node_labels(get("node_prepare_labels"), get("node_prepare_hardware_type_label_key"),
                          get("node_prepare_hardware_type")) if "labels" in on else {})
    dropin = dropin_path(get("node_prepare_haveged_service"))
    params = dict(
        container_runtime=get("node_prepare_container_runtime"),
        kubelet_config_path=get("node_prepare_kubelet_config_path"),
        kubeadm_flags_path=get("node_prepare_kubeadm_flags_path"),
        kubelet_settings={"syncFrequency": get("node_prepare_kubelet_sync_frequency")} if "kubelet" in on else {},
        kubelet_containerd_settings={
            "containerLogMaxSize": get("node_prepare_kubelet_container_log_max_size"),
            "containerLogMaxFiles": int(get("node_prepare_kubelet_container_log_max_files")),
        } if "container_logs" in on else {},
        docker_daemon_json_path=get("node_prepare_docker_daemon_json_path"),
        docker_log_opts={
            "max-size": get("node_prepare_docker_log_max_size"),
            "max-file": str(get("node_prepare_docker_log_max_file")),
        } if "container_logs" in on else {},
        gpu_runtime=boolean(get("node_prepare_gpu_runtime"), strict=False) and "gpu" in on,
        gpu_runtime_default=get("node_prepare_gpu_runtime_default"),
        nvidia_runtime_path=get("node_prepare_nvidia_runtime_path"),
        containerd_config_path=get("node_prepare_containerd_config_path"),
        weight_mount_path=get("node_prepare_weight_mount_path") if "weights" in on else "",
        model_dir=get("node_prepare_model_dir") if boolean(get("node_prepare_engine_node"), strict=False) else "",
        model_required_files=get("node_prepare_model_required_files"),
        # the kthena_mooncake engine pods' hostPaths and model folder
        engine_host_paths=kthena["host_paths"] if kthena else [],
        engine_model_path=kthena["model_path"] if kthena else "",
        forbidden_paths=get("node_prepare_weight_forbidden_paths"),
        forbidden_trees=get("node_prepare_weight_forbidden_trees"),
        haveged_path=get("node_prepare_haveged_path"),
        proc_path=get("node_prepare_proc_path"),
        fstab_path=get("node_prepare_fstab_path"),
        check_dirs=[posixpath.dirname(dropin)],
        files={dropin: render_dropin(get("_node_prepare_haveged_template"))} if "entropy" in on else {},
        services=[get("node_prepare_haveged_service")] if "entropy" in on else [],
        image_name=get("node_prepare_image_name") if "images" in on else "",
        namespace=get("node_prepare_containerd_namespace"),
        ctr_path=get("node_prepare_ctr_path"),
        docker_path=get("node_prepare_docker_path"),
        state_path=get("node_prepare_state_path"),
        concerns=on,
        swap_off=get("node_prepare_swap_off"),
        labels=labels,
        node_name=get("node_prepare_k8s_node_name"),
        # what pdserve.cluster.npu_facts reads, in the same run (the npu_network tag's check)
        npu_check=boolean(get("node_prepare_npu_check"), strict=False) and "npu_network" in on,
        npu_smi_path=get("node_prepare_npu_smi_path"),
        hccn_tool_path=get("node_prepare_hccn_tool_path"),
        hccn_conf_path=get("node_prepare_hccn_conf_path"),
    )
    if labels:
        # the labels as they are (the one read of the Nodes, tasks/probe.yml), for the state file
        nodes = (get("_node_prepare_nodes", {}) or {}).get("resources") or []
        mine = [n for n in nodes if (n.get("metadata") or {}).get("name") == params["node_name"]]
        if mine:
            params["node_labels"] = (mine[0].get("metadata") or {}).get("labels") or {}
    return params
