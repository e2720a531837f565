# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.global_ranktable module (private: not a public API).

The MindIE Motor global ranktable of a deployed stack, read from its pods.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

import json

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import stack_selector
from ansible_collections.pdserve.cluster.plugins.module_utils._motor import ranktable as mr
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import kube_argument_spec
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import auth_argument_spec, Reader, poll
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable import RanktableError


def ARGUMENT_SPEC():
    return kube_argument_spec(
        auth_argument_spec(),
        derived=dict(type="dict", required=True),
        device_ips=dict(type="dict", default={}),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=300),
        wait_sleep=dict(type="float", default=1.0),
        config_map=dict(type="str", default="global-ranktable"),
        key=dict(type="str", default="global_ranktable.json", no_log=False),
    )


def current(reader, namespace, name, key):
    cm = reader.get("ConfigMap", name, namespace)
    text = ((cm or {}).get("data") or {}).get(key) or ""
    status = ""
    if text:
        try:
            status = json.loads(text).get("status") or ""
        except (ValueError, AttributeError):
            status = ""
    return text, status


def execute(params, check_mode=False):
    p = params
    selector = stack_selector(p["job_id"] or p["namespace"])
    state = {}
    try:
        reader = Reader.from_params(p)

        def check():
            pods = reader.list("Pod", p["namespace"], label_selector=selector)
            state["table"] = mr.table_from_pods(pods, p["derived"], p["device_ips"])
            return state["table"]["complete"]

        if p["wait"] and not check_mode:
            _done, elapsed = poll(check, p["wait_timeout"], p["wait_sleep"])
        else:
            check()
            elapsed = 0.0
        text, status = current(reader, p["namespace"], p["config_map"], p["key"])
    except RanktableError as exc:
        return dict(failed=True, changed=False, errors=exc.errors,
                    msg="the pods of %s give an invalid global ranktable:\n%s" % (p["namespace"], "\n".join(exc.errors)))
    except Exception as exc:
        return dict(failed=True, changed=False, msg="could not read the pods of %s: %s" % (p["namespace"], exc))
    table = state["table"]
    result = dict(changed=False, complete=table["complete"], ranktable=table["ranktable"], text=table["text"],
                  status="completed" if table["complete"] else "initializing", pending=table["pending"],
                  servers=[{k: r.get(k) for k in ("pod", "node", "server_id", "container_ip", "device_ids")}
                           for r in table["records"] if r.get("group") == "server"],
                  current_text=text, current_status=status, elapsed=round(elapsed, 2))
    if p["wait"] and not check_mode and not table["complete"]:
        result["failed"] = True
        result["msg"] = "global ranktable of %s not complete after %ss:\n%s" % (
            p["namespace"], p["wait_timeout"], "\n".join("- " + x for x in table["pending"]))
    return result
