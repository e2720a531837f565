# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.validate_config module (private: not a public API).

Validates a MindIE-PyMotor configuration (module_utils/_pymotor/) and, given the deployed one,
runs the configuration scale guard.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import POD_CERT_DIR
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor import (
    ABSENT,
    ConfigError,
    DEFAULT_ALLOWED_CHANGES,
    config_diff,
    load_files,
    merge,
    scale_guard,
    validate,
)


def argspec():
    return dict(
        user_config_path=dict(type="path"),
        env_config_path=dict(type="path"),
        user_config=dict(type="dict"),
        env_config=dict(type="dict"),
        overrides=dict(type="dict"),
        baseline=dict(type="dict"),
        allowed_changes=dict(type="list", elements="str", default=list(DEFAULT_ALLOWED_CHANGES)),
        baseline_env=dict(type="dict"),
        topology=dict(type="str", choices=["pd_hybrid", "pd_separate"]),
        tls_default=dict(type="bool", default=True),
        tls_cert_dir=dict(type="str", default=POD_CERT_DIR),
    )


def _plain(value):
    return None if value is ABSENT else value


def run(params):
    """The module's work without AnsibleModule: returns (failed, result dict)."""
    user_file, env_file, errors = load_files(params.get("user_config_path"), params.get("env_config_path"))
    user = user_file
    if params.get("user_config") is not None:
        user = merge(user_file or {}, params["user_config"])
    env = env_file
    if params.get("env_config") is not None:
        env = merge(env_file or {}, params["env_config"])
    result = dict(changed=False, user_config=user or {}, env_config=env or {}, mode=None, derived={},
                  errors=[], error_details=[])
    if errors:
        # the files could not be read: the rules would only repeat the same problem
        result["errors"] = [str(e) for e in errors]
        result["error_details"] = [e.to_dict() for e in errors]
        return True, result
    cert_dir = params.get("tls_cert_dir") if params.get("tls_default", True) else None
    checked = validate(user, env, params.get("overrides"), tls_cert_dir=cert_dir)
    errors = list(checked.errors)
    result.update(user_config=checked.user_config, env_config=checked.env_config or {},
                  mode=checked.mode, derived=checked.derived)
    if params.get("baseline") is not None:
        # compare like with like: the baseline normalized by the same rules (defaults filled in)
        baseline = validate(params["baseline"], tls_cert_dir=cert_dir).user_config
        guard_errors, changes = scale_guard(baseline, checked.user_config, params.get("allowed_changes") or [])
        errors.extend(guard_errors)
        allowed_paths = set(path for path, _old, _new in changes)
        result["differences"] = [
            dict(path=path, old=_plain(old), new=_plain(new), old_present=old is not ABSENT,
                 new_present=new is not ABSENT, allowed=path in allowed_paths)
            for path, old, new in config_diff(baseline, checked.user_config)
        ]
    if params.get("baseline_env") is not None:
        env_base = validate(params.get("baseline") or user, params["baseline_env"],
                            tls_cert_dir=cert_dir).env_config or {}
        for path, old, new in config_diff(env_base, checked.env_config or {}):
            errors.append(ConfigError("env." + path, _plain(new), "differs from the deployed env.json (%s); the "
                                      "environment may not change on an update of a running deployment"
                                      % ("absent" if old is ABSENT else repr(old))))
    topology = params.get("topology")
    if topology and checked.derived and checked.derived.get("topology") != topology:
        errors.append(ConfigError(
            "motor_deploy_config", checked.derived.get("topology"),
            "this playbook deploys %s but the configuration describes %s (hybrid_* keys make pd_hybrid, "
            "p_* / d_* keys pd_separate)" % (topology, checked.derived.get("topology"))))
    if errors:
        result["derived"] = {}
    elif checked.derived.get("tls_warnings"):
        result["warnings"] = list(checked.derived["tls_warnings"])
    result["errors"] = [str(e) for e in errors]
    result["error_details"] = [e.to_dict() for e in errors]
    return bool(errors), result


def ARGUMENT_SPEC():
    """AnsibleModule keyword arguments (the in-process action plugin validates with them too)."""
    return dict(argument_spec=argspec(), required_one_of=[("user_config_path", "user_config")])


def execute(params, check_mode=False):
    """The module's result for ``params``; ``failed`` and ``msg`` set when the config is invalid."""
    failed, result = run(params)
    if failed:
        lines = result["errors"]
        result["failed"] = True
        result["msg"] = "%d configuration error%s:\n%s" % (len(lines), "" if len(lines) == 1 else "s", "\n".join(lines))
    return result
