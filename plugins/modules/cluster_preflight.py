#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Check, before anything is written, that a cluster can run a stack."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: cluster_preflight
short_description: Check that a Kubernetes cluster can run a pdserve stack, before any write
version_added: 0.1.0
description:
  - Reads the cluster in one pass and reports every problem at once; never writes.
  - Checks that the required CustomResourceDefinitions are installed and established, and
    that the schedulable nodes matching each role's node selector have enough free
    allocatable accelerator resources for the largest pod and for the whole stack (pods of
    the stack itself are not counted as using resources, since a redeploy replaces them).
  - The stack's namespace may or may not exist; its state is returned.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  namespace:
    description: Namespace of the stack (the MindIE C(job_id)).
    type: str
    required: true
  job_id:
    description:
      - The stack's instance name; its own pods carry C(app.kubernetes.io/instance=<job_id>).
      - Defaults to O(namespace).
    type: str
  required_crds:
    description:
      - Names of CRDs that must be installed, with the hint shown when one is missing.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The CRD's name, for example C(inferservicesets.mindcluster.huawei.com).
        type: str
        required: true
      hint:
        description: What to install when it is missing.
        type: str
        default: ""
  groups:
    description:
      - The pods the stack asks for, one entry per role.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Role name, used in messages.
        type: str
        required: true
      selector:
        description: Node selector of the role's pods.
        type: dict
        default: {}
      npus_per_pod:
        description: Accelerator units each pod requests.
        type: float
        required: true
      pods:
        description: Number of pods of the role.
        type: int
        required: true
      tolerations:
        description:
          - Tolerations of the role's pods. A node whose V(NoSchedule) / V(NoExecute) taints
            they do not all tolerate is not counted (the scheduler's matching rule).
        type: list
        elements: dict
        default: []
  node_ports:
    description:
      - NodePorts the stack's Services ask for, with the configuration field that sets each
        (used in the message). A port held by a Service of another namespace (or of another
        stack in this one) is an error - the API server would refuse the Service half-way
        through the apply.
    type: list
    elements: dict
    default: []
    suboptions:
      port:
        description: The NodePort.
        type: int
        required: true
      field:
        description: The configuration field that sets it.
        type: str
        default: ""
  resource:
    description: Extended resource name of the accelerator.
    type: str
    default: huawei.com/Ascend910
attributes:
  check_mode:
    support: full
    description: The module only reads; in check mode it does the same.
  diff_mode:
    support: none
    description: Nothing in the cluster is changed, so there is nothing to diff.
notes:
  - Runs on the control node; needs the C(kubernetes) Python package.
"""

EXAMPLES = r"""
- name: Preflight the hybrid stack
  pdserve.cluster.cluster_preflight:
    namespace: mindie-motor
    required_crds:
      - name: inferservicesets.mindcluster.huawei.com
        hint: install MindCluster's InferServiceSet operator, or set deploy_mode multi_deployment
    groups:
      - name: union
        selector: {accelerator-type: module-a3-16}
        npus_per_pod: 8
        pods: 4
"""

RETURN = r"""
namespace_exists:
  description: Whether the namespace exists already.
  returned: always
  type: bool
pools:
  description: Per node pool (selector), the usable nodes and their free accelerator units.
  returned: always
  type: list
  elements: dict
  sample: [{"selector": "accelerator-type=module-a3-16", "free": {"a3-node-1": 16.0}, "skipped": {}}]
errors:
  description: Every problem found; the module fails when it is not empty.
  returned: always
  type: list
  elements: str
"""


import json

from ansible_collections.pdserve.cluster.plugins.module_utils._module import run_module
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.capacity import capacity_errors, node_pool, selector_text
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import INSTANCE, NPU_RESOURCE
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import Reader, auth_argument_spec


def argument_spec():
    spec = auth_argument_spec()
    spec.update(
        namespace=dict(type="str", required=True),
        job_id=dict(type="str"),
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
    return spec


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
    return dict(argument_spec=argument_spec())


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


def main():
    run_module(ARGUMENT_SPEC(), execute)


if __name__ == "__main__":
    main()
