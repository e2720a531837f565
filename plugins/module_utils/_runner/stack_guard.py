# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.stack_guard module (private: not a public API).

Before the first write of a deploy: whose are the objects we would apply, and may our pods
run in the namespace.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

import copy

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.ownership import is_ours, managers, ownership_conflicts
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.pod_security import namespace_plan
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.workload_diff import workload_diff
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import kube_argument_spec
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import (
    auth_argument_spec, NotFound, PATHS, Reader)

SUPPORTS_DIFF = True


def ARGUMENT_SPEC():
    return kube_argument_spec(
        auth_argument_spec(), shared=("namespace",),
        objects=dict(type="list", elements="dict", required=True),
        extra=dict(type="list", elements="dict", default=[]),
        labels=dict(type="dict", default={}),
        adopt=dict(type="bool", default=False),
        scale=dict(type="bool", default=False),
    )


def _plural(kind):
    low = kind.lower()
    if low.endswith("y"):
        return low[:-1] + "ies"
    if low.endswith(("ss", "x", "ch", "sh")):
        return low + "es"
    if low.endswith("s"):
        return low  # Endpoints
    return low + "s"


def rest_path(obj):
    """REST path of one object (known kinds from _kube/client.py PATHS, others from apiVersion)."""
    kind = obj.get("kind")
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    if kind in PATHS:
        base = PATHS[kind]
        if "{ns}" in base:
            base = base.format(ns=ns)
        return base + "/" + meta["name"]
    version = obj.get("apiVersion") or "v1"
    root = "/api/v1" if version == "v1" else "/apis/" + version
    return "%s%s/%s/%s" % (root, "/namespaces/" + ns if ns else "", _plural(kind), meta["name"])


def read_live(reader, objects):
    """The live object for each (kind, namespace, name) of ``objects`` that exists."""
    out = []
    seen = set()
    for obj in objects:
        meta = obj.get("metadata") or {}
        key = (obj.get("kind"), meta.get("namespace"), meta.get("name"))
        if key in seen or not meta.get("name"):
            continue
        seen.add(key)
        try:
            live = reader._call(rest_path(obj))
        except NotFound:
            continue
        live.setdefault("kind", obj.get("kind"))
        live.setdefault("apiVersion", obj.get("apiVersion"))
        out.append(live)
    return out


def guard(live_ns, live, params, check_mode=False, diff=False):
    """The decision on already read objects (pure: unit-tested without an API)."""
    namespace = params["namespace"]
    objects = params["objects"]
    errors = []
    if not params["adopt"]:
        errors += ownership_conflicts(live)
    plan = namespace_plan(live_ns, objects, namespace, params["labels"])
    errors += plan["errors"]
    if params["scale"]:
        errors += ["%s differs from the deployed stack; a scale may change only the instance counts"
                   % d for d in workload_diff(live, objects)]
    result = {
        "changed": False,
        "namespace": plan,
        "errors": errors,
        "live": [{"kind": o.get("kind"), "namespace": (o.get("metadata") or {}).get("namespace"),
                  "name": (o.get("metadata") or {}).get("name"),
                  "resourceVersion": (o.get("metadata") or {}).get("resourceVersion"),
                  "ours": is_ours(o), "managers": managers(o)} for o in live],
    }
    if errors:
        result["failed"] = True
        result["msg"] = "refused before any write (%d problem(s)): %s" % (len(errors), " || ".join(errors))
        return result
    if check_mode and live_ns is None:
        new = [o for o in objects if (o.get("metadata") or {}).get("namespace") == namespace]
        result["changed"] = True
        result["new_in_namespace"] = ["%s %s" % (o.get("kind"), o["metadata"]["name"]) for o in new]
        if diff:
            result["diff"] = [{"before": {}, "after": copy.deepcopy(o),
                               "before_header": "%s %s/%s (absent: namespace %s does not exist yet)"
                               % (o.get("kind"), namespace, o["metadata"]["name"], namespace),
                               "after_header": "%s %s/%s" % (o.get("kind"), namespace, o["metadata"]["name"])}
                              for o in new]
    return result


def execute(params, check_mode=False, diff=False):
    try:
        reader = Reader.from_params(params)
        live_ns = reader.get("Namespace", params["namespace"])
        names = [o for o in list(params["objects"]) + list(params["extra"]) if o.get("kind") != "Namespace"]
        if live_ns is None:
            names = [o for o in names if (o.get("metadata") or {}).get("namespace") != params["namespace"]]
        live = read_live(reader, names)
    except Exception as exc:  # API unreachable, forbidden, ...
        return dict(failed=True, changed=False,
                    msg="could not read the live objects of stack %s: %s" % (params["namespace"], exc))
    return guard(live_ns, live, params, check_mode=check_mode, diff=diff)
