# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""What every configuration family gives the shared stack steps (private API).

A configuration family (``_pymotor`` for MindIE-PyMotor's ``user_config.json``, ``_motor`` for
the MindIE Motor model; Kthena, Dynamo and bare hosts to come) validates its own input with the
schema engine (``_schema``) and hands the stack role one ``derived`` dict. The shared steps
(``roles/stack``: preflight, PKI, render, guard, apply, wait, status, uninstall; the filters in
``plugins/filter/stack.py``) read only the keys below, so a new family is done when its
``derived`` passes :func:`stack_result_problems` (the unit tests check both families).

``derived`` keys the shared steps read:

- ``job_id``, ``namespace`` (str): the stack's name and namespace;
- ``deploy_mode`` (str): the key of the stack's ``stack_templates_by_mode``; ``mode`` (str):
  ``single_container`` makes the stack count one pod;
- ``roles`` ({name: role}): every component, each with ``instances``, ``pods_per_instance``,
  ``npus_per_pod``, ``total_npus`` (int), ``node_selector`` and ``env`` (dicts);
  ``engine_roles`` (list): the roles that ask for accelerators;
- ``node_selector`` (dict): the single container's, for its capacity check;
- ``tls`` (dict) with ``any`` (bool): whether the stack needs the PKI.

Families add their own keys beside these (``files``, ``pods``, ``ports``, ``scheduler``, ...).
"""
from __future__ import annotations

#: Top-level keys of ``derived`` and their types.
STACK_KEYS = {"job_id": str, "namespace": str, "deploy_mode": str, "mode": str, "roles": dict,
              "engine_roles": list, "node_selector": dict, "tls": dict}
#: Keys of every role and their types.
ROLE_KEYS = {"instances": int, "pods_per_instance": int, "npus_per_pod": int, "total_npus": int,
             "node_selector": dict, "env": dict}


def stack_result_problems(derived):
    """Why ``derived`` is not what the shared stack steps read (texts), or ``[]``."""
    if not isinstance(derived, dict):
        return ["derived: must be an object"]
    out = []
    for key, kind in STACK_KEYS.items():
        if not isinstance(derived.get(key), kind):
            out.append("derived.%s: must be a %s" % (key, kind.__name__))
    for name, role in (derived.get("roles") or {}).items() if isinstance(derived.get("roles"), dict) else ():
        for key, kind in ROLE_KEYS.items():
            value = role.get(key) if isinstance(role, dict) else None
            if not isinstance(value, kind) or isinstance(value, bool):
                out.append("derived.roles.%s.%s: must be a %s" % (name, key, kind.__name__))
    for name in derived.get("engine_roles") or ():
        if name not in (derived.get("roles") or {}):
            out.append("derived.engine_roles: %s is not a role" % name)
    if isinstance(derived.get("tls"), dict) and not isinstance(derived["tls"].get("any"), bool):
        out.append("derived.tls.any: must be a bool")
    return out
