# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.control_lock module (private: not a public API).

Take or release a lock file on the control node.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._control import lock as _lock


def ARGUMENT_SPEC():
    return dict(argument_spec=dict(
        path=dict(type="path", required=True),
        job=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        timeout=dict(type="int", default=60),
    ))


def execute(params, check_mode=False):
    path = params["path"]
    holder = _lock.holder_identity(params["job"])
    current = _lock.read_holder(path).get("holder", "")
    result = dict(changed=False, holder=holder, held_by=current, waited=0.0)
    if check_mode:
        return result
    if params["state"] == "absent":
        result["released"] = _lock.release(path, holder)
        result["held_by"] = _lock.read_holder(path).get("holder", "")
        return result
    try:
        taken, record, waited = _lock.acquire(path, holder, params["timeout"])
    except OSError as exc:
        return dict(result, failed=True, msg="lock %s: cannot create it: %s" % (path, exc.strerror or exc))
    result.update(held_by=record.get("holder", ""), waited=waited)
    if not taken:
        result.update(failed=True, msg="lock %s is held by %s (since %s); waited %ss. Another run for job %r is "
                      "making its CA; retry when it ends, or delete the file if that run is gone."
                      % (path, record.get("holder", "?"), record.get("since", "?"), waited, params["job"]))
    return result
