# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.node_prepare_probe module (private: not a public API).

It runs on the node, in one of two ways: as the module (``plugins/modules/node_prepare_probe.py``,
AnsibleModule's ``run_command`` / ``get_bin_path``), or, from the action plugin of the same name,
as a program of its own with the standard library's (``module_utils/_node_prepare/remote.py``):
no ``ansible.module_utils`` import, so nothing here may import one. ``argspec()`` is the module's
argument spec (the action validates the task's arguments against it in the controller);
``execute(params, run_command, get_bin_path)`` reads the node; ``stop(params, result)`` is what
the role stops a node on, decided in the controller from the result.
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import container_runtime_options
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.plan import reset_plan
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.probe import probe
from ansible_collections.pdserve.cluster.plugins.module_utils._npu import NpuToolError
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import npu_facts

CONCERNS = ["images", "npu_network", "gpu", "entropy", "kubelet", "container_logs", "weights", "labels"]


def argspec():
    return container_runtime_options(
        container_runtime=dict(type="str", default="auto", choices=["auto", "containerd", "docker"]),
        kubelet_config_path=dict(type="path", default="/var/lib/kubelet/config.yaml"),
        kubeadm_flags_path=dict(type="path", default="/var/lib/kubelet/kubeadm-flags.env"),
        kubelet_settings=dict(type="dict", default={}),
        kubelet_containerd_settings=dict(type="dict", default={}),
        docker_daemon_json_path=dict(type="path", default="/etc/docker/daemon.json"),
        docker_log_opts=dict(type="dict", default={}),
        gpu_runtime=dict(type="bool", default=False),
        gpu_runtime_default=dict(type="bool", default=False),
        nvidia_runtime_path=dict(type="path", default="/usr/bin/nvidia-container-runtime"),
        containerd_config_path=dict(type="path", default="/etc/containerd/config.toml"),
        weight_mount_path=dict(type="str", default=""),
        model_dir=dict(type="str", default=""),
        model_required_files=dict(type="list", elements="str", default=[]),
        engine_host_paths=dict(type="list", elements="dict", default=[]),
        engine_model_path=dict(type="str", default=""),
        forbidden_paths=dict(type="list", elements="str", default=[]),
        forbidden_trees=dict(type="list", elements="str", default=[]),
        haveged_path=dict(type="path", default="/usr/sbin/haveged"),
        proc_path=dict(type="path", default="/proc"),
        fstab_path=dict(type="path", default="/etc/fstab"),
        check_dirs=dict(type="list", elements="path", default=[]),
        files=dict(type="dict", default={}),
        services=dict(type="list", elements="str", default=[]),
        image_name=dict(type="str", default=""),
        mode=dict(type="str", default="prepare", choices=["prepare", "reset"]),
        state_path=dict(type="path", default=""),
        concerns=dict(type="list", elements="str", default=list(CONCERNS)),
        swap_off=dict(type="bool", default=True),
        labels=dict(type="dict", default={}),
        node_labels=dict(type="dict"),
        node_name=dict(type="str", default=""),
        npu_check=dict(type="bool", default=False),
        stop=dict(type="bool", default=False),
        from_role=dict(type="bool", default=False),
        **npu_facts.argspec()
    )


def execute(params, run_command, get_bin_path):
    """The probe's result (``changed`` false): AnsibleModule's ``run_command`` / ``get_bin_path``
    or functions with their signatures (``remote.py``)."""
    if params["mode"] == "reset":
        return {"changed": False, "reset": reset_plan(params)}
    result = probe(params, run_command, get_bin_path)
    if params["npu_check"]:
        # what pdserve.cluster.npu_facts returns, in the same run
        try:
            result["ansible_facts"] = {"npu": npu_facts.facts(params, run_command, get_bin_path)}
        except NpuToolError as exc:
            result["npu_error"] = str(exc)
    result["changed"] = False
    return result


def stop(params, result):
    """With O(stop), why the role stops this node (the messages of a failed task), or None: what
    the node cannot be prepared with (the problems of the concerns this run covers), then, with
    O(npu_check), an NPU tool that failed or an NPU network that is not ready."""
    if not params.get("stop") or params["mode"] != "prepare":
        return None
    on = set(params["concerns"])
    problems = result["problems"]
    found = ((problems["runtime"] if on & {"images", "container_logs"} else [])
             + problems["kubelet"] + problems["container_logs"] + problems["weights"] + problems["engine"]
             + problems["gpu"] + problems["state"])
    if found:
        return found
    if params["npu_check"]:
        if "npu_error" in result:
            return result["npu_error"]
        npu = result["ansible_facts"]["npu"]
        if not npu["ok"]:
            return npu["problems"]
    return None
