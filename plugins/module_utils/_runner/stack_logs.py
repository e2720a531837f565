# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.stack_logs module (private: not a public API).

Collect the logs of every pod of a stack into a timestamped folder.
"""
from __future__ import annotations

import datetime
import os
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import stack_selector
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import kube_argument_spec
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import auth_argument_spec, ApiError, Reader

SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def ARGUMENT_SPEC():
    return kube_argument_spec(
        auth_argument_spec(),
        dest=dict(type="path", required=True),
        tail_lines=dict(type="int", default=0),
    )


def plan(pods, folder):
    """The files to write: one per container (and per previous container after a restart)."""
    out = []
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        name = pod["metadata"]["name"]
        node = (pod.get("spec") or {}).get("nodeName") or "unscheduled"
        statuses = {cs["name"]: cs for cs in (pod.get("status") or {}).get("containerStatuses") or []}
        containers = [c["name"] for c in (pod.get("spec") or {}).get("containers") or []]
        restarts = sum(cs.get("restartCount", 0) for cs in statuses.values())
        for cname in containers:
            suffix = "" if len(containers) == 1 else "_" + cname
            base = SAFE.sub("_", "%s_%s_%s%s" % (name, node, restarts, suffix))
            out.append({"pod": name, "node": node, "container": cname, "restarts": restarts, "previous": False,
                        "path": os.path.join(folder, base + ".log")})
            if statuses.get(cname, {}).get("restartCount", 0) > 0:
                out.append({"pod": name, "node": node, "container": cname, "restarts": restarts, "previous": True,
                            "path": os.path.join(folder, base + ".previous.log")})
    return out


def execute(params, check_mode=False):
    p = params
    try:
        reader = Reader.from_params(p)
    except ApiError as exc:
        return dict(failed=True, changed=False, msg=str(exc))
    stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
    folder = os.path.join(p["dest"], stamp)
    try:
        pods = reader.list("Pod", p["namespace"], label_selector=stack_selector(p["job_id"] or p["namespace"]))
    except Exception as exc:
        return dict(failed=True, changed=False, msg="could not list the pods of %s: %s" % (p["namespace"], exc))
    files = plan(pods, folder)
    if check_mode:
        return dict(changed=False, folder="", files=files)
    os.makedirs(folder, mode=0o750, exist_ok=True)
    for entry in files:
        text = reader.log(p["namespace"], entry["pod"], entry["container"], previous=entry["previous"],
                          tail_lines=p["tail_lines"] or None)
        with open(entry["path"], "w") as handle:
            handle.write(text if isinstance(text, str) else str(text))
    return dict(changed=False, folder=folder, files=files)
