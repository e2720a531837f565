#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gpu_facts
short_description: Gather facts about the NVIDIA GPUs of a node and its NVIDIA container runtime
version_added: 0.2.0
description:
  - Runs C(nvidia-smi --query-gpu=index,uuid,name,memory.total,driver_version,pci.bus_id --format=csv,noheader,nounits)
    and reads containerd's C(config.toml) and Docker's C(daemon.json) (those that exist).
  - Returns the GPUs, their product as GPU feature discovery labels it (C(nvidia.com/gpu.product)), the
    driver version, whether each runtime has an C(nvidia) runtime running C(nvidia-container-runtime), and
    the problems found (mixed products, a count other than O(expected_count), no NVIDIA runtime) as facts.
  - Fails when nvidia-smi is missing, fails (no driver) or prints something it does not understand.
author:
  - pdserve.cluster developers (@pdserve)
options:
  nvidia_smi_path:
    description: The nvidia-smi program (a name looked up on PATH and the driver's usual folders, or a path).
    type: str
    default: nvidia-smi
  containerd_config_path:
    description: containerd's configuration file; not read when absent.
    type: path
    default: /etc/containerd/config.toml
  docker_config_path:
    description: Docker's daemon.json; not read when absent.
    type: path
    default: /etc/docker/daemon.json
  expected_count:
    description: The GPUs the node should have; another count is reported in RV(gpu.problems).
    type: int
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: Nothing to show.
"""

EXAMPLES = r"""
- name: GPU facts of a GPU node
  pdserve.cluster.gpu_facts:
    expected_count: 8
  register: gpu

- name: Stop on a problem
  ansible.builtin.assert:
    that: gpu.gpu.problems | length == 0
    fail_msg: "{{ gpu.gpu.problems | join('; ') }}"
"""

RETURN = r"""
gpu:
  description: The facts.
  returned: success
  type: dict
  contains:
    gpus:
      description: One entry per GPU (index, uuid, name, product, memory_mib, driver_version, pci_bus_id).
      type: list
      elements: dict
      returned: success
    count:
      description: Number of GPUs.
      type: int
      returned: success
      sample: 8
    product:
      description: The GPU product as the node label has it, or null when the node mixes products.
      type: str
      returned: success
      sample: NVIDIA-A100-SXM4-80GB
    products:
      description: Every product on the node.
      type: list
      elements: str
      returned: success
    driver_version:
      description: The driver version (null when GPUs report different ones).
      type: str
      returned: success
      sample: 535.104.05
    runtimes:
      description: Per container runtime read (containerd, docker), configured / binary / default.
      type: dict
      returned: success
    problems:
      description: What is wrong, in words.
      type: list
      elements: str
      returned: success
ansible_facts:
  description: Facts to add to the host's facts.
  returned: success
  type: dict
  contains:
    gpu:
      description: Same as RV(gpu).
      type: dict
      returned: success
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pdserve.cluster.plugins.module_utils._runner.gpu_facts import argspec, run


def main():
    module = AnsibleModule(argument_spec=argspec(), supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
