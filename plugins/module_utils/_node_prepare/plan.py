# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""What node_prepare writes to its state file on the way forward, and what reset restores."""

from __future__ import annotations

import os

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.edit import (
    restore_containerd_runtime, restore_docker_runtime, restore_fstab, restore_log_opts, restore_top_level_keys,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.files import file_meta as _file_meta, read_text as _read
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.state import (
    _kubelet_key_concern, _remaining, dump_state, read_state, record_changes,
)


def state_plan(params, result):
    """What the forward path writes to the state file: {path, needs_write, new_content, ...}."""
    path = params.get("state_path") or ""
    plan = {"path": path, "needs_write": False, "new_content": None,
            "parent_exists": os.path.isdir(os.path.dirname(path)), "problems": []}
    if not path:
        return plan
    try:
        current = read_state(path)
    except ValueError as exc:
        plan["problems"].append("%s; move it away (reset needs it to undo what node_prepare did)" % exc)
        return plan
    new = record_changes(current, params, result)
    if new and not current and not plan["parent_exists"]:
        new["state_dir_created"] = True  # reset removes the directory again (if empty)
    if new and new != current:
        plan.update(needs_write=True, new_content=dump_state(new))
    return plan


def _reset_gpu_runtime(plan, state, section, concerns):
    """What reset does to the NVIDIA runtime node_prepare added (plan["gpu_runtime"]). On Docker
    nodes it applies on top of the log-opts' restore, and both writes then hold the same text."""
    entry = plan["gpu_runtime"]
    entry.update(_file_meta(section["path"]), path=section["path"], runtime=section["runtime"])
    docker = plan["docker_daemon_json"]
    shared = section["runtime"] == "docker" and docker.get("path") == section["path"]
    if shared and docker["remove"]:
        return
    raw = _read(section["path"])
    logs = state.get("docker_daemon_json") or {}
    if (shared and "container_logs" in concerns and raw is not None and raw == section.get("written_text")
            and logs.get("original_text", False) == section["original_text"] and not docker["kept_keys"]):
        # both edits went in in one write and both are reset: the file as it was, byte for byte
        entry["restored"] = list(section.get("changed") or [])
        if section["original_text"] is None:
            entry["remove"] = True
            entry["remove_dir"] = os.path.dirname(section["path"]) if section.get("parent_created") else None
            docker.update(needs_write=False, new_content=None, remove=True, remove_dir=entry["remove_dir"])
        else:
            entry.update(needs_write=True, new_content=section["original_text"])
            docker.update(needs_write=True, new_content=section["original_text"])
        return
    text = docker["new_content"] if shared and docker["needs_write"] else raw
    if text is None:
        plan["notes"].append("%s is gone: nothing to restore there" % section["path"])
        return
    try:
        if section["runtime"] == "docker":
            # the log-opts live in the same file: only the keys, never the whole original back
            own = section if "docker_daemon_json" not in state else dict(section, written_text=None)
            new_text, restored, kept = restore_docker_runtime(text, own)
        else:
            new_text, restored, kept = restore_containerd_runtime(text, section)
    except ValueError as exc:
        plan["problems"].append("%s is not valid JSON: %s" % (section["path"], exc))
        return
    entry.update(restored=restored, kept=kept)
    if kept:
        plan["notes"].append("%s: %s changed since node_prepare set them: left as they are"
                             % (section["path"], ", ".join(kept)))
    if new_text is None:
        entry["remove"] = True
        if section.get("parent_created"):
            entry["remove_dir"] = os.path.dirname(section["path"])
        if shared:
            docker.update(needs_write=False, new_content=None)
    elif new_text != text or (shared and docker["needs_write"]):
        entry.update(needs_write=True, new_content=new_text)
        if shared and docker["needs_write"]:
            docker["new_content"] = new_text


def reset_plan(params):
    """Everything reset restores on this node, from the recorded state (the probe's reset mode)."""
    path = params["state_path"]
    concerns = params["concerns"]
    plan = {"recorded": False, "state_path": path, "problems": [], "notes": [],
            "kubelet_config": {"needs_write": False, "new_content": None, "restored_keys": [], "kept_keys": []},
            "docker_daemon_json": {"needs_write": False, "remove": False, "new_content": None,
                                   "restored_keys": [], "kept_keys": [], "remove_dir": None},
            "gpu_runtime": {"needs_write": False, "remove": False, "new_content": None, "runtime": None,
                            "restored": [], "kept": [], "remove_dir": None},
            "fstab": {"needs_write": False, "new_content": None, "restored_lines": []},
            "swap": {"active": []},
            "haveged": {"recorded": False, "installed_by_role": False, "service": None, "service_before": None,
                        "installed": os.path.exists(params["haveged_path"]),
                        "dropin": {"path": None, "action": "none", "content": None, "remove_dir": None}},
            "images": {"runtime": None, "namespace": None, "refs": []},
            "labels": {"node": None, "set": {}, "before": {}},
            "state": {"remove": False, "needs_write": False, "new_content": None, "remove_dir": None}}
    try:
        state = read_state(path)
    except ValueError as exc:
        plan["problems"].append(str(exc))
        return plan
    if not state:
        plan["notes"].append("nothing recorded in %s: node_prepare never changed this node (or it was reset "
                             "already); nothing to undo" % path)
        return plan
    plan["recorded"] = True

    kubelet = state.get("kubelet_config")
    if kubelet:
        keys = [k for k in kubelet["keys"] if _kubelet_key_concern(k) in concerns]
        text = _read(kubelet["path"])
        entry = plan["kubelet_config"]
        entry.update(_file_meta(kubelet["path"]), path=kubelet["path"])
        if keys and text is None:
            entry["kept_keys"] = keys
            plan["notes"].append("%s is gone: nothing to restore there" % kubelet["path"])
        elif keys:
            try:
                new_text, restored, kept = restore_top_level_keys(text, kubelet, keys)
            except ValueError as exc:
                plan["problems"].append("%s is not valid JSON: %s" % (kubelet["path"], exc))
            else:
                entry.update(needs_write=new_text != text, new_content=new_text if new_text != text else None,
                             restored_keys=restored, kept_keys=kept)

    docker = state.get("docker_daemon_json")
    if docker and "container_logs" in concerns:
        entry = plan["docker_daemon_json"]
        entry.update(_file_meta(docker["path"]), path=docker["path"])
        text = _read(docker["path"])
        if text is None:
            plan["notes"].append("%s is gone: nothing to restore there" % docker["path"])
        else:
            try:
                new_text, restored, kept = restore_log_opts(text, docker)
            except ValueError as exc:
                plan["problems"].append("%s is not valid JSON: %s" % (docker["path"], exc))
            else:
                entry.update(restored_keys=restored, kept_keys=kept)
                if new_text is None:
                    entry["remove"] = True
                    parent = os.path.dirname(docker["path"])
                    if docker.get("parent_created"):
                        entry["remove_dir"] = parent
                elif new_text != text:
                    entry.update(needs_write=True, new_content=new_text)

    gpu = state.get("gpu_runtime")
    if gpu and "gpu" in concerns:
        _reset_gpu_runtime(plan, state, gpu, concerns)

    if "kubelet" in concerns:
        fstab = state.get("fstab")
        if fstab:
            text = _read(fstab["path"]) or ""
            new_text, restored = restore_fstab(text, fstab["lines"])
            plan["fstab"].update(_file_meta(fstab["path"]), path=fstab["path"], restored_lines=restored,
                                 needs_write=new_text != text, new_content=new_text if new_text != text else None)
        plan["swap"]["active"] = (state.get("swap") or {}).get("active", [])

    haveged = state.get("haveged")
    if haveged and "entropy" in concerns:
        entry = plan["haveged"]
        entry.update(recorded=True, installed_by_role=haveged.get("installed_by_role", False),
                     service=haveged.get("service"), service_before=haveged.get("service_before"))
        dropin = haveged.get("dropin")
        if dropin:
            current = _read(dropin["path"])
            entry["dropin"].update(path=dropin["path"])
            if current is None or current != dropin["written"]:
                if current is not None:
                    plan["notes"].append("%s changed since node_prepare wrote it: left as it is" % dropin["path"])
            elif dropin["original"] is None:
                entry["dropin"].update(action="remove",
                                       remove_dir=os.path.dirname(dropin["path"]) if dropin.get("dir_created") else None)
            else:
                entry["dropin"].update(action="restore", content=dropin["original"])

    images = state.get("images")
    if images and "images" in concerns:
        plan["images"].update(images)

    labels = state.get("labels")
    if labels and "labels" in concerns:
        plan["labels"] = {"node": labels["node"],
                          "set": {k: v["set"] for k, v in labels["keys"].items()},
                          "before": {k: v["before"] for k, v in labels["keys"].items()}}

    for name, entry in (("kubelet_config", plan["kubelet_config"]), ("docker_daemon_json", plan["docker_daemon_json"])):
        if entry["kept_keys"]:
            plan["notes"].append("%s: %s changed since node_prepare set them: left as they are"
                                 % (entry.get("path", name), ", ".join(entry["kept_keys"])))
    left = _remaining(state, concerns)
    if left:
        new_content = dump_state(left)
        plan["state"].update(needs_write=new_content != _read(path), new_content=new_content)
    else:
        plan["state"].update(remove=True, remove_dir=os.path.dirname(path) if state.get("state_dir_created") else None)
    return plan
