#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: bare_config
short_description: Validate the PD disaggregation stack on bare NPU hosts and derive its containers
version_added: 0.1.0
description:
  - The stack of the AscendCloud document "PD分离部署使用说明" (docs/pd_bare_hosts.md) - one container
    per prefill and per decode instance on each NPU host, each with only its own C(/dev/davinciN),
    and a scheduler (API entry) container on one host.
  - Checks every input and reports every error at once, each naming the field, its value and the
    rule, before anything is started - no NPU in two containers, every device present on its host
    (from M(pdserve.cluster.npu_facts)), ports unique per host, every prefill and decode instance
    of the same size (their local ranktables correspond one to one), exactly one API entry, no
    mount target at or below C(/home/ma-user).
  - Returns each container's name, devices, mounts, environment and C(start_servers.sh) command,
    the ranktable files of each host and the port of each instance by local ranktable name
    (for the scheduler's C(NODE_PORTS), see the filter C(pdserve.cluster.bare_node_ports)).
  - Never changes anything.
author:
  - pdserve.cluster developers (@pdserve)
options:
  name:
    description: The stack's name - the prefix of its containers and the value of their C(pdserve.io/stack) label.
    type: str
    required: true
  hosts:
    description:
      - One record per NPU host - C(name) (inventory name), C(ip) (the ranktables' C(server_ip)),
        C(api_entry) (bool), C(prefill) and C(decode) (instances, each a device list such as
        C([4, 5]) or C("4,5"), or C({devices, port})), C(npu) (the host's npu_facts).
    type: list
    elements: dict
    required: true
  image:
    description: The inference image (already on the hosts, or loaded by the role).
    type: str
    required: true
  model_path:
    description: The model's path in the container (C(--model)).
    type: str
    required: true
  served_model_name:
    description: C(--served-model-name).
    type: str
    required: true
  tensor_parallel_size:
    description:
      - C(--tensor-parallel-size); every prefill and decode instance must hold this many NPUs.
        Default the size of the first instance.
    type: int
  server_args:
    description:
      - Other C(start_servers.sh) arguments for every container - the key C(max_model_len) with
        the value C(4096) gives C(--max-model-len=4096), C(true) gives the flag alone.
    type: dict
    default: {}
  scheduler_args:
    description: Arguments for the scheduler only (C(prefill_routing_policy)).
    type: dict
    default: {}
  tools_path:
    description: C(LLM_TOOLS_PATH) in the image; the containers run C(PD_separate/start_servers.sh) under it.
    type: str
    default: /home/ma-user/AscendCloud/AscendCloud-LLM/llm_tools
  work_dir:
    description: The work folder on the hosts, mounted into every container; the ranktables go to C(<work_dir>/<name>/ranktable).
    type: str
    required: true
  container_work_dir:
    description: Where O(work_dir) appears in the containers (default the same path). Not at or below C(/home/ma-user).
    type: str
  base_port:
    description: The first port of the instances of a host that give no C(port); the next free port follows.
    type: int
    default: 8088
  scheduler_port:
    description: The scheduler's C(--port), the stack's API.
    type: int
    default: 9000
  no_proxy:
    description: Names added to C(no_proxy) (localhost, 127.0.0.1 and every host's address are always in it).
    type: list
    elements: str
    default: []
  use_openai:
    description: C(USE_OPENAI).
    type: bool
    default: true
  log_dir:
    description: The hosts' NPU log folder, mounted on C(/usr/slog).
    type: str
    default: /var/log/npu
  driver_dir:
    description: The hosts' driver folder.
    type: str
    default: /usr/local/Ascend/driver
  npu_smi:
    description: The hosts' C(npu-smi).
    type: str
    default: /usr/local/sbin/npu-smi
  ascend_install_info:
    description: The hosts' C(ascend_install.info).
    type: str
    default: /etc/ascend_install.info
  extra_volumes:
    description: More mounts, C(host_path:container_path[:ro|rw]).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: Writes nothing.
seealso:
  - module: pdserve.cluster.ranktable
  - module: pdserve.cluster.npu_facts
"""

EXAMPLES = r"""
- name: Bare hosts | Check the stack (1P1D on one host)
  pdserve.cluster.bare_config:
    name: qwen
    image: ascendcloud-llm:7.1
    model_path: /data/models/qwen2.5-7b
    served_model_name: qwen
    work_dir: /data/pdserve
    hosts:
      - name: npu1
        ip: 192.0.2.18
        api_entry: true
        prefill: [[4, 5]]
        decode: [[6, 7]]
        npu: "{{ hostvars['npu1'].ansible_facts.npu }}"
  register: bare
"""

RETURN = r"""
derived:
  description:
    - Empty when an input breaks a rule. Keys - C(name), C(image), C(tensor_parallel_size),
      C(ranktable_dir) (on the hosts), C(container_ranktable_dir), C(merged_file), C(entry_host),
      C(hosts) (per host C(ip), C(api_entry), C(prefill), C(decode) (device lists),
      C(containers), C(ranktable_files), C(ranktable_dir)), C(instance_ports) (port by local
      ranktable name), C(containers) (prefill and decode), C(scheduler), C(labels).
    - A container - C(name), C(host), C(ip), C(role), C(devices), C(port), C(local_file),
      C(device_nodes), C(volumes), C(env), C(command), C(labels).
  returned: always
  type: dict
errors:
  description: Every broken rule as one line - path, value and rule.
  returned: always
  type: list
  elements: str
error_details:
  description: The same as C(path), C(value), C(rule), C(message).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import bare_config as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
