# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""A role's argument spec checked inside one of its in-process steps (private: not a public API).

Ansible checks a role's ``meta/argument_specs.yml`` in a task of its own ("Validating arguments
against arg spec ..."): a worker process that templates every option and deep-copies the values
(0.5 to 0.8 s for the stack role's 85 ``deploy`` options on a no-op PD hybrid run, docs/speed.md).
Where the collection includes one of its own roles with ``rolespec_validate: false``, the role's
first step checks the same spec here instead, with Ansible's validator and messages, on plain
values. The spec file stays the one home of the options.
"""
from __future__ import annotations

import functools
import os

import yaml
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

ROLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "roles")


def spec_path(role):
    """meta/argument_specs.yml of one of the collection's roles."""
    return os.path.join(ROLES, role, "meta", "argument_specs.yml")


@functools.lru_cache(maxsize=None)
def role_options(role, entry="main"):
    """The options of a role's entry point, read once a process (the controller reads them when it
    loads the action that checks them, before it forks the workers)."""
    with open(spec_path(role), encoding="utf-8") as handle:
        specs = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["argument_specs"]
    return specs[entry].get("options") or {}


def _checks(option):
    """An option's spec without its documentation (description, version_added) and default: what
    validation reads, small to copy (ArgumentSpecValidator copies its spec)."""
    out = {key: value for key, value in option.items() if key not in ("description", "version_added", "default")}
    if isinstance(out.get("options"), dict):
        out["options"] = {name: _checks(sub) for name, sub in out["options"].items()}
    return out


@functools.lru_cache(maxsize=None)
def validator(role, entry, names):
    options = role_options(role, entry)
    return ArgumentSpecValidator({name: _checks(options[name]) for name in names})


def warm(role, entry="main"):
    """Read the options and make the validator of all of them once, in the controller."""
    validator(role, entry, tuple(sorted(role_options(role, entry))))


def spec_values(role, entry, get_raw):
    """The values Ansible's validate_argument_spec task checks: each option of the entry point that
    is defined (``get_raw(name)`` returns the templated value or raises KeyError)."""
    values = {}
    for name in role_options(role, entry):
        try:
            values[name] = get_raw(name)
        except KeyError:
            pass
    return values


def spec_errors(role, entry, values):
    """What Ansible's validate_argument_spec task reports for these values of the entry point's
    options (types, choices, elements), [] when they are valid. Only the options in ``values``
    are checked."""
    options = role_options(role, entry)
    names = tuple(sorted(name for name in values if name in options))
    return validator(role, entry, names).validate({name: values[name] for name in names}).error_messages


def check(role, entry, get_raw):
    """The entry point's options as ``get_raw`` gives them; AnsibleActionFail naming every error
    (with ``argument_errors``) when one breaks the spec, as Ansible's task reports it."""
    values = spec_values(role, entry, get_raw)
    errors = spec_errors(role, entry, values)
    if errors:
        raise AnsibleActionFail("Validation of the %s role's arguments failed:\n%s" % (role, "\n".join(errors)),
                                result={"argument_errors": errors})
    return values


def is_role_task(task, role):
    """Whether a task belongs to one of the collection's roles (its role path is ours)."""
    task_role = getattr(task, "_role", None)
    path = getattr(task_role, "_role_path", None)
    return bool(path) and os.path.realpath(path) == os.path.realpath(os.path.join(ROLES, role))
