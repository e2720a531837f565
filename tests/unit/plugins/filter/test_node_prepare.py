# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The fstab swap-off rule: one home in Python (module_utils/_node_prepare/edit.py), read by the
role's replace task through the fstab_swap_off filter."""

from __future__ import annotations

import re

import pytest

from ansible_collections.pdserve.cluster.plugins.filter.node_prepare import fstab_swap_off
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import edit

FSTAB = ("UUID=1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n# /old none swap sw 0 0\n"
         "  /dev/sdb2 none swap defaults 0 0\n")


def test_the_filter_gives_the_rule_of_edit():
    assert fstab_swap_off("regexp") == edit.FSTAB_SWAP_LINE
    assert fstab_swap_off("replace") == edit.FSTAB_SWAP_OFF
    with pytest.raises(ValueError):
        fstab_swap_off("other")


def test_the_replace_task_comments_live_swap_lines_and_reset_restores_them():
    # ansible.builtin.replace applies the regexp with re.MULTILINE, as swap_off_fstab does
    replaced = re.compile(fstab_swap_off("regexp"), re.MULTILINE).sub(fstab_swap_off("replace"), FSTAB)
    assert replaced == edit.swap_off_fstab(FSTAB)
    assert replaced.splitlines()[1] == "# /swapfile none swap sw 0 0" + edit.FSTAB_MARK
    assert replaced.splitlines()[2] == "# /old none swap sw 0 0"
    restored, lines = edit.restore_fstab(replaced, ["/swapfile none swap sw 0 0", "  /dev/sdb2 none swap defaults 0 0"])
    assert restored == FSTAB
    assert len(lines) == 2
