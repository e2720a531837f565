# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The scale guard on rendered workloads (private: not a public API): what a redeploy would change
in the live workloads other than their instance and replica counts."""
from __future__ import annotations

import re

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import describe, meta as _meta

#: Paths (dotted, list indexes as [*]) that may differ on a scale: the instance and replica counts.
SCALE_PATHS = ("spec.replicas", "spec.template.roles[*].replicas", "spec.roles[*].replicas")
#: Where a stack stores the instance counts outside the workloads (compared by the config guard).
_SKIP_KINDS = ("ConfigMap", "Secret", "Namespace")


def _pattern(path):
    return re.sub(r"\[[^\]]*\]", "[*]", path)


def _subset_diff(want, have, path, out):
    """Differences where ``have`` (live, with server defaults) lacks or changes what ``want``
    (rendered) says."""
    if isinstance(want, dict):
        if not isinstance(have, dict):
            out.append((path, have, want))
            return
        for key in sorted(want):
            _subset_diff(want[key], have.get(key, _ABSENT), "%s.%s" % (path, key) if path else key, out)
    elif isinstance(want, list):
        if not isinstance(have, list) or len(have) != len(want):
            out.append((path, have, want))
            return
        for index, (w, h) in enumerate(zip(want, have)):
            # list items by name where they have one (volumes[shm], containers[union])
            name = w.get("name") if isinstance(w, dict) and isinstance(w.get("name"), str) else index
            _subset_diff(w, h, "%s[%s]" % (path, name), out)
    elif not _same_scalar(want, have):
        out.append((path, have, want))


def _same_scalar(a, b):
    if a == b and type(a) is type(b):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return a == b
    return str(a) == str(b) and not isinstance(a, bool) and not isinstance(b, bool) and b is not _ABSENT


class _Absent:
    def __repr__(self):
        return "<absent>"


_ABSENT = _Absent()


def workload_diff(live_objects, rendered, allowed=SCALE_PATHS):
    """Differences between the rendered objects and the live ones of the same kind and name,
    apart from the instance / replica counts (``allowed``). Objects on one side only (an
    instance Deployment scaled in or away) and ConfigMaps / Secrets (the config guard compares
    the configuration) are not compared. Returns ``["Kind ns/name: field: live -> rendered"]``."""
    live = {(o.get("kind"), _meta(o).get("namespace") or "", _meta(o).get("name")): o for o in live_objects if o}
    out = []
    for obj in rendered:
        meta = _meta(obj)
        if obj.get("kind") in _SKIP_KINDS:
            continue
        have = live.get((obj.get("kind"), meta.get("namespace") or "", meta.get("name")))
        if have is None:
            continue
        diffs = []
        for part in ("spec", "data"):
            if part in obj:
                _subset_diff(obj[part], have.get(part, _ABSENT), part, diffs)
        for part in ("labels", "annotations"):
            if meta.get(part):
                _subset_diff(meta[part], _meta(have).get(part) or {}, "metadata." + part, diffs)
        for path, old, new in diffs:
            if _pattern(path) in allowed:
                continue
            out.append("%s: %s: %s -> %s" % (describe(obj), path, _short(old), _short(new)))
    return out


def _short(value, limit=120):
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit] + "..."
