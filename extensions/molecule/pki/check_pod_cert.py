# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Verify step helper: check what pdserve_pod_cert.py wrote against the CA of the Secret.

usage: check_pod_cert.py OUTPUT_DIR ROOT_CA_PEM IP [IP...]
Runs cryptography's X.509 path validation (name constraints included) for a server reached at
each IP, from the pod's chain (cert.pem: its certificate, then the intermediate) to the root of
the Secret; checks the key matches, the trust file (ca.pem: intermediate, then root) and the
modes 0400 / 0700. Prints one JSON line; exit 1 on any failure.
"""

from __future__ import annotations

import ipaddress
import json
import os
import stat
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import IPAddress, PolicyBuilder, Store


def main(out_dir, ca_path, ips):
    with open(ca_path, "rb") as handle:
        ca = x509.load_pem_x509_certificate(handle.read())
    with open(os.path.join(out_dir, "cert.pem"), "rb") as handle:
        chain = x509.load_pem_x509_certificates(handle.read())
    cert, intermediates = chain[0], chain[1:]
    with open(os.path.join(out_dir, "ca.pem"), "rb") as handle:
        trust = x509.load_pem_x509_certificates(handle.read())
    with open(os.path.join(out_dir, "cert_passwd.txt"), "rb") as handle:
        passphrase = handle.read()
    with open(os.path.join(out_dir, "cert.key.pem"), "rb") as handle:
        key_pem = handle.read()
    key = serialization.load_pem_private_key(key_pem, password=passphrase)
    verifier = PolicyBuilder().store(Store([ca]))
    for ip in ips:
        verifier.build_server_verifier(IPAddress(ipaddress.ip_address(ip))).verify(cert, intermediates)
    modes = {name: oct(stat.S_IMODE(os.stat(os.path.join(out_dir, name)).st_mode)) for name in sorted(os.listdir(out_dir))}
    result = {
        "chain_ok": True,
        "chain_length": len(chain),
        "trust_subjects": [t.subject.rfc4514_string() for t in trust],
        "trust_ends_with_root": trust[-1] == ca,
        "trust_starts_with_issuer": len(intermediates) > 0 and trust[0] == intermediates[0] and cert.issuer == trust[0].subject,
        "key_matches": key.public_key().public_numbers() == cert.public_key().public_numbers(),
        "key_encrypted": b"ENCRYPTED" in key_pem,
        "san_ips": [str(i) for i in cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.IPAddress)],
        "file_modes": modes,
        "dir_mode": oct(stat.S_IMODE(os.stat(out_dir).st_mode)),
    }
    print(json.dumps(result))
    return 0 if result["key_matches"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
