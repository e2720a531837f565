#!/usr/bin/python
# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: motor_config
short_description: Render and validate the MindIE Motor PD disaggregation configuration files together
version_added: 0.1.0
description:
  - Takes one input model of a MindIE Motor (C++ generation) PD disaggregation deployment and
    renders the files of its C(conf) ConfigMap, C(ms_controller.json), C(ms_coordinator.json),
    the server C(config.json) (one C(config<N>.json) per server process in a single container)
    and the probe client C(http_client_ctl.json), then checks them together (worldSize, tp,
    npuDeviceIds, TLS switches of both ends of every connection, ports, P/D rates, shape limits).
  - Every error names its path (a model path such as C(ports.server.port), or
    C(<file>:<path>) inside a rendered file), the value and the rule; all errors are reported
    together and nothing is written when there is any.
  - Returns the rendered files and the values a stack role needs for its templates (pods,
    replicas, NPUs per pod, node selectors, coordinator memory, sp-block, environment).
  - With O(dest) it writes the files there, mode 0644, only the ones whose content changed.
author:
  - pdserve.cluster developers (@pdserve)
options:
  config:
    description:
      - The input model, see C(docs/motor_config.md) for every key. Required keys are
        C(image), C(model_name), C(model_weight_path), C(p_instances), C(d_instances) and
        C(world_size).
      - C(deploy_shape) is V(multi_machine) (default), V(single_container) or V(heterogeneous).
    type: dict
    required: true
  dest:
    description:
      - A folder on the host the module runs on. When given and the model is valid, every
        rendered file is written there as JSON (mode 0644); files whose content is unchanged are
        left alone. The folder is created when missing.
      - Nothing is written when the model breaks any rule.
    type: path
notes:
  - Supports check mode and diff mode; in check mode nothing is written and C(changed) tells
    whether a run would write (see RV(written)).
seealso:
  - module: pdserve.cluster.validate_config
  - name: MindIE Motor
    description: The controller, coordinator and probe client whose files this module renders.
    link: https://gitcode.com/Ascend/MindIE-Motor
attributes:
  check_mode:
    support: full
    description: Nothing is written in check mode.
  diff_mode:
    support: full
    description: Shows the old and new content of every file that changes under O(dest).
"""

EXAMPLES = r"""
- name: Single machine, LLaMA3-8B, 4 instances of 2 NPUs in one pod
  pdserve.cluster.motor_config:
    config:
      deploy_shape: single_container
      image: mindie:2.0.RC1-800I-A2-py311-openeuler24.03-lts
      model_name: llama3-8b
      model_weight_path: /mnt/mindie-service/ms/model
      p_instances: 2
      d_instances: 2
      world_size: 2
    dest: /opt/mindie/conf
  register: motor

- name: Heterogeneous, P on 800I A2 32G nodes and D on 800I A2 64G nodes
  pdserve.cluster.motor_config:
    config:
      deploy_shape: heterogeneous
      image: mindie:2.0.RC1-800I-A2-py311-openeuler24.03-lts
      model_name: llama3-8b
      model_weight_path: /data/LLaMA3-8B
      p_instances: 3
      d_instances: 4
      world_size: 2
      heterogeneous:
        prefill_label: xx_device
        decode_label: xx_device2
  register: motor
"""

RETURN = r"""
files:
  description: The rendered files by name (dicts); empty when the model is invalid.
  returned: always
  type: dict
  sample:
    http_client_ctl.json:
      tls_enable: true
derived:
  description:
    - Values for the stack role's templates; empty when the model is invalid.
    - Keys include C(job_id), C(namespace), C(image), C(deploy_shape), C(deploy_mode),
      C(server_count), C(world_size), C(npus_per_server_pod), C(total_npus), C(sp_block),
      C(pods) (per Deployment C(replicas), C(npus_per_pod), C(node_selector), C(env), ...),
      C(pd_rate), C(ports), C(coordinator_node_port), C(coordinator_resources), C(tls),
      C(config_files), C(server_config_files), C(heterogeneous).
  returned: always
  type: dict
  sample:
    deploy_shape: multi_machine
    server_count: 4
    npus_per_server_pod: 2
stack:
  description:
    - C(derived) in the shape the stack role reads (C(roles), C(engine_roles), C(mode), C(deploy_mode) =
      the deploy shape, C(tls.any), C(job_id), C(namespace)) plus every key of C(derived); the files'
      own C(deploy_mode) is C(motor_deploy_mode). Empty when the model is invalid.
  returned: always
  type: dict
  sample:
    deploy_mode: multi_machine
    roles: {server: {instances: 4, pods_per_instance: 1, npus_per_pod: 2}}
errors:
  description: One line per broken rule (path, value and rule separated by colons); empty on success.
  returned: always
  type: list
  elements: str
  sample: ["ms_controller.json:tls_config.request_server_tls_enable: false: TLS switches of one connection must agree"]
error_details:
  description: The errors as objects with C(path), C(value), C(rule) and C(message).
  returned: always
  type: list
  elements: dict
written:
  description: Names of the files written (or that would be written in check mode) under O(dest).
  returned: always
  type: list
  elements: str
  sample: [config.json]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pdserve.cluster.plugins.module_utils._runner.motor_config import argspec, run


def main():
    module = AnsibleModule(argument_spec=argspec(), supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
