# Shared by the recording stand-ins installed into node_prepare test roots (tests/node_roots/bin).
# Each stand-in appends its argv to /var/log/pdserve-standin/calls.log inside the test root, so a
# test can count, e.g., how many times `systemctl restart kubelet.service` ran, and keeps the state
# a real daemon would keep under /var/lib/pdserve-standin.
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


def archive_tags(path):
    """Image references held by a docker-archive (manifest.json RepoTags) or OCI archive (index.json)."""
    import json
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
