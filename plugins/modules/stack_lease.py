#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Take or give back the Leases that keep two deploys apart."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_lease
short_description: Take or release the Leases of a deploy (one per stack, one per NodePort it claims)
version_added: 0.2.0
description:
  - Before its first write a deploy takes a C(coordination.k8s.io/v1) Lease C(pdserve-stack-<job>) and one
    Lease C(pdserve-nodeport-<port>) per NodePort it claims, all in one fixed namespace (O(lease_namespace)),
    so that two runs for the same stack, or two stacks that want the same NodePort, never write at once.
  - The holder identity is C(host:pid:job), the pid being the ansible-playbook process's.
  - A Lease held by another run is waited for up to O(wait) seconds (C(0) fails at once); the failure names
    the holder, the Lease and what it claims. Leases taken by this call are given back before it fails.
  - A Lease is free when missing, expired (renewTime + leaseDurationSeconds passed) or held by a process of
    this host that no longer runs.
  - With O(state=absent) the Leases this run holds are deleted (with uid and resourceVersion preconditions).
  - In check mode nothing is written; a Lease held by another run still fails the task, as the real run would.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  job_id:
    description: The stack's job_id; names the stack Lease and ends the holder identity.
    type: str
    required: true
  node_ports:
    description: NodePorts the stack claims, each with the field it comes from (for the messages).
    type: list
    elements: dict
    default: []
    suboptions:
      port:
        description: The NodePort.
        type: int
        required: true
      field:
        description: What the port is, in words.
        type: str
        default: NodePort
  state:
    description: C(present) takes the Leases, C(absent) gives back those this run holds.
    type: str
    choices: [present, absent]
    default: present
  lease_namespace:
    description: Namespace of the Leases; one for the whole cluster, so that different stacks meet there.
    type: str
    default: kube-system
  lease_duration:
    description:
      - Seconds a Lease stays valid without its holder. A run killed before it gave its Leases back blocks
        other hosts for at most this long; on its own host a run whose process is gone is overtaken at once.
    type: int
    default: 3600
  wait:
    description: Seconds to wait for Leases held by another run. C(0) fails at once.
    type: int
    default: 0
  wait_sleep:
    description: Seconds between two attempts while waiting.
    type: float
    default: 2.0
attributes:
  check_mode:
    support: full
    description: Reads the Leases; fails when another run holds one; writes nothing.
  diff_mode:
    support: none
    description: The Leases live only for the run.
"""

EXAMPLES = r"""
- name: Take the stack's Leases
  pdserve.cluster.stack_lease:
    job_id: mindie-motor
    node_ports:
      - {port: 31015, field: the coordinator's inference NodePort}

- name: Give them back
  pdserve.cluster.stack_lease:
    job_id: mindie-motor
    state: absent
"""

RETURN = r"""
holder:
  description: This run's holder identity (host:pid:job).
  returned: always
  type: str
leases:
  description: Names of the Leases this run holds after the task (present) or gave back (absent).
  returned: always
  type: list
  elements: str
waited:
  description: Seconds spent waiting for other runs.
  returned: always
  type: float
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_lease as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
