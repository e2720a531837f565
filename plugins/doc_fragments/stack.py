# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The options that name a stack (the argument spec: module_utils/_runner/args.py SHARED)."""
from __future__ import annotations


class ModuleDocFragment:
    # namespace and job_id: pdserve.cluster.stack
    DOCUMENTATION = r"""
options:
  namespace:
    description: Namespace of the stack.
    type: str
    required: true
  job_id:
    description: The stack's C(app.kubernetes.io/instance) label value. Defaults to O(namespace).
    type: str
"""

    # namespace only: pdserve.cluster.stack.namespace
    NAMESPACE = r"""
options:
  namespace:
    description: Namespace of the stack.
    type: str
    required: true
"""
