# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.write_manifests module (private: not a public API).

Keep the audit copy of a stack's rendered manifests.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._control.manifests import to_manifests, write_if_changed


SUPPORTS_DIFF = True


def ARGUMENT_SPEC():
    return dict(argument_spec=dict(
        objects=dict(type="list", elements="dict", required=True),
        dest=dict(type="path", required=True),
        mode=dict(type="str", default="0640"),
    ))


def execute(params, check_mode=False, diff=False):
    try:
        mode = int(params["mode"], 8)
    except ValueError:
        return dict(failed=True, changed=False, msg="mode %r is not an octal number" % params["mode"])
    text = to_manifests(params["objects"])
    try:
        changed, before = write_if_changed(params["dest"], text, mode=mode, check_mode=check_mode)
    except OSError as exc:
        return dict(failed=True, changed=False, msg="cannot write %s: %s" % (params["dest"], exc))
    result = dict(changed=changed, dest=params["dest"])
    if diff and changed:
        result["diff"] = {"before": before or "", "after": text, "before_header": params["dest"],
                          "after_header": params["dest"]}
    return result
