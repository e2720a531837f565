# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.stack_apply module (private: not a public API).

Server-side apply of a list of objects through one API client (module_utils/_kube/apply.py),
with kubernetes.core.k8s's check and diff semantics. ``ARGUMENT_SPEC()`` and ``execute(params,
check_mode, diff)`` serve the module file and the in-process action plugin
(plugins/plugin_utils/_inprocess.py), which reuses the client for the whole run.
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.apply import apply_all
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import ApiError, Reader, auth_argument_spec
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import describe
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import FIELD_MANAGER
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import kube_argument_spec

SUPPORTS_DIFF = True


def ARGUMENT_SPEC():
    return kube_argument_spec(
        auth_argument_spec(), shared=(),
        objects=dict(type="list", elements="dict", required=True),
        field_manager=dict(type="str", default=FIELD_MANAGER),
        force_conflicts=dict(type="bool", default=True),
    )


def problems(objects):
    """Every object that cannot be applied as given (no kind, apiVersion or name), at once."""
    out = []
    for index, obj in enumerate(objects):
        missing = [key for key, value in (("kind", obj.get("kind")), ("apiVersion", obj.get("apiVersion")),
                                          ("metadata.name", (obj.get("metadata") or {}).get("name"))) if not value]
        if missing:
            out.append("objects[%d]: %s is required" % (index, ", ".join(missing)))
    return out


def _name(result):
    return describe({"kind": result["kind"], "metadata": {"name": result["name"], "namespace": result["namespace"]}})


def execute(params, check_mode, diff=False):
    objects = params["objects"]
    errors = problems(objects)
    if errors:
        return {"failed": True, "changed": False, "msg": "nothing applied: " + "; ".join(errors)}
    if not objects:
        return {"changed": False, "result": {"results": []}}
    try:
        reader = Reader.from_params(params)
        results, errors = apply_all(reader.api, objects, params["field_manager"], params["force_conflicts"],
                                    check_mode, budget=reader.retry_budget)
    except ApiError as exc:
        return {"failed": True, "changed": False, "msg": str(exc)}
    done = [r for r in results if r is not None]
    out = {"changed": any(r["changed"] for r in done), "api_server": reader.server,
           "result": {"results": [dict(r, diff=r["diff"] if diff else {}) for r in done]}}
    if diff:
        out["diff"] = [{"before_header": _name(r) + (" (absent)" if r["created"] else ""),
                        "after_header": _name(r),
                        "before": r["diff"].get("before", {}), "after": r["diff"].get("after", {})}
                       for r in done if r["changed"]]
    if errors:
        out.update(failed=True, msg="Failed to apply %d object(s): %s" % (len(errors), " || ".join(errors)))
    return out
