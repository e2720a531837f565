# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.kthena_config module (private: not a public API).

Validates a kthena_mooncake configuration (module_utils/_kthena/) and, given the deployed one,
runs its scale guard. ``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve the module file
and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._kthena import SCALE_FIELDS, scale_guard, validate
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import ABSENT


def _plain(value):
    return None if value is ABSENT else value


def ARGUMENT_SPEC():
    """AnsibleModule keyword arguments (the in-process action plugin validates with them too)."""
    return dict(argument_spec=dict(
        config=dict(type="dict", default={}),
        node_interfaces=dict(type="dict"),
        baseline=dict(type="dict"),
        allowed_changes=dict(type="list", elements="str", default=list(SCALE_FIELDS)),
    ))


def execute(params, check_mode=False):
    """The module's result; ``failed`` and ``msg`` (every error, one a line) on a bad configuration."""
    checked = validate(params.get("config") or {}, params.get("node_interfaces"))
    errors = list(checked.errors)
    result = dict(changed=False, config=checked.config, derived=checked.derived)
    if params.get("baseline") is not None and not errors:
        base = validate(params["baseline"])
        if base.errors:
            errors.extend(base.errors)
        else:
            guard, diffs = scale_guard(base.config, checked.config, params.get("allowed_changes") or [])
            errors.extend(guard)
            result["differences"] = [dict(path=p, old=_plain(o), new=_plain(n)) for p, o, n in diffs]
    result["errors"] = [str(e) for e in errors]
    result["error_details"] = [e.to_dict() for e in errors]
    if errors:
        result["derived"] = {}
        result["failed"] = True
        plural = "" if len(errors) == 1 else "s"
        result["msg"] = "%d configuration error%s:\n%s" % (len(errors), plural, "\n".join(result["errors"]))
    return result
