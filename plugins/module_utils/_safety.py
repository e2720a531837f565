# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The system path rule of pdserve.cluster (private: not a public API). Pure function, standard
library only (shipped to managed hosts with the modules that use it).

System paths a weight / model path must stay out of (:func:`system_path_rule`): the one home of
that rule; ``_config``, ``_motor``, ``_node_prepare`` and the Jinja filter
``pdserve.cluster.system_path_rule`` all call it. Ownership, Pod Security, the scale guard on
workloads and purge are Kubernetes rules: module_utils/_kube/.
"""
from __future__ import annotations

import posixpath
import re

# ------------------------------------------------------------------------------- system paths
#: Trees a weight or model path must be neither equal to nor below (the vendor documents forbid
#: system-critical paths for weights: a hostPath of one would put the node's files over the
#: container's own). "/" is refused as itself only (everything is below it). The /lib* family
#: is /lib, /lib32, /lib64 and /libx32 (not, say, /library).
SYSTEM_TREES = ("/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/var/run", "/run", "/usr", "/bin",
                "/lib", "/lib32", "/lib64", "/libx32", "/sbin")
SYSTEM_RULE = "must not be / or a system path (%s) or below one" % ", ".join(SYSTEM_TREES)
_SYSTEM_RE = re.compile(r"^(%s)(/|$)" % "|".join(re.escape(t) for t in SYSTEM_TREES))


def system_path_rule(path):
    """The rule ``path`` breaks (text), or None. ``path`` is normalised first (``/x/../etc``
    is ``/etc``); a path that is not absolute is not judged here."""
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    norm = posixpath.normpath(path)
    if norm.startswith("//"):
        norm = "/" + norm.lstrip("/")
    if norm == "/":
        return SYSTEM_RULE + ": it is /"
    match = _SYSTEM_RE.match(norm)
    if match:
        return SYSTEM_RULE + ": it is %s%s" % ("" if norm == match.group(1) else "below ", match.group(1))
    return None
