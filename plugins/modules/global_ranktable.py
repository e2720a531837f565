#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The MindIE Motor global ranktable of a deployed stack, read from its pods."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: global_ranktable
short_description: Build a MindIE Motor stack's global ranktable from its scheduled pods
version_added: 0.1.0
description:
  - Reads the pods of a MindIE Motor PD disaggregation stack (found by the stack's labels) and
    builds its global ranktable (C(global_ranktable.json)) the way MindIE Motor's deploy scripts
    do - group C(0) coordinator, C(1) controller, C(2) servers with their pod IP, host IP and
    the NPUs the Ascend device plugin allocated - with C(status) C(completed) once every
    expected pod is Running with its NPUs, else the C(initializing) table.
  - The NPU ids come from the device plugin's pod annotation
    C(ascend.kubectl.kubernetes.io/ascend-910-configuration) (else C(huawei.com/Ascend910)).
    Device IPs come from O(device_ips) (what M(pdserve.cluster.npu_facts) reports per node);
    the device plugin's C(device_ip) is the fallback.
  - Only reads. Writing the table into the C(global-ranktable) ConfigMap is left to
    M(kubernetes.core.k8s) (server-side apply), so it is idempotent and shows in C(--diff).
  - Also returns the table the ConfigMap holds now (RV(current_text)).
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - pdserve.cluster.stack
  - kubernetes.core.k8s_auth_options
options:
  derived:
    description:
      - The C(derived) (or C(stack)) value of M(pdserve.cluster.motor_config) for the deployed
        model; tells which pods to expect (C(pods)), NPUs per pod, the hardware type and the
        single container's server ports.
    type: dict
    required: true
  device_ips:
    description:
      - "Device IPs per node, keyed by node name or host IP; each value is M(pdserve.cluster.npu_facts)'s
        C(ansible_facts.npu) of that node, a list of C({id, ip}) or a map C({device id: ip})."
      - A device missing here takes the IP the device plugin put into its pod annotation.
    type: dict
    default: {}
  wait:
    description: Wait until every expected pod is Running with its NPU allocation (fail after O(wait_timeout)).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: int
    default: 300
  wait_sleep:
    description: The longest pause between two reads while waiting (the first is 0.2 s, each next one 1.5 times longer).
    type: float
    default: 1.0
  config_map:
    description: Name of the ConfigMap holding the table.
    type: str
    default: global-ranktable
  key:
    description: Key of the table in O(config_map).
    type: str
    default: global_ranktable.json
attributes:
  check_mode:
    support: full
    description: The module only reads; in check mode it does the same (it does not wait).
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
notes:
  - Pods with a C(deletionTimestamp) are left out; the counts must match the model exactly, so
    while a rollout or a scale is under way the table stays C(initializing).
seealso:
  - module: pdserve.cluster.ranktable
  - module: pdserve.cluster.npu_facts
  - module: pdserve.cluster.motor_config
"""

EXAMPLES = r"""
- name: Fill the global ranktable once the servers are scheduled
  pdserve.cluster.global_ranktable:
    namespace: motor-multi
    derived: "{{ motor.derived }}"
    device_ips: "{{ pdserve_npu_device_ips | default({}) }}"
    wait: true
  register: ranktable

- name: Store it
  kubernetes.core.k8s:
    state: present
    apply: true
    server_side_apply: {field_manager: pdserve}
    definition:
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: global-ranktable, namespace: motor-multi}
      data:
        global_ranktable.json: "{{ ranktable.text }}"
"""

RETURN = r"""
complete:
  description: Whether every expected pod is Running with its NPU allocation (RV(ranktable) is then the completed table).
  returned: always
  type: bool
ranktable:
  description: The completed global ranktable, or null when not RV(complete).
  returned: always
  type: dict
text:
  description: What the ConfigMap should hold - the completed table as text when RV(complete), else the initializing table.
  returned: always
  type: str
status:
  description: C(completed) or C(initializing), the status of RV(text).
  returned: always
  type: str
pending:
  description: Why the table is not complete (pods missing, not Running, without NPU allocation).
  returned: always
  type: list
  elements: str
servers:
  description: The server records (pod, node, host IP, pod IP, device ids) the table was built from.
  returned: always
  type: list
  elements: dict
current_text:
  description: The table in O(config_map) now (empty when the ConfigMap or key does not exist).
  returned: always
  type: str
current_status:
  description: The C(status) of RV(current_text), empty when there is none.
  returned: always
  type: str
elapsed:
  description: Seconds spent waiting.
  returned: always
  type: float
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import global_ranktable as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
