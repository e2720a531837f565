#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Everything the pki role decides on, in one read-only step."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: pki_state
short_description: Read a stack's CA on the control node and the PKI's objects in the cluster, read-only
version_added: 0.1.0
description:
  - The read-only steps of the C(pdserve.cluster.pki) role in one step (the CA folder and files (one C(stat)
    each), the root CA key opened without and with O(passphrase), the root CA certificate, the
    intermediate CA's certificate, key and passphrase files, the namespace, the nodes (when O(read_nodes))
    and the live Secrets and ConfigMap named in O(objects)).
  - Each part of the result has the shape of the task it replaces (C(ansible.builtin.stat),
    C(community.crypto.x509_certificate_info), C(community.crypto.openssl_privatekey_info),
    C(ansible.builtin.slurp), C(kubernetes.core.k8s_info)), with C(skipped) where the role would not have
    run that task, so the role's checks read them unchanged.
  - The result holds key material (the intermediate CA's key and passphrase, base64), so run it with C(no_log).
  - Runs in the controller's process (action plugin) when the connection is local.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - pdserve.cluster.read_only
  - kubernetes.core.k8s_auth_options
options:
  ca_cert_file:
    description: The root CA certificate on the control node.
    type: path
    required: true
  ca_key_file:
    description: The root CA key on the control node (encrypted under O(passphrase)).
    type: path
    required: true
  pki_dir:
    description: The CA folder.
    type: path
    required: true
  int_cert_file:
    description: The intermediate CA certificate.
    type: path
    required: true
  int_key_file:
    description: The intermediate CA key (encrypted under the passphrase in O(int_passwd_file)).
    type: path
    required: true
  int_passwd_file:
    description: The intermediate CA key's passphrase.
    type: path
    required: true
  generated:
    description: Whether the role makes the CA (not brought by the user).
    type: bool
    required: true
  regenerate:
    description: A new CA is asked for; the root's key and certificate are not read (C(skipped)).
    type: bool
    default: false
  passphrase:
    description: The root CA key's passphrase.
    type: str
    default: ""
  ca_renew_days:
    description: The root's C(valid_at.renew) is whether it is still valid so many days from now.
    type: int
    default: 30
  int_renew_days:
    description: The intermediate's C(valid_at.renew) is whether it is still valid so many days from now.
    type: int
    default: 10
  namespace:
    description: The namespace of the PKI's objects (the stack's job id).
    type: str
    required: true
  read_namespace:
    description: Read the namespace and the objects of O(objects) in it.
    type: bool
    default: true
  read_nodes:
    description: List the nodes (pod networks and addresses for the name constraints).
    type: bool
    default: false
  objects:
    description: The PKI's objects to read (C(kind) Secret or ConfigMap, C(name)), one list request per kind.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Read the CA and the PKI's objects
  pdserve.cluster.pki_state:
    ca_cert_file: ~/.pdserve/pki/mindie-motor/ca.pem
    ca_key_file: ~/.pdserve/pki/mindie-motor/ca.key.pem
    pki_dir: ~/.pdserve/pki/mindie-motor
    int_cert_file: ~/.pdserve/pki/mindie-motor/intermediate.pem
    int_key_file: ~/.pdserve/pki/mindie-motor/intermediate.key.pem
    int_passwd_file: ~/.pdserve/pki/mindie-motor/intermediate_passwd.txt
    generated: true
    passphrase: "{{ pki_ca_passphrase }}"
    namespace: mindie-motor
    objects: [{kind: Secret, name: pdserve-pki-server}]
  register: pki_state
  no_log: true
"""

RETURN = r"""
stat:
  description: C(results) of C(ansible.builtin.stat) on O(ca_cert_file), O(ca_key_file), O(pki_dir).
  returned: always
  type: dict
key_plain:
  description: C(can_parse_key) of the root key without a passphrase (skipped when absent or O(regenerate)).
  returned: always
  type: dict
key_info:
  description: C(can_parse_key) and C(public_key) of the root key with O(passphrase) (skipped as C(key_plain),
    when O(passphrase) is empty or the key opens without one).
  returned: always
  type: dict
cert_info:
  description: The root certificate as C(community.crypto.x509_certificate_info) names its fields, C(valid_at.now)
    and C(valid_at.renew); C(msg) when unreadable.
  returned: always
  type: dict
int_stat:
  description: C(results) of C(ansible.builtin.stat) on the intermediate's three files.
  returned: always
  type: dict
int_root:
  description: The root certificate (for its C(subject_key_identifier)), read without skipping.
  returned: always
  type: dict
int_info:
  description: The intermediate certificate with C(valid_at.renew).
  returned: always
  type: dict
int_pem:
  description: The intermediate certificate's file (C(content), base64), when it was readable.
  returned: always
  type: dict
int_passwd:
  description: The intermediate key's passphrase file (C(content), base64).
  returned: always
  type: dict
int_key_info:
  description: C(can_parse_key) and C(public_key) of the intermediate key with its passphrase.
  returned: always
  type: dict
files:
  description: Base64 of the files the Secrets carry (C(ca_cert), C(int_cert), C(int_key), C(int_passwd)), those that exist.
  returned: always
  type: dict
namespace:
  description: C(resources) (the namespace, or none) as C(kubernetes.core.k8s_info); C(msg) when it could not be read.
  returned: always
  type: dict
nodes:
  description: C(resources) (the nodes) as C(kubernetes.core.k8s_info), when O(read_nodes).
  returned: always
  type: dict
live:
  description: Per C(Kind/name) of O(objects) that exists, its C(data), C(type), C(labels) and whether it is pdserve's (C(ours)).
  returned: always
  type: dict
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import pki_state as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
