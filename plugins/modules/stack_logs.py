#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Collect the logs of every pod of a stack into a timestamped folder."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_logs
short_description: Collect the logs of every pod of a pdserve stack
version_added: 0.1.0
description:
  - Writes the log of every container of every pod carrying the stack's labels, and the log
    of the previous container when it restarted, to
    C(<dest>/<YYYYMMDD_hhmmss>/<pod>_<node>_<restarts>.log), the layout of MindIE's
    C(show_log.sh).
  - Finds pods by label, so it works from anywhere and after a partial failure.
  - Reports C(changed=false) because the cluster is only read; the report folder it writes on
    the control node is new on every run by design.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  namespace:
    description: Namespace of the stack.
    type: str
    required: true
  job_id:
    description: The stack's C(app.kubernetes.io/instance) label value. Defaults to O(namespace).
    type: str
  dest:
    description: Folder under which the timestamped report folder is made.
    type: path
    required: true
  tail_lines:
    description: Keep only this many last lines per log; C(0) keeps everything.
    type: int
    default: 0
attributes:
  check_mode:
    support: full
    description: The module only reads; in check mode it does the same.
  diff_mode:
    support: none
    description: Nothing in the cluster is changed, so there is nothing to diff.
"""

EXAMPLES = r"""
- name: Collect logs
  pdserve.cluster.stack_logs:
    namespace: mindie-motor
    dest: ./logs
"""

RETURN = r"""
folder:
  description: The report folder written (none in check mode).
  returned: always
  type: str
files:
  description: The log files written, with their pod, node, container and restarts.
  returned: always
  type: list
  elements: dict
"""

import datetime
import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import stack_selector
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import Reader, auth_argument_spec

SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def argument_spec():
    spec = auth_argument_spec()
    spec.update(
        namespace=dict(type="str", required=True),
        job_id=dict(type="str"),
        dest=dict(type="path", required=True),
        tail_lines=dict(type="int", default=0),
    )
    return spec


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


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    reader = Reader.from_module(module)
    stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
    folder = os.path.join(p["dest"], stamp)
    try:
        pods = reader.list("Pod", p["namespace"], label_selector=stack_selector(p["job_id"] or p["namespace"]))
    except Exception as exc:
        module.fail_json(msg="could not list the pods of %s: %s" % (p["namespace"], exc))
    files = plan(pods, folder)
    if module.check_mode:
        module.exit_json(changed=False, folder="", files=files)
    os.makedirs(folder, mode=0o750, exist_ok=True)
    for entry in files:
        text = reader.log(p["namespace"], entry["pod"], entry["container"], previous=entry["previous"],
                          tail_lines=p["tail_lines"] or None)
        with open(entry["path"], "w") as handle:
            handle.write(text if isinstance(text, str) else str(text))
    module.exit_json(changed=False, folder=folder, files=files)


if __name__ == "__main__":
    main()
