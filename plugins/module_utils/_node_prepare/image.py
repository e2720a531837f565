# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The container image where the kubelet looks: containerd's namespace or Docker's store."""

from __future__ import annotations

import os


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
