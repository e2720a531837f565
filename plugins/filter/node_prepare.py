# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The node_prepare role's file rules for its Jinja (module_utils/_node_prepare/edit.py is their one home)."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: node_prepare
short_description: The node_prepare role's file rules for its tasks
version_added: 0.1.0
description:
  - C(fstab_swap_off) returns a part of the rule that keeps swap off after a reboot, for
    M(ansible.builtin.replace) on C(/etc/fstab) - C(regexp) (a live swap entry) or C(replace) (the
    entry commented out, with the marker node_prepare's reset looks for to uncomment it again).
author:
  - pdserve.cluster developers
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import edit


def fstab_swap_off(part):
    """``regexp`` or ``replace`` of the fstab swap-off rule."""
    rule = {"regexp": edit.FSTAB_SWAP_LINE, "replace": edit.FSTAB_SWAP_OFF}
    if part not in rule:
        raise ValueError("fstab_swap_off: %r is neither 'regexp' nor 'replace'" % (part,))
    return rule[part]


class FilterModule:
    def filters(self):
        return {"fstab_swap_off": fstab_swap_off}
