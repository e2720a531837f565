# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Kubernetes name rules for the roles' Jinja (module_utils/_schema.py is their one home)."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: names
short_description: Kubernetes name rules (the ones the configuration models apply) for role validation
version_added: 0.1.0
description:
  - C(dns_label) is true for a DNS-1123 label (namespaces, object names, job ids; at most 63 characters).
  - C(dns_subdomain) is true for a DNS-1123 subdomain (at most 253 characters).
  - C(label_key) / C(label_value) are true for a Kubernetes label key / a non-empty label value.
  - The rules are those of C(plugins/module_utils/_schema.py), which C(validate_config) and C(motor_config)
    apply to the same kinds of names.
author:
  - pdserve.cluster developers
"""

from ansible_collections.pdserve.cluster.plugins.module_utils import _schema


def dns_label(value):
    """Whether ``value`` is a DNS-1123 label."""
    return _schema.is_namespace_name(value)


def dns_subdomain(value):
    """Whether ``value`` is a DNS-1123 subdomain."""
    return _schema.is_dns_subdomain(value)


def label_key(value):
    return _schema.is_label_key(value)


def label_value(value):
    return _schema.is_label_value(value)


class FilterModule:
    def filters(self):
        return {"dns_label": dns_label, "dns_subdomain": dns_subdomain, "label_key": label_key,
                "label_value": label_value}
