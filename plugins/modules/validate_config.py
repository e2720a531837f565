#!/usr/bin/python
# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: validate_config
short_description: Validate and normalize a MindIE-PyMotor deployment configuration
version_added: 0.1.0
description:
  - Reads a MindIE-PyMotor C(user_config.json) (version v2.0) and C(env.json), from files, from
    dicts or both (dicts are merged over the files), applies flat O(overrides), checks every rule
    of the configuration model and returns the normalized configuration with defaults filled in,
    the detected mode and the values the templates need (NPUs per pod, node selector, ports, names).
  - Every error names its JSON path, the value and the rule; all errors are reported together and
    the module fails before any other task has written anything.
  - With O(baseline) it also acts as the scale guard; any difference between the baseline and the
    requested configuration outside O(allowed_changes) is an error.
  - Never changes anything on the host or the cluster.
author:
  - pdserve.cluster developers (@pdserve)
options:
  user_config_path:
    description:
      - Path of C(user_config.json) on the host the module runs on.
    type: path
  env_config_path:
    description:
      - Path of C(env.json) on the host the module runs on.
    type: path
  user_config:
    description:
      - The user configuration as a dict (same structure as C(user_config.json)).
      - Merged over the content of O(user_config_path) when both are given.
      - One of O(user_config_path) and O(user_config) is required.
    type: dict
  env_config:
    description:
      - The environment configuration as a dict (same structure as C(env.json)).
      - Merged over the content of O(env_config_path) when both are given.
    type: dict
  overrides:
    description:
      - Flat pairs of key and value applied last, for example C(hybrid_instances_num) set to 4;
        each key lands in the section that owns it.
      - A key that exists in more than one section (such as C(enable_master_standby)) must be given
        as a dotted path, for example C(motor_coordinator_config.standby_config.enable_master_standby).
      - String values are converted to the field's type, so C(-e) style values work.
    type: dict
  baseline:
    description:
      - A previously applied, normalized user configuration (for example read back from the
        cluster). When given, the requested configuration may differ from it only in
        O(allowed_changes).
    type: dict
  allowed_changes:
    description:
      - Key names (or full dotted paths) that may differ from O(baseline).
    type: list
    elements: str
    default: [hybrid_instances_num, p_instances_num, d_instances_num]
  baseline_env:
    description:
      - The C(env.json) applied with O(baseline). When given, the requested environment must
        equal it (normalized); every difference is an error.
    type: dict
  tls_default:
    description:
      - TLS on by default. The inference and management sections of
        C(motor_deploy_config.tls_config) that do not say C(enable_tls) get C(enable_tls=true) and
        the certificate files that the per-pod generator of the P(pdserve.cluster.pki#role) role
        writes into O(tls_cert_dir) (C(ca.pem), C(cert.pem), C(cert.key.pem), C(cert_passwd.txt)).
      - A section turned off explicitly is kept off and reported as a warning.
      - V(false) leaves C(tls_config) as given (absent means off).
    type: bool
    default: true
  tls_cert_dir:
    description:
      - Folder inside the pods where the per-pod certificate generator writes its files.
    type: str
    default: /mnt/pdserve-tls
  topology:
    description:
      - The topology the calling playbook deploys. When set, a configuration describing the
        other one (hybrid keys versus prefill / decode keys) is an error.
    type: str
    choices: [pd_hybrid, pd_separate]
notes:
  - Supports check mode; the module only reads.
seealso:
  - name: MindIE-PyMotor
    description: The deployer whose configuration format this module validates.
    link: https://gitcode.com/Ascend/MindIE-PyMotor
attributes:
  check_mode:
    support: full
    description: The module never changes anything.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
"""

EXAMPLES = r"""
- name: Validate the configuration files a user has today
  pdserve.cluster.validate_config:
    user_config_path: /opt/pd_hybrid/user_config.json
    env_config_path: /opt/pd_hybrid/env.json
  register: pd_config

- name: Validate inventory data with an instance count from the command line
  pdserve.cluster.validate_config:
    user_config: "{{ pd_hybrid_user_config }}"
    env_config: "{{ pd_hybrid_env_config }}"
    overrides:
      hybrid_instances_num: "{{ instances | default(omit) }}"
  register: pd_config

- name: Scale guard, only the instance count may differ from what is deployed
  pdserve.cluster.validate_config:
    user_config_path: /opt/pd_hybrid/user_config.json
    env_config_path: /opt/pd_hybrid/env.json
    overrides:
      hybrid_instances_num: 4
    baseline: "{{ deployed_user_config }}"
    allowed_changes:
      - hybrid_instances_num
"""

RETURN = r"""
user_config:
  description: The normalized user configuration (defaults filled in, overrides applied).
  returned: always
  type: dict
env_config:
  description: The environment configuration (merged from file and dict).
  returned: always
  type: dict
mode:
  description: The detected mode, V(pd_hybrid), V(pd_separate) or V(single_container); null when it cannot be told.
  returned: always
  type: str
  sample: pd_hybrid
derived:
  description:
    - Values computed for the templates; empty when the configuration is invalid.
    - Keys include C(job_id), C(namespace), C(hardware_type), C(deploy_mode), C(mode), C(image),
      C(served_model_name), C(model_path), C(weight_mount_path), C(npus_per_node), C(node_selector),
      C(sp_block), C(roles) (per role C(instances), C(pods_per_instance), C(npus_per_pod),
      C(npus_per_instance), C(total_npus), C(env)), C(total_npus), C(largest_pod_npus), C(ports),
      C(tls), C(tls_warnings), C(scheduler).
  returned: always
  type: dict
  sample:
    job_id: mindie-motor
    namespace: mindie-motor
    npus_per_node: 16
    node_selector:
      accelerator: huawei-Ascend910
      accelerator-type: module-a3-16
    total_npus: 2
errors:
  description: One line per broken rule (JSON path, value and rule separated by colons); empty on success.
  returned: always
  type: list
  elements: str
  sample:
    - 'motor_deploy_config.hybrid_instances_num: 17: must be between 1 and 16'
error_details:
  description: The same errors as objects with C(path), C(value), C(rule) and C(message).
  returned: always
  type: list
  elements: dict
differences:
  description:
    - With O(baseline), every difference from it as C(path), C(old), C(new) and C(allowed);
      an absent side is null and C(old_present) / C(new_present) tell it from an explicit null.
  returned: when O(baseline) is given
  type: list
  elements: dict
  sample:
    - path: motor_deploy_config.hybrid_instances_num
      old: 1
      new: 4
      old_present: true
      new_present: true
      allowed: true
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import validate_config as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
