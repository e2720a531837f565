# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Verify step helper: what a pod holding the intermediate CA can mint, and what verifies.

usage: check_constraints.py SECURITY_DIR NAME=SAN [NAME=SAN...]
SECURITY_DIR holds a component Secret's files (ca.pem = root, intermediate.pem,
intermediate.key.pem, intermediate_passwd.txt), as a pod mounts them. For each NAME=SAN (an IP
address or a DNS name) it signs a leaf with the intermediate's key, as an attacker inside a pod
could, bypassing pdserve_pod_cert.py's own check, and verifies it with `openssl verify` (root as
trust anchor, intermediate untrusted) and with cryptography's path validation. It also signs a
sub-CA with the intermediate and a leaf under that (pathlen:0 must refuse it). Prints JSON
{NAME: {"openssl_ok": bool, "openssl": text, "cryptography_ok": bool, "cryptography": text}}.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import DNSName, IPAddress, PolicyBuilder, Store

NOW = datetime.datetime.now(datetime.timezone.utc)


def general_name(san):
    try:
        return x509.IPAddress(ipaddress.ip_address(san))
    except ValueError:
        return x509.DNSName(san)


def sign(subject_cn, san, issuer_cert, issuer_key, ca=False):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(minutes=5))
        .not_valid_after(NOW + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([general_name(san)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def pem(*certs):
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def openssl_verify(root, untrusted, leaf, work):
    paths = {}
    for name, data in (("root", pem(root)), ("untrusted", pem(*untrusted)), ("leaf", pem(leaf))):
        paths[name] = os.path.join(work, name + ".pem")
        with open(paths[name], "wb") as handle:
            handle.write(data)
    proc = subprocess.run(["openssl", "verify", "-CAfile", paths["root"], "-untrusted", paths["untrusted"], paths["leaf"]],
                          capture_output=True, text=True, check=False)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def crypto_verify(root, untrusted, leaf, san):
    name = general_name(san)
    subject = IPAddress(name.value) if isinstance(name, x509.IPAddress) else DNSName(name.value)
    try:
        PolicyBuilder().store(Store([root])).build_server_verifier(subject).verify(leaf, list(untrusted))
        return True, "ok"
    except Exception as exc:  # VerificationError and friends: the text is the result
        return False, str(exc)


def main(sec, cases):
    def read(name):
        with open(os.path.join(sec, name), "rb") as handle:
            return handle.read()

    root = x509.load_pem_x509_certificate(read("ca.pem"))
    inter = x509.load_pem_x509_certificate(read("intermediate.pem"))
    inter_key = serialization.load_pem_private_key(read("intermediate.key.pem"), password=read("intermediate_passwd.txt").strip())
    out = {}
    with tempfile.TemporaryDirectory() as work:
        for case in cases:
            name, san = case.split("=", 1)
            leaf, _ = sign("minted-" + name, san, inter, inter_key)
            o_ok, o_text = openssl_verify(root, [inter], leaf, work)
            c_ok, c_text = crypto_verify(root, [inter], leaf, san)
            out[name] = {"openssl_ok": o_ok, "openssl": o_text, "cryptography_ok": c_ok, "cryptography": c_text}
        # pathlen:0: a CA under the intermediate, and a leaf (inside the constraints) under it.
        sub, sub_key = sign("minted-sub-ca", None, inter, inter_key, ca=True)
        san = cases[0].split("=", 1)[1]
        leaf, _ = sign("minted-under-sub-ca", san, sub, sub_key)
        o_ok, o_text = openssl_verify(root, [inter, sub], leaf, work)
        c_ok, c_text = crypto_verify(root, [inter, sub], leaf, san)
        out["under_sub_ca"] = {"openssl_ok": o_ok, "openssl": o_text, "cryptography_ok": c_ok, "cryptography": c_text}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
