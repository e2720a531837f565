# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The attributes of a module that only reads the cluster."""
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: The module only reads; in check mode it does the same.
  diff_mode:
    support: none
    description: Nothing in the cluster is changed, so there is nothing to diff.
"""
