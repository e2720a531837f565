# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Node preparation: reading a compute node and computing the edits the node_prepare role makes.

Private to pdserve.cluster (not a public API). Stdlib only: the node_prepare_probe and
node_prepare_image modules run this on the node. File edits are computed here as text so the
role writes a file only when a byte must change (and --check --diff shows exactly that).
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import stat

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import system_path_rule

_PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _file_meta(path):
    try:
        st = os.stat(path)
    except OSError:
        return {"exists": False}
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return {"exists": True, "mode": "%04o" % stat.S_IMODE(st.st_mode), "owner": owner, "group": group}


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


def _yaml_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if _PLAIN_SCALAR.match(text) else json.dumps(text)


def _unquote(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _plain(value):
    """The text a YAML scalar value compares as (what _unquote returns for it)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _find_top_level_key(lines, key):
    """(index, end, value) of a top-level key's line(s) in a YAML text split into lines, or
    (None, None, None). A key whose value is on the following indented lines spans them (end)."""
    pattern = re.compile(r"^%s\s*:(.*)$" % re.escape(key))
    index = next((i for i, line in enumerate(lines) if pattern.match(line.rstrip("\r\n"))), None)
    if index is None:
        return None, None, None
    current = pattern.match(lines[index].rstrip("\r\n")).group(1)
    current_value = _unquote(current.split(" #")[0])
    end = index + 1
    if current_value == "":
        # a value on the following, indented lines belongs to this key
        while end < len(lines) and lines[end][:1] in (" ", "\t") and lines[end].strip():
            end += 1
    return index, end, current_value


def set_top_level_keys(text, settings):
    """Set top-level keys of a YAML (or JSON) kubelet config, keeping every other line as it was.

    Returns (new_text, list of keys changed).
    """
    if not settings:
        return text, []
    if text.lstrip().startswith("{"):
        data = json.loads(text)
        changed = [k for k, v in settings.items() if data.get(k) != v]
        if not changed:
            return text, []
        data.update(settings)
        return json.dumps(data, indent=2) + "\n", changed
    lines = text.splitlines(keepends=True)
    changed = []
    for key, value in settings.items():
        wanted = "%s: %s" % (key, _yaml_scalar(value))
        index, end, current_value = _find_top_level_key(lines, key)
        if index is None:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines.append(wanted + "\n")
            changed.append(key)
            continue
        if current_value == _plain(value) and end == index + 1:
            continue
        lines[index:end] = [wanted + "\n"]
        changed.append(key)
    return "".join(lines), changed


def merge_log_opts(text, log_opts):
    """Merge log-opts into daemon.json text. Returns (new_text or None if unchanged, changed keys)."""
    data = json.loads(text) if text and text.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    current = data.get("log-opts") or {}
    if not isinstance(current, dict):
        raise ValueError("'log-opts' is not a JSON object")
    changed = [k for k, v in log_opts.items() if current.get(k) != v]
    if not changed and text and text.strip():
        return None, []
    merged = dict(current)
    merged.update(log_opts)
    data["log-opts"] = merged
    indent = re.search(r"\n([ \t]+)\S", text or "")  # keep the file's own indentation
    return json.dumps(data, indent=indent.group(1) if indent else 2) + "\n", changed


def _under(path, tree):
    tree = tree.rstrip("/") or "/"
    return path == tree or (tree != "/" and path.startswith(tree + "/"))


def _danger(path, forbidden_paths, forbidden_trees):
    """Why ``path`` is no place for weights: the collection's system path rule
    (module_utils/_safety.py), then the role's extra forbidden paths and trees; or None."""
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
    danger = _danger(norm, params["forbidden_paths"], params["forbidden_trees"])
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
        danger = _danger(real, params["forbidden_paths"], params["forbidden_trees"])
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


def normalize(ref):
    """docker.io/library/name:latest form of an image reference (digests kept as they are)."""
    ref = ref.strip()
    name, digest = (ref.split("@", 1) + [""])[:2]
    head, sep, tail = name.rpartition("/")
    last = tail if sep else name
    if ":" in last:
        repo, tag = name.rsplit(":", 1)
    else:
        repo, tag = name, ("" if digest else "latest")
    parts = repo.split("/")
    if len(parts) == 1:
        parts = ["docker.io", "library"] + parts
    elif not ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = ["docker.io"] + parts
    out = "/".join(parts)
    if tag:
        out += ":" + tag
    if digest:
        out += "@" + digest
    return out


def ensure_image(params, run, which, check_mode, warn):
    """Make the image present where the kubelet looks. ``run(argv) -> (rc, out, err)``.

    Returns the result dict; raises ImageError with a message when a command fails or the image
    is still missing afterwards.
    """
    ref = normalize(params["name"])
    ctr = [params["ctr_path"], "-n", params["namespace"]]
    docker = [params["docker_path"]]

    def listing(runtime):
        argv = (ctr + ["images", "ls", "-q"] if runtime == "containerd"
                else docker + ["images", "--format", "{{.Repository}}:{{.Tag}}"])
        rc, out, err = run(argv)
        if rc != 0:
            raise ImageError("listing %s images failed (rc %d): %s" % (runtime, rc, (err or out).strip()))
        return {normalize(line) for line in out.splitlines() if line.strip() and "<none>" not in line}

    runtime = params["runtime"]
    present = ref in listing(runtime)
    in_docker_only = False
    if runtime == "containerd" and not present and which(params["docker_path"]):
        in_docker_only = ref in listing("docker")
        if in_docker_only:
            warn("image %s is loaded into Docker on a containerd node: the kubelet looks in containerd's %s "
                 "namespace and will not see it (use ctr -n %s images import, not docker load)"
                 % (params["name"], params["namespace"], params["namespace"]))
    result = dict(changed=False, action="none", present_before=present, in_docker_only=in_docker_only,
                  reference=ref)
    if present:
        return result
    archive = params["archive"]
    if archive:
        if not os.path.isfile(archive):
            raise ImageError("image %s is missing and the archive %s does not exist on the node"
                             % (params["name"], archive))
        argv = ctr + ["images", "import", archive] if runtime == "containerd" else docker + ["load", "-i", archive]
        result["action"] = "imported"
    else:
        argv = ctr + ["images", "pull", ref] if runtime == "containerd" else docker + ["pull", params["name"]]
        result["action"] = "pulled"
    result.update(changed=True, cmd=argv)
    if check_mode:
        return result
    rc, out, err = run(argv)
    if rc != 0:
        raise ImageError("%s failed (rc %d): %s" % (" ".join(argv), rc, (err or out).strip()))
    if ref not in listing(runtime):
        raise ImageError("image %s is still missing from %s after %s%s" % (
            params["name"], runtime, " ".join(argv), " (does the archive hold this tag?)" if archive else ""))
    return result


def remove_image(params, run, check_mode):
    """Remove the image from the runtime's store if it is there (reset of what the role imported or
    pulled). Returns the result dict; raises ImageError when a command fails."""
    ref = normalize(params["name"])
    runtime = params["runtime"]
    if runtime == "containerd":
        base = [params["ctr_path"], "-n", params["namespace"], "images"]
        list_argv, rm_argv = base + ["ls", "-q"], base + ["rm", ref]
    else:
        list_argv = [params["docker_path"], "images", "--format", "{{.Repository}}:{{.Tag}}"]
        rm_argv = [params["docker_path"], "rmi", params["name"]]
    rc, out, err = run(list_argv)
    if rc != 0:
        raise ImageError("listing %s images failed (rc %d): %s" % (runtime, rc, (err or out).strip()))
    present = ref in {normalize(line) for line in out.splitlines() if line.strip() and "<none>" not in line}
    result = dict(changed=present, action="removed" if present else "none", present_before=present, reference=ref)
    if not present or check_mode:
        return result
    result["cmd"] = rm_argv
    rc, out, err = run(rm_argv)
    if rc != 0:
        raise ImageError("%s failed (rc %d): %s (is a container still using it?)"
                         % (" ".join(rm_argv), rc, (err or out).strip()))
    return result


class ImageError(Exception):
    """Listing, importing or pulling an image failed."""


def files_differ(wanted):
    """For each path: whether its content differs from the wanted text (a missing file differs)."""
    return {path: _read(path) != text for path, text in wanted.items()}


def service_states(units, run, which):
    """{unit: {enabled, active}} from systemctl, or {} when there is no systemctl."""
    systemctl = which("systemctl")
    if not systemctl:
        return {}
    states = {}
    for unit in units:
        enabled = run([systemctl, "is-enabled", unit])
        active = run([systemctl, "is-active", unit])
        states[unit] = {"enabled": enabled[0] == 0 and enabled[1].strip() == "enabled",
                        "active": active[0] == 0 and active[1].strip() == "active"}
    return states


def image_present(params, runtime, run, which):
    """Whether the image is where the kubelet looks (None when unknown: no image, runtime or CLI)."""
    if not params["image_name"] or runtime is None:
        return None
    tool = params["ctr_path"] if runtime == "containerd" else params["docker_path"]
    if not which(tool):
        return None
    argv = ([tool, "-n", params["namespace"], "images", "ls", "-q"] if runtime == "containerd"
            else [tool, "images", "--format", "{{.Repository}}:{{.Tag}}"])
    rc, out, err = run(argv)
    if rc != 0:
        return None
    return normalize(params["image_name"]) in {normalize(line) for line in out.splitlines()
                                               if line.strip() and "<none>" not in line}


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

    weights = check_weights(params)
    problems["weights"] = weights["problems"]
    result = dict(
        runtime={"name": runtime, "source": source},
        pkg_mgr=pkg_mgr(),
        kernel=kernel_info(params["proc_path"]),
        entropy_avail=entropy_avail(params["proc_path"]),
        haveged_installed=os.path.exists(params["haveged_path"]),
        swap=swap_info(params["proc_path"], params["fstab_path"]),
        kubelet_config=kubelet,
        docker_daemon_json=docker,
        weights=weights,
        dirs={path: os.path.isdir(path) for path in params["check_dirs"]},
        files_differ=files_differ(params["files"]),
        services=service_states(params["services"], run, which) if run else {},
        image_present=image_present(params, runtime, run, which) if run else None,
        problems=problems,
    )
    result["state"] = state_plan(params, result)
    problems["state"] = result["state"]["problems"]
    return result


# --- undo: what the role changed, recorded on the node the first time it changes it -----------
#
# The state file (node_prepare_state_path, JSON, 0600) holds, per concern, the original of
# everything the role is about to change and the value it sets. An original, once recorded, is
# never overwritten: a later run with other values only updates what the role set. Reset restores
# an original only where the node still holds what the role set (a later hand edit wins and is
# reported), and forgets what it restored.

STATE_VERSION = 1
FSTAB_MARK = "  # swap off for the kubelet (pdserve node_prepare)"

# Which concern owns each section of the state (kubelet keys are split by key below).
SECTION_CONCERN = {"docker_daemon_json": "container_logs", "fstab": "kubelet", "swap": "kubelet",
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
                                                         docker["new_content"], params["docker_log_opts"])
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


def restore_top_level_keys(text, section, keys):
    """Put the kubelet config's recorded keys back. Returns (new_text, restored, kept).

    A key is restored only where the file still holds the value the role set; ``kept`` lists the
    keys changed since (left as they are).
    """
    records = section["keys"]
    if section.get("format") == "json":
        data = json.loads(text)
        kept = [k for k in keys if data.get(k) != records[k]["set"]]
        restored = [k for k in keys if k not in kept]
        if not restored:
            return text, [], kept
        if text == section.get("written_text") and not kept and len(keys) == len(records):
            return section["original_text"], restored, kept
        for key in restored:
            if records[key]["present"]:
                data[key] = records[key]["value"]
            else:
                data.pop(key, None)
        return json.dumps(data, indent=2) + "\n", restored, kept
    lines = text.splitlines(keepends=True)
    restored, kept = [], []
    appended_gone = False
    for key in keys:
        record = records[key]
        index, end, value = _find_top_level_key(lines, key)
        if index is None or value != record["set"] or end != index + 1:
            kept.append(key)
            continue
        if record["present"]:
            original = list(record["lines"])
            if original and not original[-1].endswith("\n") and end < len(lines):
                original[-1] += "\n"
            lines[index:end] = original
        else:
            del lines[index:end]
            appended_gone = True
        restored.append(key)
    new_text = "".join(lines)
    still_appended = [k for k, r in records.items() if not r["present"] and k not in restored]
    if appended_gone and section.get("missing_final_newline") and not still_appended and new_text.endswith("\n"):
        new_text = new_text[:-1]
    return new_text, restored, kept


def restore_log_opts(text, section):
    """daemon.json with the recorded log-opts put back. Returns (new_text or None to delete the
    file, restored keys, kept keys); new_text == text when nothing changes."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    current = data.get("log-opts")
    current = current if isinstance(current, dict) else {}
    wanted = section["set"]
    kept = [k for k in wanted if current.get(k) != wanted[k]]
    restored = [k for k in wanted if k not in kept]
    if not restored:
        return text, [], kept
    if text == section.get("written_text"):
        return section["original_text"], restored, kept
    merged = dict(current)
    for key in restored:
        record = section["keys"][key]
        if record["present"]:
            merged[key] = record["value"]
        else:
            merged.pop(key, None)
    if merged or section["log_opts_present"]:
        data["log-opts"] = merged
    else:
        data.pop("log-opts", None)
    if not data and section["original_text"] is None:
        return None, restored, kept
    indent = re.search(r"\n([ \t]+)\S", text)
    return json.dumps(data, indent=indent.group(1) if indent else 2) + "\n", restored, kept


def restore_fstab(text, lines):
    """fstab with the swap lines the role commented out uncommented again: (new_text, restored)."""
    out, restored = [], []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        if body.startswith("# ") and body.endswith(FSTAB_MARK) and body[2:-len(FSTAB_MARK)] in lines:
            body = body[2:-len(FSTAB_MARK)]
            restored.append(body)
        out.append(body + ending)
    return "".join(out), restored


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


def reset_plan(params):
    """Everything reset restores on this node, from the recorded state (the probe's reset mode)."""
    path = params["state_path"]
    concerns = params["concerns"]
    plan = {"recorded": False, "state_path": path, "problems": [], "notes": [],
            "kubelet_config": {"needs_write": False, "new_content": None, "restored_keys": [], "kept_keys": []},
            "docker_daemon_json": {"needs_write": False, "remove": False, "new_content": None,
                                   "restored_keys": [], "kept_keys": [], "remove_dir": None},
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
