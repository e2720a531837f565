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
        pattern = re.compile(r"^%s\s*:(.*)$" % re.escape(key))
        index = next((i for i, line in enumerate(lines) if pattern.match(line.rstrip("\r\n"))), None)
        if index is None:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines.append(wanted + "\n")
            changed.append(key)
            continue
        current = pattern.match(lines[index].rstrip("\r\n")).group(1)
        current_value = _unquote(current.split(" #")[0])
        end = index + 1
        if current_value == "":
            # a value on the following, indented lines belongs to this key
            while end < len(lines) and lines[end][:1] in (" ", "\t") and lines[end].strip():
                end += 1
        plain = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if current_value == plain and end == index + 1:
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
    return dict(
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
