# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Runs pdserve.cluster.validate_config in the controller's process: module_utils/_runner/validate_config.py (see
plugins/plugin_utils/_inprocess.py).

Run from the stack role (its deploy path's first step), it first checks the role's ``deploy``
argument spec (meta/argument_specs.yml) on the task's variables, as Ansible's "Validating
arguments" task does: the collection's stack roles include the stack role with
``rolespec_validate: false``, which spares that task's worker its deep copy of every option
(plugins/plugin_utils/_role_spec.py, docs/speed.md)."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.plugin_utils import _role_spec
from ansible_collections.pdserve.cluster.plugins.plugin_utils._data import plain
from ansible_collections.pdserve.cluster.plugins.plugin_utils._inprocess import InProcessAction

ROLE, ENTRY = "stack", "deploy"
_role_spec.warm(ROLE, ENTRY)


class ActionModule(InProcessAction):
    MODULE = "ansible_collections.pdserve.cluster.plugins.module_utils._runner.validate_config"

    def run(self, tmp=None, task_vars=None):
        if _role_spec.is_role_task(self._task, ROLE):
            _role_spec.check(ROLE, ENTRY, lambda name: plain(self._templar.template(task_vars[name])))
        return super().run(tmp, task_vars)
