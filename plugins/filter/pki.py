# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Filters of the pki role."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: pki
short_description: Helpers of the pki role
version_added: 0.2.0
description:
  - C(pki_name_constraints) computes the permitted subtrees (C(DNS:name), C(IP:network/prefix)) of a
    stack's intermediate CA from its namespace, cluster domain, certificate DNS names, pod and host
    networks (read from the nodes when not given), with the input errors found.
  - C(pki_cert_name_constraints) reads the name constraints of a PEM certificate in the same format
    (community.crypto's C(x509_certificate_info) does not return them).
author:
  - pdserve.cluster developers
"""

from ansible_collections.pdserve.cluster.plugins.module_utils import _pki


def pki_name_constraints(namespace, cluster_domain, dns_names, pod_cidrs, host_cidrs, nodes, host_ip_components):
    """See module_utils/_pki.py name_constraints."""
    return _pki.name_constraints(namespace, cluster_domain, dns_names, pod_cidrs, host_cidrs, nodes,
                                 host_ip_components)


def pki_cert_name_constraints(pem):
    """See module_utils/_pki.py certificate_name_constraints."""
    return _pki.certificate_name_constraints(pem)


class FilterModule:
    def filters(self):
        return {"pki_name_constraints": pki_name_constraints, "pki_cert_name_constraints": pki_cert_name_constraints}
