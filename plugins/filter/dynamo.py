# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Filters of the dynamo_rbg role."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: dynamo
short_description: The Dynamo stack's RoleBasedGroup and frontend Service from the validated input
version_added: 0.2.0
description:
  - C(dynamo_rolebasedgroup) builds the RoleBasedGroup (processor, prefill, decode roles) in the version
    C(dynamo_config) picked, from the C(stack_config) of the stack role's C(config_dynamo.yml).
  - C(dynamo_frontend_service) builds the Service in front of the processor.
author:
  - pdserve.cluster developers
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._dynamo import render as _render


def dynamo_rolebasedgroup(stack_config, labels, settings=None):
    """See module_utils/_dynamo/render.py rolebasedgroup."""
    return _render.rolebasedgroup(stack_config["input"], stack_config["derived"], stack_config["rbg_version"],
                                  labels, settings)


def dynamo_frontend_service(stack_config, labels):
    """See module_utils/_dynamo/render.py frontend_service."""
    return _render.frontend_service(stack_config["input"], labels)


class FilterModule:
    def filters(self):
        return {
            "dynamo_rolebasedgroup": dynamo_rolebasedgroup,
            "dynamo_frontend_service": dynamo_frontend_service,
        }
