# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.cluster_preflight module (private: not a public API).

Check, before anything is written, that a cluster can run a stack.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

import json

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.capacity import capacity_errors, node_pool, selector_text
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import INSTANCE, NPU_RESOURCE
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import kube_argument_spec
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import auth_argument_spec, Reader


def preflight(reader, params):
    errors = []
    job_id = params["job_id"] or params["namespace"]
    for crd in params["required_crds"]:
        obj = reader.get("CustomResourceDefinition", crd["name"])
        if obj is None:
            errors.append("CRD %s is not installed%s" % (crd["name"], ": " + crd["hint"] if crd["hint"] else ""))
            continue
        established = [c for c in (obj.get("status") or {}).get("conditions") or []
                       if c.get("type") == "Established" and c.get("status") == "True"]
        if not established:
            errors.append("CRD %s is installed but not Established yet" % crd["name"])
    namespace_exists = reader.get("Namespace", params["namespace"]) is not None
    nodes = reader.list("Node")
    pods = reader.list("Pod", namespace=None) if params["groups"] else []

    def own(pod):
        return ((pod.get("metadata") or {}).get("labels") or {}).get(INSTANCE) == job_id and \
            (pod.get("metadata") or {}).get("namespace") == params["namespace"]

    errors += capacity_errors(nodes, pods, params["groups"], params["resource"], ignore_pod=own)
    errors += node_port_errors(reader.list("Service", namespace=None) if params.get("node_ports") else [],
                               params.get("node_ports") or [], params["namespace"], job_id)
    pools = []
    for sel, tol in sorted({(tuple(sorted((g["selector"] or {}).items())), json.dumps(g.get("tolerations") or [], sort_keys=True))
                            for g in params["groups"]}):
        free, skipped = node_pool(nodes, pods, dict(sel), params["resource"], ignore_pod=own,
                                  tolerations=json.loads(tol))
        pools.append({"selector": selector_text(dict(sel)), "free": free, "skipped": skipped})
    return {"namespace_exists": namespace_exists, "pools": pools, "errors": errors}


def node_port_errors(services, wanted, namespace, job_id):
    """A wanted NodePort that a Service not of this stack (another namespace, or another
    instance label here) holds already."""
    held = {}
    for svc in services:
        meta = svc.get("metadata") or {}
        mine = meta.get("namespace") == namespace and (meta.get("labels") or {}).get(INSTANCE) == job_id
        if mine:
            continue
        for port in (svc.get("spec") or {}).get("ports") or []:
            if port.get("nodePort"):
                held[port["nodePort"]] = "%s/%s" % (meta.get("namespace"), meta.get("name"))
    errors = []
    for item in wanted:
        if item["port"] in held:
            errors.append("NodePort %d%s is already allocated to Service %s: a NodePort is cluster-wide; "
                          "uninstall that stack first, or use another port"
                          % (item["port"], " (%s)" % item["field"] if item.get("field") else "", held[item["port"]]))
    return errors


def ARGUMENT_SPEC():
    return kube_argument_spec(
        auth_argument_spec(),
        required_crds=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True), hint=dict(type="str", default=""))),
        groups=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True), selector=dict(type="dict", default={}),
            npus_per_pod=dict(type="float", required=True), pods=dict(type="int", required=True),
            tolerations=dict(type="list", elements="dict", default=[]))),
        node_ports=dict(type="list", elements="dict", default=[], options=dict(
            port=dict(type="int", required=True), field=dict(type="str", default=""))),
        resource=dict(type="str", default=NPU_RESOURCE),
    )


def execute(params, check_mode=False):
    try:
        result = preflight(Reader.from_params(params), params)
    except Exception as exc:  # API unreachable, forbidden, ...
        return dict(failed=True, changed=False, msg="preflight could not read the cluster: %s" % exc)
    result["changed"] = False
    if result["errors"]:
        result["failed"] = True
        result["msg"] = "preflight found %d problem(s):\n%s" % (
            len(result["errors"]), "\n".join("- " + e for e in result["errors"]))
    return result
