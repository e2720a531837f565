# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""What the node_prepare role decides on, read from the node (the node_prepare_probe module)."""

from __future__ import annotations

import os
import re
import stat

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import NVIDIA_RUNTIME, system_path_rule
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.engine import check_engine_node
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.edit import (
    merge_log_opts, set_containerd_runtime, set_docker_runtime, set_top_level_keys,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.files import file_meta as _file_meta, read_text as _read
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.image import image_present
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.plan import state_plan


def kernel_info(proc_path):
    release = (_read(os.path.join(proc_path, "sys/kernel/osrelease")) or os.uname().release).strip()
    match = re.match(r"(\d+)\.(\d+)", release)
    version = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    return {"release": release, "entropy_constant": version >= (5, 18)}


def entropy_avail(proc_path):
    text = _read(os.path.join(proc_path, "sys/kernel/random/entropy_avail"))
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None


def swap_info(proc_path, fstab_path):
    active = []
    for line in (_read(os.path.join(proc_path, "swaps")) or "").splitlines()[1:]:
        if line.split():
            active.append(line.split()[0])
    entries = []
    for line in (_read(fstab_path) or "").splitlines():
        fields = line.split()
        if len(fields) >= 3 and not fields[0].startswith("#") and fields[2] == "swap":
            entries.append(line)
    return {"active": active, "fstab_entries": entries}


def pkg_mgr():
    for name, path in (("apt", "/usr/bin/apt-get"), ("dnf", "/usr/bin/dnf"), ("yum", "/usr/bin/yum"),
                       ("zypper", "/usr/bin/zypper")):
        if os.path.exists(path):
            return name
    return "unknown"


def _endpoint_runtime(endpoint):
    if "cri-dockerd" in endpoint or "dockershim" in endpoint:
        return "docker"
    if "containerd" in endpoint:
        return "containerd"
    return None


def detect_runtime(wanted, kubelet_text, kubeadm_flags_path):
    """Return (runtime or None, how it was found)."""
    if wanted != "auto":
        return wanted, "set by the operator"
    if kubelet_text:
        match = re.search(r'(?:^|[{,]\s*)"?containerRuntimeEndpoint"?\s*:\s*"?([^"\s,}]+)', kubelet_text, re.M)
        if match and _endpoint_runtime(match.group(1)):
            return _endpoint_runtime(match.group(1)), "kubelet config containerRuntimeEndpoint"
    flags = _read(kubeadm_flags_path) or ""
    match = re.search(r"--container-runtime-endpoint[= ]([^\s\"']+)", flags)
    if match and _endpoint_runtime(match.group(1)):
        return _endpoint_runtime(match.group(1)), "kubeadm-flags.env --container-runtime-endpoint"
    for path in ("/run/cri-dockerd.sock", "/var/run/cri-dockerd.sock", "/usr/bin/cri-dockerd",
                 "/usr/local/bin/cri-dockerd"):
        if os.path.exists(path):
            return "docker", "%s exists" % path
    for path in ("/run/containerd/containerd.sock", "/usr/bin/containerd", "/usr/local/bin/containerd"):
        if os.path.exists(path):
            return "containerd", "%s exists" % path
    for path in ("/usr/bin/dockerd", "/usr/local/bin/dockerd"):
        if os.path.exists(path):
            return "docker", "%s exists (kubelet with dockershim)" % path
    return None, "no kubelet endpoint, cri-dockerd, containerd or dockerd found"


def _under(path, tree):
    tree = tree.rstrip("/") or "/"
    return path == tree or (tree != "/" and path.startswith(tree + "/"))


def weight_path_danger(path, forbidden_paths, forbidden_trees):
    """Why ``path`` is no place for weights: the collection's system path rule
    (module_utils/_platform.py), then the role's extra forbidden paths and trees; or None."""
    rule = system_path_rule(path)
    if rule:
        return rule
    norm = [p.rstrip("/") or "/" for p in forbidden_paths]
    if path in norm:
        return "is a dangerous path (one of %s)" % ", ".join(forbidden_paths)
    for tree in forbidden_trees:
        if _under(path, tree):
            return "is %s %s, a system tree a weight mount must stay out of" % (
                "" if path == tree.rstrip("/") else "below", tree)
    return None


def check_weights(params):
    path = params["weight_mount_path"]
    result = {"path": path, "realpath": None, "model_path": None, "problems": []}
    if not path:
        return result
    problems = result["problems"]
    label = "weight_mount_path %s" % path
    if not path.startswith("/"):
        problems.append("%s is not an absolute path" % label)
        return result
    norm = os.path.normpath(path)
    danger = weight_path_danger(norm, params["forbidden_paths"], params["forbidden_trees"])
    if danger:
        problems.append("%s %s" % (label, danger))
    try:
        st = os.lstat(norm)
    except OSError:
        problems.append("%s does not exist on the node" % label)
        return result
    if stat.S_ISLNK(st.st_mode):
        problems.append("%s is a symlink (to %s); mount the real directory" % (label, os.readlink(norm)))
    elif not stat.S_ISDIR(st.st_mode):
        problems.append("%s is not a directory" % label)
    real = os.path.realpath(norm)
    result["realpath"] = real
    if real != norm and not stat.S_ISLNK(st.st_mode):
        problems.append("%s resolves to %s through a symlinked parent; mount the real path" % (label, real))
    if real != norm:
        danger = weight_path_danger(real, params["forbidden_paths"], params["forbidden_trees"])
        if danger:
            problems.append("%s resolves to %s, which %s" % (label, real, danger))
    if params["model_dir"] and not problems:
        model = os.path.normpath(os.path.join(norm, params["model_dir"]))
        result["model_path"] = model
        if not _under(model, norm) or model == norm:
            problems.append("model_dir %s is not a folder inside %s" % (params["model_dir"], norm))
        elif not os.path.isdir(model):
            problems.append("model folder %s is not present on the node" % model)
        else:
            missing = [f for f in params["model_required_files"] if not os.path.isfile(os.path.join(model, f))]
            if missing:
                problems.append("model folder %s lacks %s" % (model, ", ".join(missing)))
    return result


def files_differ(wanted):
    """For each path: whether its content differs from the wanted text (a missing file differs)."""
    return {path: _read(path) != text for path, text in wanted.items()}


def service_states(units, run, which):
    """{unit: {enabled, active}} from systemctl, or {} when there is no systemctl: one
    ``systemctl show`` per unit for what ``is-enabled`` and ``is-active`` print (UnitFileState
    ``enabled``, ActiveState ``active``; a unit systemd does not know is neither)."""
    systemctl = which("systemctl")
    if not systemctl:
        return {}
    states = {}
    for unit in units:
        rc, out, _err = run([systemctl, "show", "--property=UnitFileState,ActiveState", unit])
        props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line) if rc == 0 else {}
        states[unit] = {"enabled": props.get("UnitFileState") == "enabled", "active": props.get("ActiveState") == "active"}
    return states


def gpu_runtime_edit(params, runtime, docker):
    """The NVIDIA runtime in the configuration of the container runtime the kubelet uses:
    ({path, runtime, needs_write, new_content, changed, ...}, problems). On Docker nodes the edit
    is made on top of the log-opts edit (``docker`` is updated so both writes hold the same text).
    Any problem (no nvidia-container-runtime above all) means no write at all."""
    entry = {"path": None, "runtime": runtime, "needs_write": False, "new_content": None, "changed": [],
             "binary": params.get("nvidia_runtime_path"), "set_default": bool(params.get("gpu_runtime_default"))}
    if not params.get("gpu_runtime"):
        return entry, []
    problems = []
    binary = params["nvidia_runtime_path"]
    if not (os.path.isabs(binary) and os.path.isfile(binary) and os.access(binary, os.X_OK)):
        problems.append("%s is not an executable file on the node: install the NVIDIA Container Toolkit "
                        "(nvidia-container-runtime) first, or set node_prepare_nvidia_runtime_path" % binary)
    if runtime == "containerd":
        path = params["containerd_config_path"]
        entry.update(_file_meta(path), path=path)
        text = _read(path)
        if text is None:
            problems.append("containerd config %s is missing or unreadable: write it first "
                            "(containerd config default) or set node_prepare_containerd_config_path" % path)
            return entry, problems
        try:
            new_text, changed = set_containerd_runtime(text, NVIDIA_RUNTIME, binary, entry["set_default"])
        except ValueError as exc:
            problems.append("containerd config %s: %s" % (path, exc))
            return entry, problems
    elif runtime == "docker":
        path = docker["path"]
        entry.update(_file_meta(path), path=path, parent_exists=docker["parent_exists"])
        text = docker["new_content"] if docker["needs_write"] else (_read(path) if docker["exists"] else "")
        try:
            new_text, changed = set_docker_runtime(text, NVIDIA_RUNTIME, binary, entry["set_default"])
        except ValueError as exc:
            problems.append("%s: %s" % (path, exc))
            return entry, problems
        if changed and docker["needs_write"]:
            docker.update(log_opts_content=docker["new_content"], new_content=new_text)
    else:
        problems.append("cannot tell which container runtime to give the %s runtime: set "
                        "node_prepare_container_runtime" % NVIDIA_RUNTIME)
        return entry, problems
    if changed and not problems:
        entry.update(needs_write=True, new_content=new_text, changed=changed)
    return entry, problems


def changes(params, result):
    """What the role's tasks would change on this node (roles/node_prepare/tasks/apply.yml), as
    short names in the order they run; empty when the node is as wanted. Each entry is the
    ``when`` of one of apply.yml's tasks, read from the probe's ``result``, limited to the concerns
    this run covers (``params["concerns"]``: the tasks of the others are left out by their tags).
    The role includes apply.yml only where this is not empty, so a node with nothing to do skips
    all of it in one step: a task added to apply.yml must add its condition here."""
    on = set(params["concerns"])
    todo = []
    if result["state"]["needs_write"]:
        todo.append("state file")
    if "gpu" in on and result["gpu_runtime"]["needs_write"]:
        todo.append("nvidia runtime")
    if "entropy" in on:
        services = result["services"]
        if (not result["haveged_installed"] or not all(result["dirs"].values())
                or any(result["files_differ"].values())
                or not all(services.get(unit, {}).get("enabled") and services.get(unit, {}).get("active")
                           for unit in params["services"])):
            todo.append("haveged")
        if not result["kernel"]["entropy_constant"]:
            todo.append("entropy reading")  # read and judged after haveged runs, on every run
    if result["kubelet_config"]["needs_write"]:
        todo.append("kubelet config")
    if "kubelet" in on and params["swap_off"] and (result["swap"]["active"] or result["swap"]["fstab_entries"]):
        todo.append("swap")
    if "container_logs" in on and result["docker_daemon_json"]["needs_write"]:
        todo.append("docker log-opts")
    if "images" in on and params["image_name"] and result["image_present"] is not True:
        todo.append("image")
    labels = params["labels"] if "labels" in on else {}
    node_labels = params.get("node_labels")
    # the labels' patch goes through the API; a Node that was not found (no node_labels) fails there
    if labels and (node_labels is None or any(node_labels.get(key) != value for key, value in labels.items())):
        todo.append("labels")
    return todo


def probe(params, run=None, which=None):
    """Everything the role decides on, read from the node (the node_prepare_probe module's result).

    ``run(argv) -> (rc, out, err)`` and ``which(name) -> path or None`` are only used for the
    read-only service and image queries.
    """
    problems = {"runtime": [], "kubelet": [], "container_logs": [], "weights": []}
    kubelet_path = params["kubelet_config_path"]
    kubelet_text = _read(kubelet_path)
    runtime, source = detect_runtime(params["container_runtime"], kubelet_text, params["kubeadm_flags_path"])
    if runtime is None:
        problems["runtime"].append("cannot tell which container runtime the kubelet uses: %s; "
                                   "set node_prepare_container_runtime" % source)

    kubelet = dict(_file_meta(kubelet_path), path=kubelet_path, needs_write=False, changed_keys=[], new_content=None)
    settings = dict(params["kubelet_settings"])
    if runtime == "containerd":
        settings.update(params["kubelet_containerd_settings"])
    if settings:
        if kubelet_text is None:
            problems["kubelet"].append("kubelet config %s is missing or unreadable: join the node first "
                                       "or set node_prepare_kubelet_config_path" % kubelet_path)
        else:
            try:
                new_text, changed_keys = set_top_level_keys(kubelet_text, settings)
            except ValueError as exc:
                problems["kubelet"].append("kubelet config %s is not valid JSON: %s" % (kubelet_path, exc))
            else:
                kubelet.update(needs_write=bool(changed_keys), changed_keys=changed_keys,
                               new_content=new_text if changed_keys else None)

    docker_path = params["docker_daemon_json_path"]
    docker = dict(_file_meta(docker_path), path=docker_path, needs_write=False, changed_keys=[], new_content=None,
                  parent_exists=os.path.isdir(os.path.dirname(docker_path)))
    if runtime == "docker" and params["docker_log_opts"]:
        text = _read(docker_path) if docker["exists"] else ""
        try:
            new_text, changed_keys = merge_log_opts(text, params["docker_log_opts"])
        except ValueError as exc:
            problems["container_logs"].append("%s is not valid: %s; dockerd would not start with it, fix it by hand"
                                              % (docker_path, exc))
        else:
            docker.update(needs_write=new_text is not None, changed_keys=changed_keys, new_content=new_text)

    gpu, problems["gpu"] = gpu_runtime_edit(params, runtime, docker)

    weights = check_weights(params)
    problems["weights"] = weights["problems"]
    # a stack's engine pods: their hostPaths and model folder (node_prepare_kthena_check)
    problems["engine"] = check_engine_node(params.get("engine_host_paths") or [], params.get("engine_model_path") or "",
                                           params.get("node_name") or os.uname().nodename)
    result = dict(
        runtime={"name": runtime, "source": source},
        pkg_mgr=pkg_mgr(),
        kernel=kernel_info(params["proc_path"]),
        entropy_avail=entropy_avail(params["proc_path"]),
        haveged_installed=os.path.exists(params["haveged_path"]),
        swap=swap_info(params["proc_path"], params["fstab_path"]),
        kubelet_config=kubelet,
        docker_daemon_json=docker,
        gpu_runtime=gpu,
        weights=weights,
        dirs={path: os.path.isdir(path) for path in params["check_dirs"]},
        files_differ=files_differ(params["files"]),
        services=service_states(params["services"], run, which) if run else {},
        image_present=image_present(params, runtime, run, which) if run else None,
        problems=problems,
    )
    result["state"] = state_plan(params, result)
    problems["state"] = result["state"]["problems"]
    result["todo"] = changes(params, result)
    return result
