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
  - Supports check mode (reports what it would do).
options:
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
  namespace:
    description: containerd namespace the kubelet uses.
    type: str
    default: k8s.io
  ctr_path:
    description: The ctr executable.
    type: str
    default: ctr
  docker_path:
    description: The docker executable.
    type: str
    default: docker
author:
  - pdserve.cluster developers (@pdserve)
"""

EXAMPLES = r"""
- name: Ensure the image is in containerd's k8s.io namespace
  pdserve.cluster.node_prepare_image:
    name: registry.example.com/mindie:2.1
    runtime: containerd
    archive: /data/images/mindie-2.1.tar
"""

RETURN = r"""
action:
  description: C(none), C(imported) or C(pulled).
  returned: always
  type: str
present_before:
  description: Whether the image was already where the kubelet looks.
  returned: always
  type: bool
in_docker_only:
  description: On a containerd node, whether the image was found in Docker but not in containerd.
  returned: always
  type: bool
reference:
  description: The normalised image reference compared with the runtime's list.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import ImageError, ensure_image


def argspec():
    return dict(
        name=dict(type="str", required=True),
        runtime=dict(type="str", required=True, choices=["containerd", "docker"]),
        archive=dict(type="path"),
        namespace=dict(type="str", default="k8s.io"),
        ctr_path=dict(type="str", default="ctr"),
        docker_path=dict(type="str", default="docker"),
    )


def main():
    module = AnsibleModule(argument_spec=argspec(), supports_check_mode=True)
    try:
        result = ensure_image(module.params, module.run_command, module.get_bin_path,
                              module.check_mode, module.warn)
    except ImageError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
