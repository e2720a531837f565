#!/usr/bin/python
# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ranktable
short_description: Generate, merge and validate HCCL global ranktables for PD disaggregation
version_added: 0.1.0
description:
  - Builds, merges and checks the ranktables of the two PD disaggregation stacks the collection
    deploys.
  - O(format=mindie_motor) is the MindIE Motor C(global_ranktable.json) (group 0 coordinator,
    1 controller, 2 servers). 800I A2 tables carry C(version) C(1.0); 800I A3 tables add
    C(super_device_id) to every device and C(super_pod_list) to group 2. Heterogeneous P/D adds
    C(hardware_type) to every server. C(status) is C(initializing) or C(completed).
  - O(format=ascendcloud) is the AscendCloud C(pd_ranktable_tools.py) set, per host -
    C(global_ranktable_<ip>.json) (group 0 scheduler, 1 prefill instances, 2 decode instances),
    one C(local_ranktable_<ip>_<device ids>.json) per instance and
    C(local_ranktable_<ip>_host.json) for the API entry; O(action=merge) joins the hosts' global
    tables into C(global_ranktable_merge.json).
  - Every input and every table is checked against the rules of docs/ranktable.md (rank_id
    contiguous from 0, no device used twice on a host, no device IP used twice, equal NPU counts
    for P and D, exactly one scheduler or coordinator and controller, well-formed IPs, ...).
    All problems are reported together, each naming the field, its value and the rule, before
    anything is written.
author:
  - pdserve.cluster developers (@pdserve)
options:
  action:
    description:
      - V(gen) builds a table from O(servers) (mindie_motor) or from O(host_ip) and the instance
        device groups (ascendcloud).
      - V(merge) joins several global tables given in O(ranktables) and O(srcs).
      - V(validate) checks the table in O(ranktable) or O(src).
    type: str
    required: true
    choices: [gen, merge, validate]
  format:
    description: Which ranktable format.
    type: str
    default: mindie_motor
    choices: [mindie_motor, ascendcloud]
  hardware_type:
    description:
      - The servers' platform. V(800I_A3) requires C(super_device_id) on every device and
        C(super_pod_list); V(800I_A2) forbids them.
      - When not set, O(action=gen) uses V(800I_A2) and the other actions infer A3 from the
        presence of C(super_device_id) or C(super_pod_list).
    type: str
    choices: [800I_A2, 800I_A3]
  status:
    description: The C(status) written by O(action=gen).
    type: str
    default: completed
    choices: [initializing, completed]
  servers:
    description:
      - mindie_motor gen - one record per pod (or per server process when several share a
        pod). Keys - C(server_id) (host IP, required), C(container_ip) (pod IP, default
        C(server_id)), C(group) (C(coordinator), C(controller) or C(server), the default),
        C(device_ids) (the NPU ids of a server, list or C("0,1")), C(device_ips) (that host's
        mapping of device id to IP, or a list of IPs in C(device_ids) order; else O(device_ips) is used),
        C(super_device_ids) and C(super_pod_id) (800I_A3), C(hardware_type)
        (C(800I A2(32G)) or C(800I A2(64G)) for heterogeneous P/D), C(predict_port),
        C(mgmt_port), C(metric_port), C(inter_comm_port).
      - rank_id and device_logical_id count from 0 inside each pod.
    type: list
    elements: dict
  device_ips:
    description:
      - Device IPs per host - a mapping of host IP to either a mapping of device id to IP, a mapping
        of device id to a dict with C(ip) and C(super_device_id), or that host's
        M(pdserve.cluster.npu_facts) result (C(ansible_facts.npu)).
      - For O(format=ascendcloud) gen, the value for O(host_ip) alone may be given directly.
    type: dict
  host_ip:
    description:
      - ascendcloud gen - the IP of this host, written as C(server_id) and C(server_ip) and used
        in the file names.
    type: str
  prefill_instances:
    description:
      - ascendcloud gen - the device groups of the prefill instances on this host, one item per
        instance, each C("4,5") or C([4, 5]) (C(--prefill-server-list 4,5)).
    type: list
    elements: raw
  decode_instances:
    description:
      - ascendcloud gen - the device groups of the decode instances on this host
        (C(--decode-server-list)).
    type: list
    elements: raw
  api_server:
    description:
      - ascendcloud gen - this host holds the scheduler / API entry (C(--api-server)). Exactly
        one host of a deployment may have it.
    type: bool
    default: false
  ranktables:
    description: merge - global tables given as data, merged in list order after O(srcs).
    type: list
    elements: dict
  srcs:
    description: merge - paths of global table files to merge, in order.
    type: list
    elements: path
  src:
    description:
      - validate - path of a table file. For O(format=ascendcloud) it may be a directory written
        by O(action=gen) - its global table is validated and every local table must equal,
        one to one, the instance of the global table it is named after.
    type: path
  ranktable:
    description: validate - the table as data.
    type: dict
  partial:
    description:
      - The table is one part of a deployment (an ascendcloud host without the API entry, or a
        table still to be merged) - the scheduler, coordinator, controller and instance presence
        rules are not applied.
    type: bool
    default: false
  equal_device_counts:
    description:
      - Require every P and D instance to use the same number of NPUs, as both documents do.
    type: bool
    default: true
  fail_on_invalid:
    description:
      - validate - fail when the table breaks a rule. When false, return RV(valid) and
        RV(errors) and succeed.
    type: bool
    default: true
  dest:
    description:
      - Where O(action=gen) and O(action=merge) write. Without it the tables are only returned.
      - ascendcloud gen - a directory (created if missing) that receives all files of the host.
      - Otherwise a file path, or a directory (existing, or ending in C(/)) that receives
        C(global_ranktable.json) (mindie_motor) or C(global_ranktable_merge.json) (ascendcloud
        merge).
      - A file is rewritten only when its content differs.
    type: path
  mode:
    description: File mode of the written files.
    type: raw
    default: "0644"
attributes:
  check_mode:
    support: full
    description: Reports what would be written, writes nothing.
  diff_mode:
    support: full
    description: Shows the text of each written file before and after.
notes:
  - The python function C(build_mindie_motor) of C(plugins/module_utils/_ranktable.py) takes the
    same server records, for callers that build the table from Kubernetes pods.
seealso:
  - module: pdserve.cluster.npu_facts
"""

EXAMPLES = r"""
- name: MindIE Motor | Global ranktable of one coordinator, one controller and two 2-NPU servers
  pdserve.cluster.ranktable:
    action: gen
    format: mindie_motor
    hardware_type: 800I_A2
    servers:
      - {server_id: 192.0.2.10, container_ip: 10.244.1.5, group: coordinator}
      - {server_id: 192.0.2.10, container_ip: 10.244.1.6, group: controller}
      - {server_id: 192.0.2.11, container_ip: 10.244.2.7, device_ids: [0, 1]}
      - {server_id: 192.0.2.12, container_ip: 10.244.3.8, device_ids: "2,3"}
    device_ips:
      192.0.2.11: "{{ hostvars['node1'].ansible_facts.npu }}"
      192.0.2.12: {"2": 29.10.2.13, "3": 29.10.2.14}
    dest: /srv/pdserve/global_ranktable.json

- name: AscendCloud | This host's global, local and host tables (2p2d-tp2, API entry here)
  pdserve.cluster.ranktable:
    action: gen
    format: ascendcloud
    host_ip: "{{ ansible_default_ipv4.address }}"
    prefill_instances: ["0,1", "2,3"]
    decode_instances: ["4,5", "6,7"]
    api_server: true
    device_ips: "{{ ansible_facts.npu }}"
    dest: /srv/pdserve/ranktable

- name: AscendCloud | Merge the hosts' global tables
  pdserve.cluster.ranktable:
    action: merge
    format: ascendcloud
    srcs:
      - /srv/pdserve/collected/global_ranktable_192.0.2.21.json
      - /srv/pdserve/collected/global_ranktable_192.0.2.22.json
    dest: /srv/pdserve/collected/

- name: Check a table without failing
  pdserve.cluster.ranktable:
    action: validate
    src: /srv/pdserve/global_ranktable.json
    fail_on_invalid: false
  register: check
"""

RETURN = r"""
ranktable:
  description: The global table generated, merged or validated.
  returned: success
  type: dict
  sample: {"version": "1.0", "status": "completed", "server_group_list": []}
files:
  description: Every table by file name (ascendcloud gen returns the global, local and host tables).
  returned: when action is gen or merge
  type: dict
  sample: {"global_ranktable.json": {"version": "1.0"}}
instances:
  description:
    - The entries of the global table in document order (group 0, 1, 2), with their device ids
      and IPs, and for ascendcloud the local table file of each. The order of the prefill and
      decode instances is the order the scheduler's C(NODE_PORTS) must follow.
  returned: when the table is valid
  type: list
  elements: dict
  sample:
    - {role: prefill, group_id: "1", index: 0, server_id: 192.0.2.21, server_ip: 192.0.2.21,
       device_ids: ["0", "1"], device_ips: [29.10.1.11, 29.10.1.12],
       local_file: local_ranktable_192.0.2.21_01.json}
errors:
  description: Every rule broken, each naming the field (JSON path), its value and the rule.
  returned: always
  type: list
  elements: str
  sample: ['server_group_list[1].server_list[0].device[0].device_ip: must be a well-formed IPv4 or IPv6 address (got "10.**.**.22")']
valid:
  description: True when RV(errors) is empty.
  returned: always
  type: bool
paths:
  description: The files written (or that would be written in check mode) under O(dest).
  returned: when dest is given
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pdserve.cluster.plugins.module_utils._runner.ranktable import argspec, run


def main():
    module = AnsibleModule(argument_spec=argspec(), supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
