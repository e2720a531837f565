# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Safety rules for the roles' Jinja (module_utils/_platform.py and _node_prepare/probe.py are their homes)."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: safety
short_description: The collection's safety rules for templates and task conditions
version_added: 0.1.0
description:
  - C(system_path_rule) returns the rule a weight or model path breaks (it is C(/) or a system path such as
    C(/etc), C(/usr), C(/lib64) or below one), or an empty string.
  - C(weight_path_problem) does the same for node preparation, adding the role's extra forbidden paths
    (exact) and trees (the path or below).
  - C(outside_namespace) keeps the objects that do not live in the given namespace (cluster-scoped ones
    and those of other namespaces), which a check-mode dry run can show before the namespace exists.
author:
  - pdserve.cluster developers
"""

from ansible_collections.pdserve.cluster.plugins.module_utils import _platform
from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.inputs import weight_problem


def system_path_rule(path):
    """The system path rule ``path`` breaks, or ""."""
    return _platform.system_path_rule(path) or ""


def weight_path_problem(path, forbidden_paths=(), forbidden_trees=()):
    """Why ``path`` is no place for weights (system rule, then the extra paths / trees), or ""."""
    return weight_problem(path, forbidden_paths, forbidden_trees)


def outside_namespace(objects, namespace):
    """The objects not in ``namespace`` (the Namespace object itself included)."""
    return [o for o in objects or [] if ((o or {}).get("metadata") or {}).get("namespace") != namespace]


class FilterModule:
    def filters(self):
        return {
            "system_path_rule": system_path_rule,
            "weight_path_problem": weight_path_problem,
            "outside_namespace": outside_namespace,
        }
