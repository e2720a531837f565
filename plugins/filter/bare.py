# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The bare-hosts PD stack's NODE_PORTS for its Jinja (module_utils/_bare/ports.py is its one home)."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: bare
short_description: The pd_bare_hosts role's NODE_PORTS from the merged global ranktable
version_added: 0.1.0
description:
  - C(bare_node_ports) takes the C(instances) the M(pdserve.cluster.ranktable) module returns for
    the merged AscendCloud global table and the ports by local table name
    (M(pdserve.cluster.bare_config)'s C(derived.instance_ports)) and returns the scheduler's
    C(NODE_PORTS) - the instances' ports in the order of the table's prefill then decode entries.
  - C(bare_ranktable_dir) takes the work folder and the stack's name and returns the folder of the
    stack's ranktables on its hosts (for status and uninstall, which run without the inputs check).
author:
  - pdserve.cluster developers
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.pdserve.cluster.plugins.module_utils._bare import node_ports, ranktable_dir


def bare_node_ports(instances, instance_ports):
    try:
        return node_ports(instances, instance_ports)
    except ValueError as exc:
        raise AnsibleFilterError("bare_node_ports: %s" % exc)


def bare_ranktable_dir(work_dir, name):
    return ranktable_dir(work_dir, name)


class FilterModule:
    def filters(self):
        return {"bare_node_ports": bare_node_ports, "bare_ranktable_dir": bare_ranktable_dir}
