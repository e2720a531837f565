# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Run a pdserve read-only module inside the controller's process (private base class).

The stack playbooks run against the Kubernetes API from the control node. A module started as
its own process pays Python start-up and the ``kubernetes`` import (about a second) on every
task. In-process, the import happens once per playbook run, in the controller: every task runs
in a worker process forked from the controller, and a fork keeps what the controller imported
but loses what the worker imports. The controller loads each task's action class before it
forks the task's workers (the linear strategy asks it for ``BYPASS_HOST_LOOP``), so the runner
is imported when the class is made (``__init_subclass__``), together with the collection's
filter plugins (``_warm``): a worker then finds them in ``sys.modules`` instead of importing
them again (measured with py-spy: 1.3 s of ``kubernetes`` imports and 0.5 s of filter imports
in the workers of one PD hybrid run before). The module's work lives in
``module_utils/_runner/<module>.py``, which both the module file and this action import: it
exposes ``ARGUMENT_SPEC()`` (AnsibleModule keyword arguments) and ``execute(params, check_mode)
-> dict``; this action validates the task's arguments against the same spec and calls
``execute``. When the task's connection is not local (the API is reached
from another host), the module runs there as usual.
"""
from __future__ import annotations

import importlib
import pkgutil

from ansible.plugins.action import ActionBase

from ansible_collections.pdserve.cluster.plugins.plugin_utils._data import plain


def _warm():
    """Import the collection's filter plugins (every module of plugins/filter/) in this (the
    controller's) process: the plugin loader finds a collection plugin module already in
    sys.modules under its name and does not load it again."""
    try:
        package = importlib.import_module("ansible_collections.pdserve.cluster.plugins.filter")
    except ImportError:  # pragma: no cover - the workers import the filters and report the error
        return
    for module in pkgutil.iter_modules(package.__path__):
        try:
            importlib.import_module("%s.%s" % (package.__name__, module.name))
        except ImportError:  # pragma: no cover - the worker imports it and reports the error
            pass


_warm()


class InProcessAction(ActionBase):
    """Subclasses set MODULE to the import path of the module's runner (module_utils/_runner/)."""

    MODULE = ""
    TRANSFERS_FILES = False
    _requires_connection = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.MODULE:
            try:
                importlib.import_module(cls.MODULE)
            except ImportError:  # pragma: no cover - run() imports it again and fails there
                pass

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
        params = plain(params)
        kwargs = {"check_mode": bool(self._play_context.check_mode)}
        if getattr(module, "SUPPORTS_DIFF", False):
            kwargs["diff"] = bool(self._play_context.diff)
        result.update(module.execute(params, **kwargs))
        result.setdefault("changed", False)
        return result
