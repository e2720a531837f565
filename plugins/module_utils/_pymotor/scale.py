# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The scale guard of MindIE-PyMotor: a requested configuration against the deployed baseline."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.constants import (
    DEFAULT_ALLOWED_CHANGES,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    ConfigError,
    is_num,
    join,
    render_value,
)


def config_diff(baseline, requested):
    """Every difference between two (normalized) user configs as ``(path, old, new)``.

    Paths are dotted (``motor_deploy_config.hybrid_instances_num``, ``x.y[2]``); a key present
    on one side only has :data:`ABSENT` on the other. Sorted by path.
    """
    out = []

    def walk(old, new, path):
        if isinstance(old, dict) and isinstance(new, dict):
            for key in set(old) | set(new):
                walk(old.get(key, ABSENT), new.get(key, ABSENT), join(path, key))
        elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            for index, (a, b) in enumerate(zip(old, new)):
                walk(a, b, "%s[%d]" % (path, index))
        elif old is ABSENT or new is ABSENT or type(old) is not type(new) or old != new:
            if not (is_num(old) and is_num(new) and old == new):
                out.append((path or "(root)", old, new))

    walk(baseline, requested, "")
    out.sort(key=lambda item: item[0])
    return out


def scale_guard(baseline, requested, allowed_changes=DEFAULT_ALLOWED_CHANGES):
    """Differences outside ``allowed_changes`` as errors, plus the allowed ones.

    ``allowed_changes`` names keys (``hybrid_instances_num``) or full dotted paths. Returns
    ``(errors, changes)`` where ``changes`` is the list of allowed ``(path, old, new)``.
    """
    allowed = set(allowed_changes or ())
    errors = []
    changes = []
    for path, old, new in config_diff(baseline, requested):
        leaf = path.rsplit(".", 1)[-1]
        if path in allowed or leaf in allowed:
            changes.append((path, old, new))
        else:
            errors.append(ConfigError(
                path, new, "differs from the deployed baseline (%s); only %s may change on an "
                           "update of a running deployment" % (render_value(old), ", ".join(sorted(allowed)) or "nothing")))
    return errors, changes
