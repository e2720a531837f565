# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Recording stand-ins installed into the node_prepare test roots (tests/node_roots/make_root.py).

systemd, containerd, dockerd and the host's swap cannot be used from a chroot. make_root.py installs
this file as /usr/local/lib/pdserve-standin/standin.py and, for each tool, a /bin/sh wrapper where
the tool belongs (`exec /usr/bin/python3 -I -S .../standin.py <tool> "$@"`: no site, as quick to
start as Python gets, since a real tool is a quick binary). systemctl's `show` and ctr's image list
are answered before that, in /bin/sh (standin_fast.sh, the same answers from the same state). Each
call is appended to /var/log/pdserve-standin/calls.log inside the root, so a test can count, e.g.,
how many times `systemctl restart kubelet.service` ran; the state a daemon would keep lives under
/var/lib/pdserve-standin.
"""

from __future__ import annotations

import os
import shlex
import sys
import time

LOG = "/var/log/pdserve-standin/calls.log"
STATE = "/var/lib/pdserve-standin"


def record(tool, args):
    os.makedirs(os.path.dirname(LOG), exist_ok=True)
    with open(LOG, "a") as handle:
        handle.write("%.3f %s\n" % (time.time(), shlex.join([tool] + list(args))))


def state_path(*parts):
    path = os.path.join(STATE, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def read_set(path):
    try:
        with open(path) as handle:
            return [line.strip() for line in handle if line.strip()]
    except OSError:
        return []


def add_to_set(path, items):
    current = read_set(path)
    with open(path, "a") as handle:
        for item in items:
            if item not in current:
                handle.write(item + "\n")
                current.append(item)


def remove_from_set(path, items):
    kept = [ref for ref in read_set(path) if ref not in items]
    with open(path, "w") as handle:
        handle.writelines(ref + "\n" for ref in kept)


def archive_tags(path):
    """Image references held by a docker-archive (manifest.json RepoTags) or OCI archive (index.json)."""
    import json  # only image imports read an archive: every other call starts faster without them
    import tarfile

    tags = []
    with tarfile.open(path) as tar:
        names = tar.getnames()
        if "manifest.json" in names:
            for entry in json.load(tar.extractfile("manifest.json")):
                tags.extend(entry.get("RepoTags") or [])
        elif "index.json" in names:
            for manifest in json.load(tar.extractfile("index.json")).get("manifests", []):
                ref = (manifest.get("annotations") or {}).get("io.containerd.image.name")
                if ref:
                    tags.append(ref)
    return tags


def fail(message, rc=1):
    sys.stderr.write(message + "\n")
    sys.exit(rc)


UNIT_DIRS = ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system")


def unit_name(name):
    return name if "." in name else name + ".service"


def loaded(unit):
    """A unit is loaded when its unit file exists (haveged's comes from its real package)."""
    return any(os.path.exists(os.path.join(d, unit)) for d in UNIT_DIRS)


def flag(unit, kind):
    return os.path.exists(state_path("systemd", "%s.%s" % (unit, kind)))


def set_flag(unit, kind, on):
    path = state_path("systemd", "%s.%s" % (unit, kind))
    if on:
        with open(path, "w"):
            pass
    elif os.path.exists(path):
        os.remove(path)


def systemctl(args):
    """systemctl: enabled / active state per unit; answers show, is-enabled, is-active the way
    ansible.builtin.systemd_service reads them."""
    record("systemctl", args)
    words = [a for a in args if not a.startswith("-")]
    if not words:
        print("pdserve systemctl stand-in")
        sys.exit(0)
    verb, units = words[0], [unit_name(u) for u in words[1:]]
    if verb in ("daemon-reload", "daemon-reexec", "is-system-running"):
        sys.exit(0)
    for unit in units:
        if verb == "show":
            if not loaded(unit):
                print("Id=%s\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=" % unit)
                continue
            print("Id=%s\nLoadState=loaded\nActiveState=%s\nSubState=%s\nUnitFileState=%s" % (
                unit, "active" if flag(unit, "active") else "inactive", "running" if flag(unit, "active") else "dead",
                "enabled" if flag(unit, "enabled") else "disabled"))
            continue
        if not loaded(unit):
            fail("Failed to %s %s: Unit %s not found." % (verb, unit, unit), 5 if verb != "is-enabled" else 1)
        if verb == "is-enabled":
            print("enabled" if flag(unit, "enabled") else "disabled")
            sys.exit(0 if flag(unit, "enabled") else 1)
        elif verb == "is-active":
            print("active" if flag(unit, "active") else "inactive")
            sys.exit(0 if flag(unit, "active") else 3)
        elif verb in ("enable", "disable", "preset", "reenable"):
            # Debian's preset policy is enable-all (deb-systemd-helper runs preset on install)
            set_flag(unit, "enabled", verb != "disable")
        elif verb in ("start", "restart", "reload", "try-restart", "reload-or-restart"):
            set_flag(unit, "active", True)
        elif verb == "stop":
            set_flag(unit, "active", False)
        else:
            fail("systemctl stand-in: unsupported verb %s" % verb)


def swapoff(args):
    """swapoff: records the call and empties the root's own /proc/swaps (a plain file there)
    instead of touching the host's swap."""
    record("swapoff", args)
    if "-a" in args:
        with open("/proc/swaps", "w") as handle:
            handle.write("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")


def swapon(args):
    """swapon: records the call; with -a lists the fstab's swap entries in the root's /proc/swaps."""
    record("swapon", args)
    if "-a" in args:
        entries = []
        with open("/etc/fstab") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 3 and not fields[0].startswith("#") and fields[2] == "swap":
                    entries.append("%-40sfile\t\t4194300\t\t0\t\t-2\n" % fields[0])
        with open("/proc/swaps", "w") as handle:
            handle.write("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" + "".join(entries))


def ctr(args):
    """ctr: `-n NS images ls -q|import FILE|pull REF`, one image list per namespace; import
    reads the image names from the real archive."""
    record("ctr", args)
    namespace = "default"
    if args[:1] in (["-n"], ["--namespace"]):
        namespace, args = args[1], args[2:]
    images = state_path("containerd", namespace + ".images")
    if args[:2] in (["images", "ls"], ["image", "ls"], ["i", "ls"]):
        for ref in read_set(images):
            print(ref)
    elif args[:2] in (["images", "import"], ["image", "import"], ["i", "import"]):
        tags = archive_tags(args[-1])
        if not tags:
            fail("ctr: %s holds no image names" % args[-1])
        full = []
        for tag in tags:
            name = tag if "/" in tag.split(":")[0] and "." in tag.split("/")[0] else "docker.io/" + (
                tag if "/" in tag else "library/" + tag)
            full.append(name)
            print("unpacking %s (sha256:0000)...done" % name)
        add_to_set(images, full)
    elif args[:2] in (["images", "pull"], ["image", "pull"], ["i", "pull"]):
        add_to_set(images, [args[-1]])
        print("%s: resolved" % args[-1])
    elif args[:2] in (["images", "rm"], ["image", "rm"], ["i", "rm"]):
        remove_from_set(images, args[2:])
        print("\n".join(args[2:]))
    else:
        fail("ctr stand-in: unsupported arguments %s" % args)


def docker(args):
    """docker: `images --format ...`, `load -i FILE` (image names from the real archive),
    `pull REF`, one image list."""
    record("docker", args)
    images = state_path("docker.images")
    if args[:1] == ["images"] or args[:2] == ["image", "ls"]:
        for ref in read_set(images):
            print(ref if ":" in ref.rsplit("/", 1)[-1] else ref + ":latest")
    elif args[:1] == ["load"]:
        tags = archive_tags(args[args.index("-i") + 1] if "-i" in args else args[-1])
        add_to_set(images, tags)
        for tag in tags:
            print("Loaded image: %s" % tag)
    elif args[:1] == ["pull"]:
        add_to_set(images, [args[-1]])
        print("Status: Downloaded newer image for %s" % args[-1])
    elif args[:1] == ["rmi"] or args[:2] == ["image", "rm"]:
        refs = [a for a in args[1 if args[0] == "rmi" else 2:] if not a.startswith("-")]
        remove_from_set(images, refs + [r + ":latest" for r in refs])
        for ref in refs:
            print("Untagged: %s" % ref)
    else:
        fail("docker stand-in: unsupported arguments %s" % args)


TOOLS = {"systemctl": systemctl, "swapoff": swapoff, "swapon": swapon, "ctr": ctr, "docker": docker}

if __name__ == "__main__":
    TOOLS[sys.argv[1]](sys.argv[2:])
