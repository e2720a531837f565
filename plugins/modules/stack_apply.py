#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Server-side apply of a stack's objects through one API client, batched."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_apply
short_description: Server-side apply of a list of objects through one API client, batched
version_added: 0.1.0
description:
  - Applies every object of O(objects) server-side (C(PATCH) with C(application/apply-patch+yaml), the field
    manager O(field_manager), conflicts forced with O(force_conflicts)), as C(kubernetes.core.k8s) with
    C(apply=true) and C(server_side_apply) does, object by object, but through one API client and in
    the controller's process (the action plugin reuses the client for the whole run).
  - B(Batched.) Namespaces and CRDs first, then the objects others refer to (accounts, RBAC, ConfigMaps,
    Secrets, Services), then the rest (workloads); the objects of one wave are applied at the same time.
    Every failure of a wave is reported; a later wave is not applied after one.
  - B(Changed.) As in C(kubernetes.core.k8s), the live object before and the object the API server returns
    differ in more than C(metadata.generation) and C(metadata.resourceVersion).
  - B(Check mode.) The API server's dry run (C(dryRun=All)); nothing is stored, C(changed) and the diff
    are what the apply would do. Objects in a namespace that does not exist yet cannot be dry-run.
  - Kinds of C(module_utils/_kube/client.py) PATHS need no discovery; others are looked up once per
    group version.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  objects:
    description: The objects to apply (each with C(apiVersion), C(kind) and C(metadata.name); C(metadata.namespace)
      for namespaced kinds).
    type: list
    elements: dict
    required: true
  field_manager:
    description: The field manager of the apply.
    type: str
    default: pdserve
  force_conflicts:
    description: Take over fields another field manager owns (server-side apply C(force)).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: The API server's dry run of every apply.
  diff_mode:
    support: full
    description: Per changed object, the parts of the live object and of the applied one that differ.
"""

EXAMPLES = r"""
- name: Apply the stack's objects
  pdserve.cluster.stack_apply:
    objects: "{{ stack_objects }}"
  register: stack_applied
"""

RETURN = r"""
api_server:
  description: The API server written to (its URL), for messages.
  returned: success
  type: str
result:
  description: What was applied.
  returned: always
  type: dict
  contains:
    results:
      description: Per object applied, in the order of O(objects) (C(kind), C(apiVersion), C(name), C(namespace),
        C(changed), C(created), C(method), C(resourceVersion) after the apply; C(diff) in diff mode).
      type: list
      elements: dict
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_apply as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
