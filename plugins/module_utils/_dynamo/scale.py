# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The Dynamo stack's scale guard: a requested input against the deployed one (both with their
defaults filled in by the schema); only the listed keys may differ."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.scale import config_diff
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import ABSENT, ConfigError


def scale_guard(baseline, requested, allowed):
    """(errors, differences): every difference of ``requested`` from ``baseline``; those outside
    ``allowed`` (dotted paths) are errors."""
    errors, diffs = [], []
    for path, old, new in config_diff(baseline, requested):
        ok = path in allowed
        diffs.append({"path": path, "old": None if old is ABSENT else old, "new": None if new is ABSENT else new,
                      "allowed": ok})
        if not ok:
            errors.append(ConfigError(path, None if new is ABSENT else new,
                                      "differs from the deployed configuration (%s); a scale may change only %s"
                                      % ("absent" if old is ABSENT else repr(old), ", ".join(allowed))))
    return errors, diffs
