#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Before the first write of a deploy: whose are the objects we would apply, and may our pods
run in the namespace."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_guard
short_description: Refuse a deploy that would take over, relax or (on a scale) change what it must not
version_added: 0.1.0
description:
  - Reads, in one pass, the live objects of the names a deploy would apply (the rendered objects
    and O(extra)) and the namespace, and fails before any write, listing every problem at once.
  - B(Ownership.) An object is pdserve's when it carries the label C(app.kubernetes.io/managed-by=pdserve)
    and the field manager C(pdserve). A live object of the same kind and name that is not is
    named with its managers, unless O(adopt).
  - B(Pod Security.) The level the rendered pods need (C(restricted) where they allow, else C(baseline),
    else C(privileged)) is computed from their specs. A namespace that does not exist gets our labels
    with that level; an existing namespace that is not ours is used as it is and never relabelled;
    an enforce label another field manager set is never lowered. If that label would refuse our pods,
    the module fails naming the namespace, the label and the pods that need more.
  - B(Scale.) With O(scale), the rendered workloads are compared with the live ones apart from the
    instance and replica counts; any other difference fails, naming the object and the field.
  - B(Check mode.) On a namespace that does not exist yet, the objects that would go into it cannot be
    dry-run by the API server; they are reported as new, with a diff in diff mode.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - pdserve.cluster.stack.namespace
  - kubernetes.core.k8s_auth_options
options:
  objects:
    description: The rendered objects the deploy would apply (the namespace's own object included or not).
    type: list
    elements: dict
    required: true
  extra:
    description: More objects the deploy writes (kind, apiVersion, metadata.name / namespace are enough),
      for instance the PKI role's Secrets and ConfigMap; checked for ownership only.
    type: list
    elements: dict
    default: []
  labels:
    description: The labels every object of the stack carries (the namespace gets them too when pdserve creates it).
    type: dict
    default: {}
  adopt:
    description: Take over objects of the same names that are not pdserve's (server-side apply with
      forced conflicts); a foreign namespace is still never relabelled.
    type: bool
    default: false
  scale:
    description: Compare the rendered workloads with the live ones; only the replica / instance counts may differ.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: partial
    description: In check mode, for a namespace that does not exist yet, the objects that would be made in it.
"""

EXAMPLES = r"""
- name: Check ownership and Pod Security before applying
  pdserve.cluster.stack_guard:
    namespace: mindie-motor
    objects: "{{ stack_objects }}"
    labels: "{{ stack_common_labels }}"
    adopt: "{{ pdserve_adopt | default(false) }}"
  register: stack_guard
"""

RETURN = r"""
namespace:
  description: What the deploy does with its namespace.
  returned: always
  type: dict
  contains:
    exists:
      description: Whether it exists.
      type: bool
    ours:
      description: Whether it is pdserve's (label and field manager).
      type: bool
    render:
      description: Whether pdserve applies its Namespace object (new or ours).
      type: bool
    labels:
      description: The labels pdserve gives it (when render).
      type: dict
    level:
      description: The Pod Security level the stack's pods need.
      type: str
    pods:
      description: Per pod that is not restricted, its level and the problems against the stricter level.
      type: dict
live:
  description: The live objects found (kind, namespace, name, resourceVersion, ours, managers).
  returned: always
  type: list
  elements: dict
errors:
  description: Every problem found (the module fails when there is one).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_guard as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
