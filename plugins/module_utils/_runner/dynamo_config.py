# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.dynamo_config module (private: not a public API).

Validates the input of the Dynamo-on-RoleBasedGroup stack (module_utils/_dynamo/), renders its
Dynamo configuration file, picks the RoleBasedGroup version to write and, given the deployed
input, runs the scale guard.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils import _dynamo
from ansible_collections.pdserve.cluster.plugins.module_utils._dynamo import rbg as _rbg
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import ConfigError


def ARGUMENT_SPEC():
    return dict(argument_spec=dict(
        config=dict(type="dict", required=True),
        served_versions=dict(type="list", elements="str"),
        baseline=dict(type="dict"),
        allowed_changes=dict(type="list", elements="str", default=list(_dynamo.SCALE_FIELDS)),
    ))


def execute(params, check_mode=False):
    result = _dynamo.validate(params["config"])
    errors = list(result.errors)
    out = dict(changed=False, config=result.config, dynamo_config=result.dynamo_config, derived=result.derived,
               rbg_version=None, differences=[])
    if result.ok:
        wanted = result.config["rbg_version"]
        served = params.get("served_versions")
        if served is None:
            out["rbg_version"] = wanted or _rbg.VERSIONS[0]
        elif wanted:
            if wanted not in served:
                errors.append(ConfigError("rbg_version", wanted, "the cluster serves %s of %s only"
                                          % (", ".join(served) or "no version", _rbg.GROUP)))
            out["rbg_version"] = wanted
        else:
            out["rbg_version"] = _rbg.pick_version(served)
            if out["rbg_version"] is None:
                errors.append(ConfigError("rbg_version", None, "the cluster serves no version of %s we write (%s); "
                                          "install RoleBasedGroup (github.com/sgl-project/rbg) first"
                                          % (_rbg.CRD_NAME, ", ".join(_rbg.VERSIONS))))
    if params.get("baseline") is not None and result.ok:
        baseline = _dynamo.validate(params["baseline"])
        guard_errors, diffs = _dynamo.scale_guard(baseline.config, result.config, params["allowed_changes"])
        errors += guard_errors
        out["differences"] = diffs
    out["errors"] = [str(e) for e in errors]
    out["error_details"] = [e.to_dict() for e in errors]
    if errors:
        out["derived"] = {}
        out["failed"] = True
        out["msg"] = "%d Dynamo configuration error%s:\n%s" % (
            len(errors), "" if len(errors) == 1 else "s", "\n".join(out["errors"]))
    return out
