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
  - C(pki_input_errors) checks the role's inputs and what C(pdserve.cluster.pki_state) read (a dict of
    them, see module_utils/_pki_checks.py) and returns every error, [] when there is none.
  - C(pki_ca_current) and C(pki_intermediate_current) say whether the root and the intermediate CA on
    the control node are kept (module_utils/_pki_checks.py).
  - C(pki_secrets) makes the Secret of each component from the CA files (base64) and the role's
    settings; C(pki_unchanged) names the objects the cluster holds as they are (module_utils/_pki_cluster.py).
author:
  - pdserve.cluster developers
"""

from ansible_collections.pdserve.cluster.plugins.module_utils import _pki, _pki_cluster, _pki_checks
from ansible_collections.pdserve.cluster.plugins.plugin_utils._data import plain


def pki_name_constraints(namespace, cluster_domain, dns_names, pod_cidrs, host_cidrs, nodes, host_ip_components):
    """See module_utils/_pki.py name_constraints."""
    return _pki.name_constraints(namespace, cluster_domain, dns_names, pod_cidrs, host_cidrs, nodes,
                                 host_ip_components)


def pki_cert_name_constraints(pem):
    """See module_utils/_pki.py certificate_name_constraints."""
    return _pki.certificate_name_constraints(pem)


def pki_input_errors(inputs):
    """See module_utils/_pki_checks.py input_errors."""
    return _pki_checks.input_errors(plain(inputs))


def pki_ca_current(inputs):
    """See module_utils/_pki_checks.py ca_current."""
    return _pki_checks.ca_current(plain(inputs))


def pki_intermediate_current(inputs):
    """See module_utils/_pki_checks.py intermediate_current."""
    return _pki_checks.intermediate_current(plain(inputs))


def pki_secrets(ca_b64, **settings):
    """See module_utils/_pki_cluster.py secrets."""
    return _pki_cluster.secrets(plain(ca_b64), **plain(settings))


def pki_unchanged(objects, live):
    """See module_utils/_pki_cluster.py unchanged."""
    return _pki_cluster.unchanged(plain(objects), plain(live))


class FilterModule:
    def filters(self):
        return {"pki_name_constraints": pki_name_constraints, "pki_cert_name_constraints": pki_cert_name_constraints,
                "pki_input_errors": pki_input_errors, "pki_secrets": pki_secrets, "pki_unchanged": pki_unchanged,
                "pki_ca_current": pki_ca_current, "pki_intermediate_current": pki_intermediate_current}
