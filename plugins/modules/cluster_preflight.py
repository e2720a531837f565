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
  - pdserve.cluster.stack
  - pdserve.cluster.read_only
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

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import cluster_preflight as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
