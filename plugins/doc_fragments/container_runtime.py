# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""How a node module reaches the container runtime's image store (the argument spec:
module_utils/_runner/args.py container_runtime_options)."""
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
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
"""
