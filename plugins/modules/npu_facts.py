#!/usr/bin/python
# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: npu_facts
short_description: Gather facts about the Ascend NPUs of a node (device IPs, links, health)
version_added: 0.1.0
description:
  - Runs C(npu-smi info -l) and, for every NPU device, C(hccn_tool -i N -ip -g),
    C(hccn_tool -i N -link -g) and C(hccn_tool -i N -net_health -g), and reads the
    C(address_N) entries of C(/etc/hccn.conf).
  - Returns per-device facts (id, IP, netmask, link up or down, net health) and whether the
    C(hccn.conf) address of each device matches the address the device has.
  - A link that is down, an unhealthy network, an unset IP or a stale C(hccn.conf) entry is a
    fact, listed in RV(npu.problems); the module does not fail for it. The caller decides.
  - The module fails, with a message naming the tool, when a tool is missing or its output
    cannot be parsed.
  - 800I A3 cards carry two chips; each chip is a device for C(hccn_tool) and ranktables, so
    an A3 node reports 16 devices.
author:
  - pdserve.cluster developers (@pdserve)
options:
  npu_smi_path:
    description:
      - Name or path of C(npu-smi). A bare name is looked up in E(PATH) and in
        C(/usr/local/sbin), C(/usr/local/bin), C(/usr/bin).
    type: str
    default: npu-smi
  hccn_tool_path:
    description:
      - Name or path of C(hccn_tool). A bare name is looked up in E(PATH) and in
        C(/usr/local/Ascend/driver/tools), where the Ascend driver installs it.
    type: str
    default: hccn_tool
  hccn_conf_path:
    description:
      - Path of the file that persists the device IPs (C(address_N=) lines).
      - A missing file is reported in RV(npu.problems).
    type: path
    default: /etc/hccn.conf
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
  facts:
    support: full
    description: The facts are returned as C(ansible_facts.npu).
notes:
  - Tests replay recorded tool outputs with the stand-in executables of
    C(tests/fixtures/npu_tools/) in the collection's source tree.
seealso:
  - module: pdserve.cluster.ranktable
"""

EXAMPLES = r"""
- name: Node | Gather NPU facts
  pdserve.cluster.npu_facts:

- name: Node | Fail when a device link is down or hccn.conf is stale
  ansible.builtin.assert:
    that: ansible_facts.npu.ok
    fail_msg: "{{ ansible_facts.npu.problems }}"

- name: Node | Device IPs for the ranktable
  ansible.builtin.set_fact:
    node_device_ips: "{{ ansible_facts.npu.devices | items2dict(key_name='id', value_name='ip') }}"

- name: Node | Use a driver installed elsewhere
  pdserve.cluster.npu_facts:
    hccn_tool_path: /opt/ascend/driver/tools/hccn_tool
    npu_smi_path: /opt/ascend/bin/npu-smi
"""

RETURN = r"""
npu:
  description: The NPU facts; also set as C(ansible_facts.npu).
  returned: success
  type: dict
  contains:
    device_count:
      description: Number of NPU devices (chips) on the node.
      type: int
      sample: 8
    devices:
      description: One entry per device, in device id order.
      type: list
      elements: dict
      sample:
        - id: 0
          logic_id: 0
          npu_id: 0
          chip_id: 0
          ip: 29.10.1.11
          netmask: 255.255.255.0
          link: up
          health: Success
          healthy: true
          hccn_conf_address: 29.10.1.11
          hccn_conf_match: true
    hccn_conf:
      description: The C(address_N) entries of the hccn.conf file, keyed by device id.
      type: dict
      sample: {"0": "29.10.1.11", "1": "29.10.1.12"}
    hccn_conf_path:
      description: The file read for RV(npu.hccn_conf).
      type: str
      sample: /etc/hccn.conf
    problems:
      description: One sentence per problem found, naming the device.
      type: list
      elements: str
      sample: ["device 3: link is down"]
    ok:
      description: True when RV(npu.problems) is empty.
      type: bool
      sample: true
ansible_facts:
  description: Facts to add to the host's facts.
  returned: success
  type: dict
  contains:
    npu:
      description: Same as RV(npu).
      type: dict
      returned: success
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pdserve.cluster.plugins.module_utils._runner.npu_facts import argspec, run


def main():
    module = AnsibleModule(argument_spec=argspec(), supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
