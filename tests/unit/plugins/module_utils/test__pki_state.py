"""module_utils/_pki.py certificate_info / private_key_info against community.crypto's own filters
(the oracle: the role's checks were written against its results), and _runner/pki_state.py on
files made here (a root and an intermediate CA as the role makes them)."""
from __future__ import annotations

import base64
import datetime
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.community.crypto.plugins.filter.openssl_privatekey_info import FilterModule as KeyFilters
from ansible_collections.community.crypto.plugins.filter.x509_certificate_info import FilterModule as CertFilters
from ansible_collections.pdserve.cluster.plugins.module_utils import _pki
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import pki_state

NOW = datetime.datetime.now(datetime.timezone.utc)
PASS = "Sandbox-Pass-1"


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pdserve"),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Ascend"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(key, subject, issuer_key, issuer, days, ca=True, key_usage=True, path_length=None, nc=None):
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(minutes=5))
               .not_valid_after(NOW + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False))
    if key_usage:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                                      data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                                      crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
    if nc:
        builder = builder.add_extension(x509.NameConstraints(permitted_subtrees=[x509.DNSName(n) for n in nc],
                                                             excluded_subtrees=None), critical=True)
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def key_pem(key, passphrase=None):
    enc = serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, enc)


@pytest.fixture(scope="module")
def root():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, make_cert(key, name("pdserve CA"), key, name("pdserve CA"), 7300)


@pytest.fixture(scope="module")
def intermediate(root):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = make_cert(key, name("pdserve s intermediate CA"), root[0], name("pdserve CA"), 30, path_length=0,
                     nc=["s.svc", "s.svc.cluster.local"])
    return key, cert


ORACLE_FIELDS = ("subject", "not_before", "not_after", "public_key", "public_key_type", "basic_constraints", "key_usage",
                 "subject_key_identifier", "authority_key_identifier")


def test_certificate_info_matches_community_crypto(root, intermediate):
    oracle = CertFilters().filters()["x509_certificate_info"]
    for pem in (root[1], intermediate[1]):
        ours = _pki.certificate_info(pem)
        theirs = oracle(pem.decode())
        for field in ORACLE_FIELDS:
            assert ours[field] == theirs[field], field
        assert ours["fingerprints"]["sha256"] == theirs["fingerprints"]["sha256"]


def test_certificate_info_without_key_usage_and_an_ec_key():
    key = ec.generate_private_key(ec.SECP256R1())
    pem = make_cert(key, name("x"), key, name("x"), 10, ca=False, key_usage=False)
    ours, theirs = _pki.certificate_info(pem), CertFilters().filters()["x509_certificate_info"](pem.decode())
    assert ours["key_usage"] is None and theirs["key_usage"] is None
    assert ours["public_key_type"] == theirs["public_key_type"] == "ECC"
    assert ours["basic_constraints"] == theirs["basic_constraints"] == ["CA:FALSE"]


def test_valid_at_inside_and_past_the_window(root):
    info = _pki.certificate_info(root[1], {"now": 0, "renew": 30 * 86400, "late": 8000 * 86400})
    assert info["valid_at"] == {"now": True, "renew": True, "late": False}


def test_private_key_info_matches_community_crypto(root):
    oracle = KeyFilters().filters()["openssl_privatekey_info"]
    encrypted = key_pem(root[0], PASS)
    assert _pki.private_key_info(encrypted, PASS)["public_key"] == oracle(encrypted.decode(), passphrase=PASS)["public_key"]
    assert _pki.private_key_info(encrypted) == {"can_parse_key": False}
    assert _pki.private_key_info(encrypted, "Wrong-Pass-2") == {"can_parse_key": False}
    assert _pki.private_key_info(key_pem(root[0]))["can_parse_key"] is True


def write(path, data, mode=0o400):
    with open(path, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)


@pytest.fixture()
def ca_dir(tmp_path, root, intermediate):
    d = tmp_path / "pki"
    d.mkdir(mode=0o700)
    write(d / "ca.pem", root[1])
    write(d / "ca.key.pem", key_pem(root[0], PASS))
    write(d / "intermediate.pem", intermediate[1])
    write(d / "intermediate.key.pem", key_pem(intermediate[0], "int-Pass-3"))
    write(d / "intermediate_passwd.txt", b"int-Pass-3")
    return d


def params(d, **over):
    out = dict(ca_cert_file=str(d / "ca.pem"), ca_key_file=str(d / "ca.key.pem"), pki_dir=str(d),
               int_cert_file=str(d / "intermediate.pem"), int_key_file=str(d / "intermediate.key.pem"),
               int_passwd_file=str(d / "intermediate_passwd.txt"), generated=True, regenerate=False, passphrase=PASS,
               ca_renew_days=30, int_renew_days=10, namespace="s", read_namespace=False, read_nodes=False, objects=[])
    out.update(over)
    return out


def test_steady_state_read(ca_dir, root, intermediate):
    out = pki_state.execute(params(ca_dir), check_mode=False)
    assert [r["stat"]["mode"] for r in out["stat"]["results"]] == ["0400", "0400", "0700"]
    assert out["key_plain"] == {"can_parse_key": False}
    assert out["key_info"]["can_parse_key"] and out["key_info"]["public_key"].strip() == out["cert_info"]["public_key"].strip()
    assert out["cert_info"]["valid_at"] == {"now": True, "renew": True}
    assert out["int_info"]["valid_at"] == {"renew": True}
    assert out["int_info"]["authority_key_identifier"] == out["int_root"]["subject_key_identifier"]
    assert out["int_key_info"]["public_key"].strip() == out["int_info"]["public_key"].strip()
    assert base64.b64decode(out["int_pem"]["content"]) == intermediate[1]
    assert base64.b64decode(out["int_passwd"]["content"]) == b"int-Pass-3"
    assert base64.b64decode(out["files"]["ca_cert"]) == root[1]
    assert "ca_key" not in out["files"]  # the root's key never goes to the cluster
    assert out["namespace"]["skipped"] and out["nodes"]["skipped"] and out["live"] == {}


def test_nothing_there_yet(tmp_path):
    out = pki_state.execute(params(tmp_path / "none"), check_mode=False)
    assert [r["stat"]["exists"] for r in out["stat"]["results"]] == [False, False, False]
    for part in ("key_plain", "key_info", "cert_info", "int_info", "int_pem", "int_passwd", "int_key_info"):
        assert out[part].get("skipped"), part
    assert "subject_key_identifier" not in out["int_root"] and out["files"] == {}


def test_regenerate_skips_the_root_and_a_plain_key_skips_the_passphrase(ca_dir, root):
    assert pki_state.execute(params(ca_dir, regenerate=True), False)["cert_info"].get("skipped")
    write(ca_dir / "ca.key.pem", key_pem(root[0]), 0o600)
    out = pki_state.execute(params(ca_dir), False)
    assert out["key_plain"]["can_parse_key"] and out["key_info"].get("skipped")
    assert out["stat"]["results"][1]["stat"]["mode"] == "0600"


def test_a_file_that_is_not_a_certificate(ca_dir):
    os.chmod(ca_dir / "ca.pem", 0o600)
    write(ca_dir / "ca.pem", b"not a certificate")
    out = pki_state.execute(params(ca_dir), False)
    assert "not_after" not in out["cert_info"] and "ca.pem" in out["cert_info"]["msg"]
