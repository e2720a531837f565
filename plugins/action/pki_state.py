# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Runs pdserve.cluster.pki_state in the controller's process: module_utils/_runner/pki_state.py (see
plugins/plugin_utils/_inprocess.py)."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.plugin_utils._inprocess import InProcessAction


class ActionModule(InProcessAction):
    MODULE = "ansible_collections.pdserve.cluster.plugins.module_utils._runner.pki_state"
