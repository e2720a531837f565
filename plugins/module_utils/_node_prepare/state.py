# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The node_prepare state file: what the role changed, recorded on the node the first time it
changes it.

The state file (node_prepare_state_path, JSON, 0600) holds, per concern, the original of
everything the role is about to change and the value it sets. An original, once recorded, is
never overwritten: a later run with other values only updates what the role set. Reset restores
an original only where the node still holds what the role set (a later hand edit wins and is
reported), and forgets what it restored.
"""

from __future__ import annotations

import json
import os

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.edit import _find_top_level_key, _plain
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.files import read_text as _read
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.image import normalize

STATE_VERSION = 1

# Which concern owns each section of the state (kubelet keys are split by key below).
SECTION_CONCERN = {"docker_daemon_json": "container_logs", "gpu_runtime": "gpu", "fstab": "kubelet", "swap": "kubelet",
                   "haveged": "entropy", "images": "images", "labels": "labels"}
KUBELET_KEY_CONCERN = {"syncFrequency": "kubelet"}  # every other key: container_logs


def _kubelet_key_concern(key):
    return KUBELET_KEY_CONCERN.get(key, "container_logs")


def read_state(path):
    """The recorded state, {} when there is none. Raises ValueError when it is not ours."""
    text = _read(path)
    if text is None or not text.strip():
        return {}
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise ValueError("%s is not a node_prepare state file of version %d" % (path, STATE_VERSION))
    return data


def dump_state(state):
    """Stable text of a state (so an unchanged state compares equal and is not rewritten)."""
    return json.dumps(state, indent=2, sort_keys=True) + "\n"


def _is_json(text):
    return bool(text) and text.lstrip().startswith("{")


def record_kubelet(section, path, text, new_text, changed_keys, settings):
    """Record the kubelet config's original keys (first change only) and what the role sets."""
    section = dict(section or {}, path=path)
    keys = dict(section.get("keys") or {})
    if _is_json(text):
        section["format"] = "json"
        section.setdefault("original_text", text)
        section["written_text"] = new_text
        data = json.loads(text)
        for key in changed_keys:
            if key not in keys:
                keys[key] = {"present": key in data, "value": data.get(key)}
            keys[key] = dict(keys[key], set=settings[key])
    else:
        section["format"] = "yaml"
        section.setdefault("missing_final_newline", bool(text) and not text.endswith("\n"))
        lines = text.splitlines(keepends=True)
        for key in changed_keys:
            if key not in keys:
                index, end, _value = _find_top_level_key(lines, key)
                keys[key] = {"present": index is not None, "lines": lines[index:end] if index is not None else []}
            keys[key] = dict(keys[key], set=_plain(settings[key]))
    section["keys"] = keys
    return section


def record_daemon_json(section, path, text, exists, parent_exists, new_text, log_opts):
    """Record daemon.json as it was (first change only) and the log-opts the role sets."""
    if section:
        section = dict(section)
    else:
        data = json.loads(text) if text and text.strip() else {}
        current = data.get("log-opts") or {}
        section = {"path": path, "original_text": text if exists else None, "parent_created": not parent_exists,
                   "log_opts_present": "log-opts" in data,
                   "keys": {k: {"present": k in current, "value": current.get(k)} for k in log_opts}}
    keys = dict(section["keys"])
    for key in log_opts:
        keys.setdefault(key, {"present": False, "value": None})  # a key added by a later run
    section.update(keys=keys, set=dict(log_opts), written_text=new_text)
    return section


def record_gpu_runtime(section, gpu):
    """Record the container runtime's config as it was (first change only) and what the role added
    for the NVIDIA runtime (``gpu``: the probe's gpu_runtime entry)."""
    exists = gpu.get("exists", False)
    text = _read(gpu["path"]) if exists else None
    if not section:
        section = {"runtime": gpu["runtime"], "path": gpu["path"], "name": "nvidia", "binary": gpu["binary"],
                   "original_text": text, "parent_created": not gpu.get("parent_exists", True), "changed": []}
        if gpu["runtime"] == "docker":
            data = json.loads(text) if text and text.strip() else {}
            section["runtimes_present"] = "runtimes" in data
    section = dict(section)
    if gpu["runtime"] == "docker" and "default-runtime" in gpu["changed"] and not section.get("default_before"):
        data = json.loads(text) if text and text.strip() else {}
        section["default_before"] = {"present": "default-runtime" in data, "value": data.get("default-runtime")}
    if "runtime" in gpu["changed"]:
        section["runtime_added"] = True
    section["changed"] = section["changed"] + [c for c in gpu["changed"] if c not in section["changed"]]
    section["written_text"] = gpu["new_content"]
    return section


def record_changes(state, params, result):
    """The state with the originals of everything this run is about to change recorded.

    ``result`` is the probe's result for the run; returns the new state ({} when nothing is
    recorded at all).
    """
    state = json.loads(json.dumps(state or {}))  # a copy
    concerns = params["concerns"]
    kubelet = result["kubelet_config"]
    if kubelet["needs_write"]:
        settings = dict(params["kubelet_settings"])
        if result["runtime"]["name"] == "containerd":
            settings.update(params["kubelet_containerd_settings"])
        state["kubelet_config"] = record_kubelet(state.get("kubelet_config"), kubelet["path"],
                                                 _read(kubelet["path"]), kubelet["new_content"],
                                                 kubelet["changed_keys"], settings)
    docker = result["docker_daemon_json"]
    if docker["needs_write"]:
        text = _read(docker["path"]) if docker["exists"] else ""
        state["docker_daemon_json"] = record_daemon_json(state.get("docker_daemon_json"), docker["path"], text,
                                                         docker["exists"], docker["parent_exists"],
                                                         docker.get("log_opts_content", docker["new_content"]),
                                                         params["docker_log_opts"])
    gpu = result.get("gpu_runtime") or {}
    if "gpu" in concerns and gpu.get("needs_write"):
        state["gpu_runtime"] = record_gpu_runtime(state.get("gpu_runtime"), gpu)
    if "kubelet" in concerns and params["swap_off"]:
        swap = result["swap"]
        if swap["fstab_entries"]:
            fstab = dict(state.get("fstab") or {"path": params["fstab_path"], "lines": []})
            fstab["lines"] = fstab["lines"] + [e for e in swap["fstab_entries"] if e not in fstab["lines"]]
            state["fstab"] = fstab
        if swap["active"]:
            recorded = (state.get("swap") or {}).get("active", [])
            state["swap"] = {"active": recorded + [a for a in swap["active"] if a not in recorded]}
    if "entropy" in concerns:
        haveged = dict(state.get("haveged") or {})
        unit = params["services"][0] if params["services"] else None
        if not result["haveged_installed"]:
            haveged.setdefault("installed_by_role", True)
        elif unit and "service_before" not in haveged and not haveged.get("installed_by_role"):
            service = result["services"].get(unit)
            if service and not (service["enabled"] and service["active"]):
                haveged["service_before"] = service
        for dropin, wanted in params["files"].items():
            if result["files_differ"].get(dropin):
                if "dropin" not in haveged:
                    haveged["dropin"] = {"path": dropin, "original": _read(dropin),
                                         "dir_created": not os.path.isdir(os.path.dirname(dropin))}
                haveged["dropin"] = dict(haveged["dropin"], written=wanted)
        if haveged:
            haveged.setdefault("installed_by_role", False)
            haveged["service"] = unit
            state["haveged"] = haveged
    if "images" in concerns and params["image_name"] and result["image_present"] is False:
        images = dict(state.get("images") or {"refs": []})
        ref = normalize(params["image_name"])
        images.update(runtime=result["runtime"]["name"], namespace=params["namespace"],
                      refs=images["refs"] + ([ref] if ref not in images["refs"] else []))
        state["images"] = images
    if "labels" in concerns and params["labels"] and params["node_labels"] is not None:
        labels = dict(state.get("labels") or {"node": params["node_name"], "keys": {}})
        keys = dict(labels["keys"])
        for key, value in params["labels"].items():
            if params["node_labels"].get(key) != value:
                keys[key] = dict(keys.get(key) or {"before": params["node_labels"].get(key)}, set=value)
        if keys:
            labels["keys"] = keys
            state["labels"] = labels
    if state:
        state["version"] = STATE_VERSION
    return state


def _remaining(state, concerns):
    """The state without what this reset covers (the concerns in ``concerns``)."""
    left = {}
    for name, section in state.items():
        if name in ("version", "state_dir_created"):
            continue
        if name == "kubelet_config":
            keys = {k: v for k, v in section["keys"].items() if _kubelet_key_concern(k) not in concerns}
            if keys:
                left[name] = dict(section, keys=keys)
        elif SECTION_CONCERN.get(name) not in concerns:
            left[name] = section
    if left:
        left["version"] = STATE_VERSION
        if state.get("state_dir_created"):
            left["state_dir_created"] = True
    return left
