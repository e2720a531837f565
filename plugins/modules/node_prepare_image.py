#!/usr/bin/python
# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: node_prepare_image
short_description: Ensure the inference image is present where the kubelet looks for it
version_added: 0.1.0
description:
  - On containerd nodes the image must be in the C(k8s.io) namespace; on Docker nodes in Docker.
  - When it is missing, imports it from O(archive) (C(ctr -n k8s.io images import), C(docker load))
    or pulls it (C(ctr -n k8s.io images pull), C(docker pull)), then checks it is really there.
  - An image present in Docker on a containerd node is reported as a warning, because the
    kubelet does not see it there.
  - With O(state=absent) (the node_prepare role's reset), removes the image from that store if it
    is there (C(ctr -n k8s.io images rm), C(docker rmi)); the role only asks this for images it
    imported or pulled itself.
  - Supports check mode (reports what it would do).
extends_documentation_fragment:
  - pdserve.cluster.container_runtime
options:
  state:
    description: C(present) makes the image available; C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: Image reference, for example C(registry.example.com/mindie:2.1).
    type: str
    required: true
  runtime:
    description: The container runtime the kubelet uses.
    type: str
    required: true
    choices: [containerd, docker]
  archive:
    description: Image archive on the node to import when the image is missing; empty pulls instead.
    type: path
author:
  - pdserve.cluster developers (@pdserve)
"""

EXAMPLES = r"""
- name: Ensure the image is in containerd's k8s.io namespace
  pdserve.cluster.node_prepare_image:
    name: registry.example.com/mindie:2.1
    runtime: containerd
    archive: /data/images/mindie-2.1.tar

- name: Remove an image the role imported (reset)
  pdserve.cluster.node_prepare_image:
    name: registry.example.com/mindie:2.1
    runtime: containerd
    state: absent
"""

RETURN = r"""
action:
  description: C(none), C(imported), C(pulled) or (O(state=absent)) C(removed).
  returned: always
  type: str
present_before:
  description: Whether the image was already where the kubelet looks.
  returned: always
  type: bool
in_docker_only:
  description: On a containerd node, whether the image was found in Docker but not in containerd.
  returned: O(state=present)
  type: bool
reference:
  description: The normalised image reference compared with the runtime's list.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import container_runtime_options
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.image import ImageError, ensure_image, remove_image


def argspec():
    return container_runtime_options(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        runtime=dict(type="str", required=True, choices=["containerd", "docker"]),
        archive=dict(type="path"),
    )


def main():
    module = AnsibleModule(argument_spec=argspec(), supports_check_mode=True)
    try:
        if module.params["state"] == "absent":
            result = remove_image(module.params, module.run_command, module.check_mode)
        else:
            result = ensure_image(module.params, module.run_command, module.get_bin_path,
                                  module.check_mode, module.warn)
    except ImageError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
