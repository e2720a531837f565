#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dynamo_config
short_description: Validate the input of an NVIDIA Dynamo PD stack on RoleBasedGroup and render its Dynamo configuration
version_added: 0.1.0
description:
  - Checks the input of the Dynamo stack (model volume, image, processor / prefill / decode roles,
    GPUs per worker, tensor parallel size, router, ports, etcd and NATS deployed or given as
    endpoints, Dynamo configuration sections) and fills in the defaults, which reproduce the 2P1D
    example of the users' document.
  - Renders the Dynamo configuration file (sections C(Common), C(Frontend), C(Processor),
    C(VllmWorker), C(PrefillWorker), with the input's C(dynamo_config) merged over them) and checks it
    against the input, the way Dynamo reads it (C(common-configs) keys that exist, tensor parallel
    size x worker processes = GPUs per pod, the frontend port).
  - Picks the RoleBasedGroup API version to write from O(served_versions) (V(v1alpha2) before V(v1alpha1)).
  - With O(baseline) (the deployed input), only the keys in O(allowed_changes) may differ.
  - Every error names its path, the value and the rule; all errors are reported together. Nothing is written.
author:
  - pdserve.cluster developers (@pdserve)
options:
  config:
    description:
      - The stack's input (see C(docs/dynamo_rbg.md) for every key). C(image) is required.
    type: dict
    required: true
  served_versions:
    description:
      - The versions of C(workloads.x-k8s.io) the cluster serves (API discovery). Unset, the module
        assumes V(v1alpha2) unless the input's C(rbg_version) names one.
    type: list
    elements: str
  baseline:
    description:
      - The deployed input (a scale compares with it).
    type: dict
  allowed_changes:
    description:
      - Dotted input paths that may differ from O(baseline).
    type: list
    elements: str
    default: [prefill.replicas, decode.replicas]
notes:
  - Runs in the controller's process (action plugin) when the connection is local.
attributes:
  check_mode:
    support: full
    description: Nothing is written in any mode.
  diff_mode:
    support: none
    description: Nothing to show.
"""

EXAMPLES = r"""
- name: The document's 2P1D example on a cluster serving RoleBasedGroup v1alpha2
  pdserve.cluster.dynamo_config:
    config:
      image: registry.example.com/dynamo/vllm-runtime:0.3
    served_versions: [v1alpha2, v1alpha1]
  register: dynamo
"""

RETURN = r"""
config:
  description: The input with every default filled in.
  returned: always
  type: dict
dynamo_config:
  description: The Dynamo configuration file's content (sections).
  returned: always
  type: dict
derived:
  description: What the stack steps read (module_utils/_family.py); empty on errors.
  returned: always
  type: dict
rbg_version:
  description: The RoleBasedGroup version to write.
  returned: success
  type: str
  sample: v1alpha2
differences:
  description: With O(baseline), every difference from it, and whether it is allowed.
  returned: always
  type: list
  elements: dict
errors:
  description: The broken rules as text (path, value, rule).
  returned: always
  type: list
  elements: str
error_details:
  description: The same as dicts (path, value, rule, message).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import dynamo_config as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
