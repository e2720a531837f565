#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Everything a pdserve stack has in the cluster, found by label, in one read."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_info
short_description: Find a pdserve stack's objects by label and summarise its state per role
version_added: 0.1.0
description:
  - Lists, in one pass, every object that carries the stack's labels
    (C(app.kubernetes.io/managed-by=pdserve), C(app.kubernetes.io/instance=<job_id>)), so
    status, scale, logs and uninstall work from anywhere and after a partial failure.
  - Summarises each role (component) as desired and ready instances, its pods and their
    nodes, and finds the coordinator's endpoint.
  - Returns the configuration baseline stored in the stack's ConfigMap, which scaling
    compares against.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - pdserve.cluster.stack
  - pdserve.cluster.read_only
  - kubernetes.core.k8s_auth_options
options:
  kinds:
    description: Kinds to list.
    type: list
    elements: str
    default: [InferServiceSet, ModelServing, RoleBasedGroup, Deployment, StatefulSet, Service, ConfigMap, ServiceAccount,
              Role, RoleBinding, ClusterRole, ClusterRoleBinding, Secret, PersistentVolumeClaim, PersistentVolume]
  config_map:
    description: Name of the ConfigMap holding C(user_config.json) and C(env.json) (or the Dynamo stack's
      C(pdserve-input.json)) as applied.
    type: str
    default: motor-config
  foreign:
    description: Also list, in RV(foreign), the objects of O(kinds) in the namespace that are not pdserve's
      (no C(app.kubernetes.io/managed-by=pdserve) label or no field manager C(pdserve)); purge refuses them.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read the stack
  pdserve.cluster.stack_info:
    namespace: mindie-motor
  register: stack
"""

RETURN = r"""
api_server:
  description: The API server read (its URL), for messages.
  returned: always
  type: str
namespace_exists:
  description: Whether the namespace exists.
  returned: always
  type: bool
namespace_ours:
  description: Whether the namespace is pdserve's (managed-by label and field manager C(pdserve)).
  returned: always
  type: bool
objects:
  description: The stack's objects (kind, apiVersion, name, namespace, component, instance index, stack role,
    resourceVersion, whether they are pdserve's (C(ours), label and field manager) and their field managers).
  returned: always
  type: list
  elements: dict
roles:
  description: Per component, desired and ready instances and the pods with their nodes.
  returned: always
  type: list
  elements: dict
  sample: [{"role": "union", "desired": 2, "ready": 2, "pods": [{"name": "x", "node": "a3-node-1", "ready": true}]}]
endpoint:
  description: The coordinator's inference endpoint (node IP and NodePort), when there is one.
  returned: always
  type: dict
baseline:
  description: C(user_config) and C(env_config) (or the Dynamo stack's C(input)) stored in O(config_map); empty when absent.
  returned: always
  type: dict
foreign:
  description: With O(foreign), C(Kind namespace/name (owner)) of each object in the namespace that is not
    pdserve's (the default ServiceAccount, C(kube-root-ca.crt) and objects a controller owns are left out).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_info as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
