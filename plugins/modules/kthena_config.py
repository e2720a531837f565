#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kthena_config
short_description: Validate a vLLM-Ascend / Mooncake stack on Kthena ModelServing and render its scripts
version_added: 0.2.0
description:
  - Checks the configuration of the P(pdserve.cluster.kthena_mooncake#role) role (vLLM-Ascend
    prefill and decode with Mooncake KV transfer on a Kthena C(ModelServing), scheduled by Volcano)
    and returns it with the defaults filled in, the C(prefill.sh) / C(decode.sh) scripts and the
    values the templates need.
  - "Rules: DP x TP of each role equals the NPUs its pod asks for; C(kv_connector_extra_config)
    prefill / decode sizes agree with the roles; with hostNetwork every port of a pod (C(--port),
    C(--data-parallel-rpc-port), the Mooncake handshake ports kv_port .. kv_port + DP x TP - 1) is
    unique and a prefill and a decode pod share none; the NIC is an interface of every node in
    O(node_interfaces); the scheduler is Volcano."
  - Every error names the field, the value and the rule; all are reported together.
  - With O(baseline) it is the scale guard, only O(allowed_changes) may differ.
  - Never changes anything on the host or the cluster.
author:
  - pdserve.cluster developers (@pdserve)
options:
  config:
    description:
      - The stack's configuration (see the role's C(kthena_mooncake_*) variables for its keys).
      - Absent keys take the values of the users' document.
    type: dict
    default: {}
  node_interfaces:
    description:
      - Network interface names by node (from the nodes' facts). Every node must have the
        configured C(nic_name).
    type: dict
  baseline:
    description:
      - The configuration deployed before (read back from the cluster). When given, the requested
        configuration may differ from it only in O(allowed_changes).
    type: dict
  allowed_changes:
    description:
      - Dotted paths that may differ from O(baseline).
    type: list
    elements: str
    default: [replicas, roles.prefill.replicas, roles.decode.replicas]
notes:
  - Supports check mode; the module only reads.
attributes:
  check_mode:
    support: full
    description: The module never changes anything.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
"""

EXAMPLES = r"""
- name: Validate the document's example with two prefill pods
  pdserve.cluster.kthena_config:
    config:
      roles:
        prefill:
          replicas: 2
  register: kthena_config
"""

RETURN = r"""
config:
  description: The configuration with every default filled in.
  returned: always
  type: dict
derived:
  description: What the stack's steps read (names, roles and their pod counts, ports, scripts); empty on errors.
  returned: always
  type: dict
errors:
  description: Every broken rule, one a line (path, value, rule).
  returned: always
  type: list
  elements: str
error_details:
  description: The same errors as objects with C(path), C(value), C(rule) and C(message).
  returned: always
  type: list
  elements: dict
differences:
  description: With O(baseline), every difference from it (C(path), C(old), C(new)).
  returned: when baseline is given
  type: list
  elements: dict
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import kthena_config as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
