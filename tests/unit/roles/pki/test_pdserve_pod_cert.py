# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Tests of roles/pki/files/pdserve_pod_cert.py, the per-pod certificate generator.

The CA here is made with `cryptography` the way the role makes it (RSA, AES-256 encrypted
PKCS#1 key, v3_ca extensions); the certificates the script makes are checked with
cryptography's own X.509 path validation (chain + SAN), not by re-reading our own fields only.
"""

from __future__ import annotations

import datetime
import importlib.util
import ipaddress
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

SCRIPT = Path(__file__).resolve().parents[4] / "roles" / "pki" / "files" / "pdserve_pod_cert.py"
PASSPHRASE = "Ca-Passw0rd!"
POD_IP = "10.244.3.17"
HOST_IP = "192.168.10.21"
UTC = datetime.timezone.utc


def _load_script():
    spec = importlib.util.spec_from_file_location("pdserve_pod_cert", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pc = _load_script()


def make_ca(days=7300, ca=True, key_cert_sign=True, start=None, key_size=2048):
    """A CA as the role makes it (smaller key for speed)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pdserve"),
        x509.NameAttribute(NameOID.COMMON_NAME, "pdserve test CA"),
    ])
    start = start or datetime.datetime.now(UTC) - datetime.timedelta(days=1)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, key_cert_sign, True, False, False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def write_ca(directory: Path, cert, key, passphrase=PASSPHRASE, encrypt=True):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    enc = serialization.BestAvailableEncryption(passphrase.encode()) if encrypt else serialization.NoEncryption()
    (directory / "ca.key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, enc))
    # Secret data written by the role ends without a newline; a trailing one must be tolerated.
    (directory / "ca_passwd.txt").write_text(passphrase + "\n")


@pytest.fixture(scope="module")
def ca():
    return make_ca()


@pytest.fixture()
def security(tmp_path, ca):
    """/mnt/security as the role's Secret lays it out, plus an output folder."""
    sec = tmp_path / "security"
    write_ca(sec, *ca)
    gen = {
        "ca_cert": str(sec / "ca.pem"),
        "ca_key": str(sec / "ca.key.pem"),
        "ca_key_pwd": str(sec / "ca_passwd.txt"),
        "cert_config": str(sec / "cert_info.json"),
        "output_path": str(tmp_path / "tls"),
        "ip_env": ["POD_IP", "HOST_IP"],
        "key_size": 2048,
        "encrypt_key": True,
    }
    info = {
        "subject": "coordinator",
        "expired_time": 3650,
        "req_distinguished_name": {"C": "CN", "O": "pdserve", "OU": "Ascend", "CN": "mindie-coordinator"},
        "alt_names": {"IP": [], "DNS": ["coordinator.mindie-motor.svc"]},
    }
    (sec / "gen_cert.json").write_text(json.dumps(gen))
    (sec / "cert_info.json").write_text(json.dumps(info))
    return sec


ENV = {"POD_IP": POD_IP, "HOST_IP": HOST_IP}


def edit_json(path: Path, **changes):
    data = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(json.dumps(data))


def verify_server(cert, ca_cert, ip, when=None):
    """cryptography's RFC 5280 / CABF path validation, for a server reached at `ip`."""
    builder = PolicyBuilder().store(Store([ca_cert]))
    if when is not None:
        builder = builder.time(when)
    return builder.build_server_verifier(x509.verification.IPAddress(ipaddress.ip_address(ip))).verify(cert, [])


# ------------------------------------------------------------------------------ happy path
def test_certificate_chains_to_the_ca_and_serves_pod_and_host_ip(security, ca):
    ca_cert, _ = ca
    cert, paths = pc.generate(str(security / "gen_cert.json"), environ=ENV)
    out = Path(paths[0]).parent
    written = x509.load_pem_x509_certificate((out / "cert.pem").read_bytes())
    assert written == cert
    chain = verify_server(written, ca_cert, POD_IP)
    assert chain[-1] == ca_cert
    verify_server(written, ca_cert, HOST_IP)
    with pytest.raises(VerificationError):
        verify_server(written, ca_cert, "10.244.3.18")
    # Also signed by the CA key, checked directly.
    written.verify_directly_issued_by(ca_cert)


def test_san_holds_ips_from_env_and_cert_info(security):
    edit_json(security / "cert_info.json", alt_names={"IP": ["127.0.0.1"], "DNS": ["a.example", "a.example"]})
    cert, _ = pc.generate(str(security / "gen_cert.json"), environ=ENV)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert not san.critical
    assert san.value.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address(POD_IP), ipaddress.ip_address(HOST_IP), ipaddress.ip_address("127.0.0.1")]
    assert san.value.get_values_for_type(x509.DNSName) == ["a.example"]


def test_without_host_ip_in_ip_env_only_the_pod_ip(security, ca):
    edit_json(security / "gen_cert.json", ip_env=["POD_IP"])
    cert, _ = pc.generate(str(security / "gen_cert.json"), environ=ENV)
    ips = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.IPAddress)
    assert ips == [ipaddress.ip_address(POD_IP)]
    with pytest.raises(VerificationError):
        verify_server(cert, ca[0], HOST_IP)


def test_ip_option_overrides_the_environment(security):
    cert, _ = pc.generate(str(security / "gen_cert.json"), ips_arg="10.1.1.1, fd00::5", environ={})
    ips = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.IPAddress)
    assert ips == [ipaddress.ip_address("10.1.1.1"), ipaddress.ip_address("fd00::5")]


def test_key_usage_and_leaf_extensions(security, ca):
    ca_cert, _ = ca
    cert, _ = pc.generate(str(security / "gen_cert.json"), environ=ENV)
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca is False
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical
    assert ku.value.digital_signature and ku.value.key_encipherment
    assert not ku.value.key_cert_sign and not ku.value.crl_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ca_ski.digest
    assert cert.issuer == ca_cert.subject
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "mindie-coordinator"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "Ascend"
    assert cert.signature_hash_algorithm.name == "sha256"


def test_validity_is_backdated_and_ends_after_expired_time(security):
    now = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    edit_json(security / "cert_info.json", expired_time=30)
    settings, ca_cert, ca_key = pc.check_inputs(str(security / "gen_cert.json"), environ=ENV)
    cert, _ = pc.build_certificate(settings, ca_cert, ca_key, now=now)
    assert pc.not_before(cert) == now - datetime.timedelta(minutes=5)
    assert pc.not_after(cert) == now + datetime.timedelta(days=30)


def test_validity_never_outlives_the_ca(tmp_path, security):
    short_ca = make_ca(days=10)
    write_ca(security, *short_ca)
    cert, _ = pc.generate(str(security / "gen_cert.json"), environ=ENV)
    assert pc.not_after(cert) == pc.not_after(short_ca[0])
    verify_server(cert, short_ca[0], POD_IP)


def test_key_matches_certificate_and_is_encrypted_with_the_passphrase_file(security):
    cert, _ = pc.generate(str(security / "gen_cert.json"), environ=ENV)
    out = Path(json.loads((security / "gen_cert.json").read_text())["output_path"])
    key_pem = (out / "cert.key.pem").read_bytes()
    assert b"ENCRYPTED" in key_pem and b"DEK-Info: AES-256-CBC" in key_pem
    passphrase = (out / "cert_passwd.txt").read_bytes()
    assert pc.passphrase_problems(passphrase.decode()) == []
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(key_pem, password=None)
    key = serialization.load_pem_private_key(key_pem, password=passphrase)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    assert key.key_size == 2048


def test_unencrypted_key_option_writes_no_passphrase_file(security):
    pc.generate(str(security / "gen_cert.json"), environ=ENV)
    edit_json(security / "gen_cert.json", encrypt_key=False)
    cert, paths = pc.generate(str(security / "gen_cert.json"), environ=ENV)
    out = Path(paths[0]).parent
    assert not (out / "cert_passwd.txt").exists()
    key = serialization.load_pem_private_key((out / "cert.key.pem").read_bytes(), password=None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()


def test_file_modes_and_rerun_replaces_read_only_files(security, ca):
    gen = security / "gen_cert.json"
    first, paths = pc.generate(str(gen), environ=ENV)
    out = Path(paths[0]).parent
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    names = sorted(p.name for p in out.iterdir())
    assert names == ["ca.pem", "cert.key.pem", "cert.pem", "cert_passwd.txt"]
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o400, path
    assert (out / "ca.pem").read_bytes() == ca[0].public_bytes(serialization.Encoding.PEM)
    # A container restart runs it again over the 0400 files of the previous start.
    second, _ = pc.generate(str(gen), environ=ENV)
    assert second.serial_number != first.serial_number
    assert x509.load_pem_x509_certificate((out / "cert.pem").read_bytes()) == second
    assert sorted(p.name for p in out.iterdir()) == names  # no temporary files left behind
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o400, path


def test_existing_output_folder_is_tightened_to_0700(security, tmp_path):
    out = tmp_path / "tls"
    out.mkdir(mode=0o777)
    os.chmod(out, 0o777)
    pc.generate(str(security / "gen_cert.json"), environ=ENV)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_relative_paths_resolve_against_gen_cert_folder(security, tmp_path):
    edit_json(security / "gen_cert.json", ca_cert="ca.pem", ca_key="./ca.key.pem", ca_key_pwd="ca_passwd.txt",
              cert_config="cert_info.json", output_path="../tls-rel")
    _, paths = pc.generate(str(security / "gen_cert.json"), environ=ENV)
    assert Path(paths[0]).parent == tmp_path / "tls-rel"


def test_serial_numbers_are_unique_per_pod(security):
    serials = {pc.generate(str(security / "gen_cert.json"), environ=ENV)[0].serial_number for _ in range(3)}
    assert len(serials) == 3


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ip=st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_any_pod_ip_lands_in_the_san(security, ip):
    settings, ca_cert, ca_key = pc.check_inputs(str(security / "gen_cert.json"), environ={"POD_IP": str(ip), "HOST_IP": HOST_IP})
    cert, _ = pc.build_certificate(settings, ca_cert, ca_key)
    ips = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.IPAddress)
    assert ips[0] == ip


# ------------------------------------------------------------------------------- bad input
def problems(security, environ=ENV, **kwargs):
    with pytest.raises(pc.InputError) as info:
        pc.generate(str(security / "gen_cert.json"), environ=environ, **kwargs)
    return info.value.errors


def out_dir(security):
    return Path(json.loads((security / "gen_cert.json").read_text())["output_path"])


def test_missing_pod_ip_names_the_variable_and_writes_nothing(security):
    errors = problems(security, environ={"HOST_IP": HOST_IP})
    assert len(errors) == 1
    assert errors[0].startswith("env.POD_IP: is not set")
    assert "status.podIP" in errors[0]
    assert not out_dir(security).exists()


def test_bad_ips_are_all_reported(security):
    errors = problems(security, environ={"POD_IP": "10.0.0.300", "HOST_IP": "host-1"})
    assert errors == ["env.POD_IP: '10.0.0.300' is not an IPv4 or IPv6 address",
                      "env.HOST_IP: 'host-1' is not an IPv4 or IPv6 address"]
    errors = problems(security, ips_arg="1.2.3.4,nope")
    assert errors == ["--ip[1]: 'nope' is not an IPv4 or IPv6 address"]


def test_missing_config_file(tmp_path):
    with pytest.raises(pc.InputError) as info:
        pc.generate(str(tmp_path / "absent.json"), environ=ENV)
    assert info.value.errors == ["config: gen_cert.json file %r does not exist" % str(tmp_path / "absent.json")]


def test_invalid_json(security):
    (security / "cert_info.json").write_text("{not json")
    errors = problems(security)
    assert len(errors) == 1 and errors[0].startswith("gen_cert.json.cert_config: cert_info.json file")
    assert "is not valid JSON" in errors[0]


def test_every_config_problem_is_listed_together(security):
    edit_json(security / "gen_cert.json", ca_key=None, key_size=1024, encrypt_key="yes", ip_env="POD_IP")
    edit_json(security / "cert_info.json", expired_time=0,
              req_distinguished_name={"C": "China", "CN": "", "X": "y"},
              alt_names={"IP": ["1.2.3"], "DNS": ["bad name"]})
    errors = problems(security)
    expected_starts = [
        "gen_cert.json.ca_key: None must be a non-empty path",
        "gen_cert.json.key_size: 1024 must be one of 2048, 3072, 4096",
        "gen_cert.json.encrypt_key: 'yes' must be true or false",
        "gen_cert.json.ip_env: 'POD_IP' must be a list",
        "cert_info.json.req_distinguished_name.X: unknown field",
        "cert_info.json.req_distinguished_name.C: 'China' must be a 2-letter country code",
        "cert_info.json.req_distinguished_name.CN: is required",
        "cert_info.json.expired_time: 0 must be a whole number of days",
        "cert_info.json.alt_names.IP[0]: '1.2.3' is not an IPv4 or IPv6 address",
        "cert_info.json.alt_names.DNS[0]: 'bad name' must be a DNS name",
    ]
    assert len(errors) == len(expected_starts), errors
    for error, start in zip(errors, expected_starts):
        assert error.startswith(start), (error, start)
    assert not out_dir(security).exists()


def test_missing_ca_files_are_all_reported(security):
    (security / "ca.pem").unlink()
    (security / "ca_passwd.txt").unlink()
    errors = problems(security)
    assert errors == [
        "gen_cert.json.ca_cert: CA certificate file %r does not exist" % str(security / "ca.pem"),
        "gen_cert.json.ca_key_pwd: CA key passphrase file %r does not exist" % str(security / "ca_passwd.txt"),
    ]


def test_wrong_passphrase(security):
    (security / "ca_passwd.txt").write_text("Other-Passw0rd")
    errors = problems(security)
    assert errors == ["gen_cert.json.ca_key: cannot load %r with the passphrase in %r (wrong passphrase or not a PEM key)"
                      % (str(security / "ca.key.pem"), str(security / "ca_passwd.txt"))]
    assert "Other-Passw0rd" not in errors[0] and PASSPHRASE not in errors[0]


def test_plaintext_ca_key_is_refused(security, ca):
    write_ca(security, *ca, encrypt=False)
    errors = problems(security)
    assert errors == ["gen_cert.json.ca_key: %r is not encrypted; the CA key must be kept encrypted" % str(security / "ca.key.pem")]


def test_key_of_another_ca_is_refused(security, ca):
    other = make_ca()
    write_ca(security, ca[0], other[1])
    errors = problems(security)
    assert errors == ["gen_cert.json.ca_key: %r does not belong to the CA certificate %r"
                      % (str(security / "ca.key.pem"), str(security / "ca.pem"))]


def test_leaf_certificate_is_not_accepted_as_ca(security):
    write_ca(security, *make_ca(ca=False))
    errors = problems(security)
    assert errors == ["gen_cert.json.ca_cert: %r is not a CA certificate (basicConstraints CA:false)" % str(security / "ca.pem")]


def test_ca_without_key_cert_sign_is_refused(security):
    write_ca(security, *make_ca(key_cert_sign=False))
    assert problems(security) == [
        "gen_cert.json.ca_cert: %r may not sign certificates (keyUsage lacks keyCertSign)" % str(security / "ca.pem")]


def test_expired_ca_is_refused(security):
    write_ca(security, *make_ca(days=1, start=datetime.datetime.now(UTC) - datetime.timedelta(days=3)))
    errors = problems(security)
    assert len(errors) == 1 and errors[0].startswith("gen_cert.json.ca_cert: %r expired on" % str(security / "ca.pem"))


def test_non_rsa_ca_key_is_refused(security, ca):
    key = ec.generate_private_key(ec.SECP256R1())
    (security / "ca.key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    assert problems(security) == ["gen_cert.json.ca_key: %r is not an RSA key" % str(security / "ca.key.pem")]


def test_garbage_ca_certificate(security):
    (security / "ca.pem").write_text("not a certificate")
    errors = problems(security)
    assert len(errors) == 1 and errors[0].startswith("gen_cert.json.ca_cert: %r is not a PEM certificate" % str(security / "ca.pem"))


def test_config_and_ca_problems_come_together(security):
    (security / "ca_passwd.txt").write_text("Other-Passw0rd")
    errors = problems(security, environ={})
    assert [e.split(":")[0] for e in errors] == ["env.POD_IP", "env.HOST_IP", "gen_cert.json.ca_key"]


# ------------------------------------------------------------------------------- the rule
@pytest.mark.parametrize("passphrase, expected", [
    ("Abcdefg1", []),
    ("abcdefg!", []),
    ("12345678", ["uses 1 of the 4 character kinds (lower case, upper case, digit, special); at least 2 are required"]),
    ("abcdefgh", ["uses 1 of the 4 character kinds (lower case, upper case, digit, special); at least 2 are required"]),
    ("Ab1!", ["is shorter than 8 characters"]),
    ("abc", ["is shorter than 8 characters",
             "uses 1 of the 4 character kinds (lower case, upper case, digit, special); at least 2 are required"]),
    ("", ["is shorter than 8 characters",
          "uses 0 of the 4 character kinds (lower case, upper case, digit, special); at least 2 are required"]),
])
def test_passphrase_rule(passphrase, expected):
    assert pc.passphrase_problems(passphrase) == expected


def test_generated_passphrases_meet_the_rule():
    for _ in range(50):
        assert pc.passphrase_problems(pc.new_passphrase()) == []


# ------------------------------------------------------------------------------ command line
def run_cli(*args, env=None):
    full_env = {"PATH": os.environ.get("PATH", ""), **(env or {})}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=full_env, check=False)


def test_cli_success(security, ca):
    result = run_cli(str(security / "gen_cert.json"), env=ENV)
    assert result.returncode == 0, result.stderr
    assert "SAN IP %s, %s" % (POD_IP, HOST_IP) in result.stdout
    cert = x509.load_pem_x509_certificate((out_dir(security) / "cert.pem").read_bytes())
    verify_server(cert, ca[0], POD_IP)
    assert PASSPHRASE not in result.stdout + result.stderr


def test_cli_output_option(security, tmp_path):
    result = run_cli(str(security / "gen_cert.json"), "--output", str(tmp_path / "elsewhere"), env=ENV)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "elsewhere" / "cert.pem").exists()
    assert not out_dir(security).exists()


def test_cli_bad_input_exit_code_and_message(security):
    result = run_cli(str(security / "gen_cert.json"), env={"HOST_IP": HOST_IP})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("pdserve_pod_cert: error: 1 problem(s), nothing written:\n  - env.POD_IP: is not set")
    assert not out_dir(security).exists()


def test_cli_default_config_path_is_mnt_security(tmp_path):
    result = run_cli(env=ENV)
    assert result.returncode == 2
    assert "config: gen_cert.json file '/mnt/security/gen_cert.json' does not exist" in result.stderr


# ------------------------------------------------------------ root -> intermediate -> pod (the role's layout)
def make_intermediate(root, permitted, key_size=2048, days=30):
    """An intermediate as the role makes it: CA:true pathlen:0, name constraints, both critical."""
    root_cert, root_key = root
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pdserve mindie-motor intermediate CA")])
    now = datetime.datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(root_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_cert.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return cert, key


PERMITTED = [x509.DNSName("mindie-motor.svc"), x509.DNSName("mindie-motor.svc.cluster.local"),
             x509.IPAddress(ipaddress.ip_network("10.244.0.0/16")), x509.IPAddress(ipaddress.ip_network("192.168.10.0/24"))]


@pytest.fixture(scope="module")
def intermediate(ca):
    return make_intermediate(ca, PERMITTED)


@pytest.fixture()
def chained(security, ca, intermediate):
    """The role's Secret: ca.pem = root, intermediate.* = the signing CA, gen_cert.json root_ca."""
    root_cert, _ = ca
    inter_cert, inter_key = intermediate
    (security / "ca.pem").write_bytes(root_cert.public_bytes(serialization.Encoding.PEM))
    (security / "ca.key.pem").unlink()
    (security / "ca_passwd.txt").unlink()
    (security / "intermediate.pem").write_bytes(inter_cert.public_bytes(serialization.Encoding.PEM))
    (security / "intermediate.key.pem").write_bytes(inter_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(b"Int-Passw0rd")))
    (security / "intermediate_passwd.txt").write_text("Int-Passw0rd")
    edit_json(security / "gen_cert.json", ca_cert=str(security / "intermediate.pem"),
              ca_key=str(security / "intermediate.key.pem"), ca_key_pwd=str(security / "intermediate_passwd.txt"),
              root_ca=str(security / "ca.pem"))
    edit_json(security / "cert_info.json", alt_names={"IP": [], "DNS": ["coordinator.mindie-motor.svc.cluster.local"]})
    return security


def test_pod_chain_verifies_to_the_root_through_the_intermediate(chained, ca, intermediate):
    root_cert, _ = ca
    cert, _ = pc.generate(str(chained / "gen_cert.json"), environ=ENV)
    out = out_dir(chained)
    chain = x509.load_pem_x509_certificates((out / "cert.pem").read_bytes())
    trust = x509.load_pem_x509_certificates((out / "ca.pem").read_bytes())
    # cert.pem: the pod's certificate, then the intermediate; ca.pem: the intermediate (the direct
    # issuer first, as MindIE's verify_directly_issued_by check reads the first), then the root.
    assert chain == [cert, intermediate[0]]
    assert trust == [intermediate[0], root_cert]
    for ip in (POD_IP, HOST_IP):
        PolicyBuilder().store(Store([root_cert])).build_server_verifier(
            x509.verification.IPAddress(ipaddress.ip_address(ip))).verify(chain[0], chain[1:])
    PolicyBuilder().store(Store([root_cert])).build_server_verifier(
        x509.verification.DNSName("coordinator.mindie-motor.svc.cluster.local")).verify(chain[0], chain[1:])
    # with only the intermediate presented as untrusted, the root alone cannot be skipped
    with pytest.raises(VerificationError):
        PolicyBuilder().store(Store([root_cert])).build_server_verifier(
            x509.verification.IPAddress(ipaddress.ip_address(POD_IP))).verify(chain[0], [])


def test_pod_chain_verifies_with_openssl(chained, ca):
    pc.generate(str(chained / "gen_cert.json"), environ=ENV)
    out = out_dir(chained)
    proc = subprocess.run(["openssl", "verify", "-CAfile", str(out / "ca.pem"), str(out / "cert.pem")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_names_outside_the_constraints_are_refused_before_writing(chained):
    edit_json(chained / "cert_info.json", alt_names={"IP": ["8.8.8.8"], "DNS": ["api.other-ns.svc.cluster.local"]})
    errors = problems(chained, environ={"POD_IP": "10.96.0.1", "HOST_IP": HOST_IP})
    assert errors == [
        "subjectAltName: IP 10.96.0.1 is outside the CA's name constraints (permitted: 10.244.0.0/16, 192.168.10.0/24); "
        "the pki role's pki_pod_cidrs / pki_host_cidrs / pki_cert_dns_names set them",
        "subjectAltName: IP 8.8.8.8 is outside the CA's name constraints (permitted: 10.244.0.0/16, 192.168.10.0/24); "
        "the pki role's pki_pod_cidrs / pki_host_cidrs / pki_cert_dns_names set them",
        "subjectAltName: DNS api.other-ns.svc.cluster.local is outside the CA's name constraints (permitted: "
        "mindie-motor.svc, mindie-motor.svc.cluster.local); the pki role's pki_pod_cidrs / pki_host_cidrs / "
        "pki_cert_dns_names set them",
    ]
    assert not out_dir(chained).exists()


def test_intermediate_of_another_root_is_refused(chained, intermediate):
    other_root = make_ca()
    (chained / "ca.pem").write_bytes(other_root[0].public_bytes(serialization.Encoding.PEM))
    errors = problems(chained)
    assert errors == ["gen_cert.json.ca_cert: %r is not issued by the root CA %r"
                      % (str(chained / "intermediate.pem"), str(chained / "ca.pem"))]


def test_dns_within_follows_rfc5280():
    assert pc._dns_within("a.ns.svc", "ns.svc") and pc._dns_within("ns.svc", "ns.svc")
    assert not pc._dns_within("xns.svc", "ns.svc") and not pc._dns_within("a.ns.svc.cluster.local", "ns.svc")
    assert pc._dns_within("a.ns.svc", ".ns.svc") and not pc._dns_within("ns.svc", ".ns.svc")
