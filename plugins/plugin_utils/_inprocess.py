# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Run a pdserve read-only module inside the controller's process (private base class).

The stack playbooks run against the Kubernetes API from the control node. A module started as
its own process pays Python start-up and the ``kubernetes`` import (about a second) on every
task; in-process, the import happens once per playbook run. The module's work lives in
``module_utils/_runner/<module>.py``, which both the module file and this action import: it
exposes ``ARGUMENT_SPEC()`` (AnsibleModule keyword arguments) and ``execute(params, check_mode)
-> dict``; this action validates the task's arguments against the same spec and calls
``execute``. When the task's connection is not local (the API is reached
from another host), the module runs there as usual.
"""
from __future__ import annotations

import importlib
import json

from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.action import ActionBase


class InProcessAction(ActionBase):
    """Subclasses set MODULE to the import path of the module's runner (module_utils/_runner/)."""

    MODULE = ""
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if self._connection.transport not in ("local", "ansible.builtin.local") or self._task.async_val:
            self._requires_connection = True
            result.update(self._execute_module(module_name=self._task.resolved_action, module_args=self._task.args,
                                               task_vars=task_vars))
            return result
        module = importlib.import_module(self.MODULE)
        spec = dict(module.ARGUMENT_SPEC())
        _, params = self.validate_argument_spec(**spec)
        # Plain JSON types, as a module process would receive them (no tagged template values).
        params = json.loads(json.dumps(params, cls=AnsibleJSONEncoder))
        kwargs = {"check_mode": bool(self._play_context.check_mode)}
        if getattr(module, "SUPPORTS_DIFF", False):
            kwargs["diff"] = bool(self._play_context.diff)
        result.update(module.execute(params, **kwargs))
        result.setdefault("changed", False)
        return result
