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

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
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


# Jinja plugins of other collections that the roles' templates use (the pki role's certificate
# filters): found through the loader, as a worker would find them.
WARM_FILTERS = ("community.crypto.x509_certificate_info", "community.crypto.openssl_csr_info")
WARM_LOOKUPS = ("pdserve.cluster.render", "ansible.builtin.vars", "ansible.builtin.file",
                "ansible.builtin.env", "ansible.builtin.varnames")


def _collection_filters():
    """The fully qualified names of the collection's filters (every module of plugins/filter/)."""
    package = "ansible_collections.pdserve.cluster.plugins.filter"
    names = []
    for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
        filters = getattr(importlib.import_module("%s.%s" % (package, module.name)), "FilterModule", None)
        names.extend("pdserve.cluster." + name for name in sorted(filters().filters()) if filters)
    return names


def _warm_jinja_plugins():
    """Find, in this (the controller's) process, the Jinja plugins the roles' tasks use, through
    Ansible's own loaders: ansible.builtin's filters and tests, the collection's filters, the
    WARM_* names. A worker that templates a filter finds it in the loader's caches it inherits;
    without this, each worker looked every plugin up again (the collections' runtime.yml read,
    their filter modules listed: 0.1 to 0.5 s per worker that uses a filter, measured with
    py-spy on a no-op PD hybrid run)."""
    try:
        from ansible.plugins.loader import filter_loader, lookup_loader, test_loader

        list(filter_loader.all())
        list(test_loader.all())
        for name in _collection_filters() + list(WARM_FILTERS):
            filter_loader.get(name)
        for name in WARM_LOOKUPS:
            lookup_loader.get(name)
    except Exception:  # pylint: disable=broad-except  # pragma: no cover - a worker finds them itself
        pass


_warm()
_warm_jinja_plugins()


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

    def _validated(self, spec):
        """The task's arguments checked against the module's spec with ActionBase.validate_argument_spec's
        messages, as plain JSON types (what a module process receives: no tagged template values).
        They are made plain first: that method deep-copies the templated arguments, tags and all,
        which cost 0.1 to 0.3 s per task that passes a stack's objects (py-spy, docs/speed.md)."""
        args = plain(dict(self._task.args))
        result = ArgumentSpecValidator(**spec).validate(args)
        try:
            error = result.errors[0]
        except IndexError:
            error = None
        if error:
            msg = result.errors.msg
            if isinstance(error, UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (self._load_name, msg)
            raise AnsibleActionFail(msg, obj=self._task.args)
        args.update(result.validated_parameters)
        return args

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if self._connection.transport not in ("local", "ansible.builtin.local") or self._task.async_val:
            self._requires_connection = True
            result.update(self._execute_module(module_name=self._task.resolved_action, module_args=self._task.args,
                                               task_vars=task_vars))
            return result
        module = importlib.import_module(self.MODULE)
        params = self._validated(dict(module.ARGUMENT_SPEC()))
        kwargs = {"check_mode": bool(self._play_context.check_mode)}
        if getattr(module, "SUPPORTS_DIFF", False):
            kwargs["diff"] = bool(self._play_context.diff)
        result.update(module.execute(params, **kwargs))
        result.setdefault("changed", False)
        return result
