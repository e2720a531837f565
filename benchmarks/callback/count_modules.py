# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Benchmark aid: count, per host, the tasks that ran a module on it (not skipped, not a
controller-side action such as set_fact / debug / assert / include_*), and write them as JSON to
$PDSERVE_COUNT_MODULES_OUT at the end of the run. Enabled by the benchmarks only:
ANSIBLE_CALLBACK_PLUGINS=benchmarks/callback ANSIBLE_CALLBACKS_ENABLED=count_modules."""
from __future__ import annotations

DOCUMENTATION = r"""
name: count_modules
type: aggregate
short_description: Count module executions per host (benchmarks only)
description:
  - Counts per host the tasks that ran a module there, by module name, and writes them as JSON
    to the file named by E(PDSERVE_COUNT_MODULES_OUT).
requirements:
  - enabled in configuration
"""

import collections
import json
import os

from ansible.plugins.callback import CallbackBase

# Actions that run in the controller and start no module on the host.
CONTROLLER_ONLY = {
    "set_fact", "debug", "assert", "fail", "meta", "include_tasks", "import_tasks", "include_role",
    "import_role", "include_vars", "add_host", "group_by", "set_stats", "validate_argument_spec",
    "pause", "wait_for_connection", "async_status",
}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "count_modules"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.counts = collections.defaultdict(collections.Counter)

    def _count(self, result):
        action = result._task.action.rsplit(".", 1)[-1]
        if action in CONTROLLER_ONLY:
            return
        host = result._host.get_name()
        delegated = result._result.get("_ansible_delegated_vars", {}).get("ansible_host")
        loops = result._result.get("results")
        n = len([r for r in loops if not r.get("skipped")]) if isinstance(loops, list) else 1
        self.counts[host if not delegated else host + " (delegated)"][action] += n

    def v2_runner_on_ok(self, result):
        self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("PDSERVE_COUNT_MODULES_OUT")
        if path:
            with open(path, "w") as handle:
                json.dump({h: dict(c) for h, c in self.counts.items()}, handle, indent=1, sort_keys=True)
