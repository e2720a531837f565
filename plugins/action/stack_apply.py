# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Runs pdserve.cluster.stack_apply in the controller's process: module_utils/_runner/stack_apply.py (see
plugins/plugin_utils/_inprocess.py)."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.plugin_utils._inprocess import InProcessAction


class ActionModule(InProcessAction):
    MODULE = "ansible_collections.pdserve.cluster.plugins.module_utils._runner.stack_apply"
