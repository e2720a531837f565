# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""MindIE-PyMotor, one configuration family of pdserve.cluster (private API).

The knowledge about MindIE-PyMotor's ``user_config.json`` (v2.0) and ``env.json`` (schema, every
rule, the defaults we fill in, the values derived for the stack steps) and the pod contract of
its programs. Its modules, by job:

- ``constants``: the runtime's names and fixed values; ``schema``: the file schema (engine:
  ``module_utils/_schema``); ``inputs``: files and overrides;
- ``rules_deploy``, ``rules_engine``, ``env``: the cross-field rules; ``tls``: the TLS rules and
  the TLS default policy; ``validate``: the pipeline; ``derive``: what the stack steps read;
- ``scale``: the scale guard (a requested configuration against the deployed baseline);
- ``contract``, ``services``: the pod contract the stack templates print.

Public names (used by the ``validate_config`` module, the filters and the tests):

- :func:`validate` -> :class:`Result` (``ok``, ``errors``, ``user_config``, ``env_config``,
  ``mode``, ``derived``)
- :class:`ConfigError` (``path``, ``value``, ``rule``); ``str()`` gives
  ``motor_deploy_config.hybrid_instances_num: 17: must be between 1 and 16``
- :func:`load_files` reads the two JSON files with clear errors
- :func:`config_diff` / :func:`scale_guard` (the scale guard), :data:`DEFAULT_ALLOWED_CHANGES`
- :func:`merge` deep-merges a dict over another (dict options override file contents)

Only the standard library is used: shipped to the managed host with the module.
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.constants import DEFAULT_ALLOWED_CHANGES
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.inputs import load_files
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.scale import config_diff, scale_guard
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.validate import Result, validate
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import ABSENT, ConfigError, merge

__all__ = [
    "ABSENT",
    "ConfigError",
    "Result",
    "config_diff",
    "load_files",
    "merge",
    "scale_guard",
    "validate",
    "DEFAULT_ALLOWED_CHANGES",
]
