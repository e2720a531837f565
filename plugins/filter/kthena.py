# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""What the kthena_mooncake engine pods need on their nodes, for node_prepare (module_utils/_kthena is its home)."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: kthena
short_description: What the kthena_mooncake engine pods need on their nodes
version_added: 0.1.0
description:
  - C(kthena_node_paths) takes a kthena_mooncake configuration (C(kthena_mooncake_config), defaults
    filled in as the role does) and returns C(host_paths), the hostPath volumes every engine pod
    mounts (C(name), C(key), C(path), C(type)), and C(model_path), the model folder on the node
    (empty when C(model_path) is not below C(model_host_dir)); an invalid configuration fails with
    every broken rule.
author:
  - pdserve.cluster developers
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.pdserve.cluster.plugins.module_utils._kthena import inputs
from ansible_collections.pdserve.cluster.plugins.module_utils._kthena.validate import validate


def kthena_node_paths(config):
    """{host_paths, model_path} of the ModelServing the kthena_mooncake role renders from ``config``."""
    result = validate(config)
    if result.errors:
        raise AnsibleFilterError("kthena_mooncake configuration: %s" % "; ".join(str(e) for e in result.errors))
    return {"host_paths": result.derived["host_paths"], "model_path": inputs.model_host_path(result.config) or ""}


class FilterModule:
    def filters(self):
        return {"kthena_node_paths": kthena_node_paths}
