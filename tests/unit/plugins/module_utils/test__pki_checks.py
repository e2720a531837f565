"""module_utils/_pki_checks.py: the pki role's input rules, each error naming the variable, the
value (never the passphrase) and the rule, all at once, in the role's order; and whether the CA
and the intermediate CA on the control node are kept. The rules were Jinja in the role before;
these cases gave the same answers there (the old templates were run once on them)."""
from __future__ import annotations

import base64
import copy

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._pki_checks import ca_current, input_errors, intermediate_current
from ansible_collections.pdserve.cluster.plugins.filter.pki import pki_input_errors

SKIPPED = {"skipped": True, "changed": False}


def stat(exists=True, isdir=False, item=""):
    return {"item": item, "stat": {"exists": exists, "isdir": isdir} if exists else {"exists": False}}


def good():
    """The inputs of a steady run with a CA the role made (the role's defaults, what pki_state read)."""
    return {
        "pki_ca_passphrase": "Secret-passphrase1", "pki_job_id": "mindie-motor",
        "pki_ca_valid_days": 3650, "pki_ca_renew_days": 30, "pki_intermediate_valid_days": 365,
        "pki_intermediate_renew_days": 30, "pki_cluster_domain": "cluster.local", "pki_cert_valid_days": 365,
        "pki_ca_subject": {"CN": "pdserve CA", "O": "pdserve", "C": "CN"}, "pki_cert_subject": {"O": "pdserve"},
        "pki_components": ["server", "controller", "coordinator"], "pki_secret_prefix": "pdserve-pki",
        "pki_host_ip_components": ["server"], "pki_cert_dns_names": {"controller": ["a.svc", "*.b.svc"]},
        "pki_tools_configmap": "pdserve-cert-tools", "pki_mount_path": "/mnt/security",
        "pki_pod_cert_dir": "/mnt/certs", "pki_ca_cert_path": "", "pki_ca_key_path": "", "pki_ca_regenerate": False,
        "pki_dir": "/home/u/.pdserve/pki/mindie-motor", "pki_namespace_create": True,
        "pki_nodes": SKIPPED, "pki_nc": {"errors": [], "warnings": [], "permitted": []},
        "pki_subject_fields": ["C", "ST", "L", "O", "OU", "CN"],
        "pki_dns_name": r"^(\*\.)?[A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?$",
        "pki_generated": True,
        "pki_stat": {"results": [stat(item="ca.pem"), stat(item="ca.key.pem"), stat(isdir=True)]},
        "pki_key_plain": {"can_parse_key": False}, "pki_key_info": {"can_parse_key": True, "public_key": "PUB\n"},
        "pki_ca_key_file": "/home/u/.pdserve/pki/mindie-motor/ca.key.pem",
        "pki_cert_info": {"not_after": "20360101000000Z", "not_before": "20260101000000Z", "public_key": "PUB",
                          "public_key_type": "RSA", "basic_constraints": ["CA:TRUE"], "key_usage": ["Certificate Sign"],
                          "valid_at": {"now": True, "renew": True}},
        "pki_ca_cert_file": "/home/u/.pdserve/pki/mindie-motor/ca.pem",
        "pki_namespace": {"resources": [{"metadata": {"name": "mindie-motor"}}]},
    }


def with_(**changes):
    v = good()
    v.update(copy.deepcopy(changes))
    return v


def test_good_inputs_have_no_error():
    assert input_errors(good()) == []
    assert pki_input_errors(good()) == []


@pytest.mark.parametrize("changes, expected", [
    ({"pki_ca_passphrase": ""}, ["pki_ca_passphrase: (empty) is required; put it in Ansible Vault"]),
    ({"pki_ca_passphrase": "abcdefg"}, [
        "pki_ca_passphrase: (hidden, 7 characters) must be at least 8 characters long",
        "pki_ca_passphrase: (hidden) uses 1 of the 4 character kinds (lower case, upper case, digit, special);"
        " at least 2 are required"]),
    ({"pki_job_id": "Bad_Name"}, ['pki_job_id: "Bad_Name" must be a DNS-1123 label (lower case letters, digits,'
                                  ' "-", at most 63)']),
    ({"pki_ca_valid_days": 0}, ["pki_ca_valid_days: 0 must be in 1..36500",
                                "pki_ca_renew_days: 30 must be in 0..pki_ca_valid_days-1 (-1), or every run would"
                                " make a new CA"]),
    ({"pki_ca_renew_days": "abc"}, []),  # Jinja's int: 0, which is in range
    ({"pki_intermediate_valid_days": 4000}, ["pki_intermediate_valid_days: 4000 must be in 1..3650"]),
    ({"pki_intermediate_renew_days": 365}, [
        "pki_intermediate_renew_days: 365 must be in 0..pki_intermediate_valid_days-1 (364), or every run would make"
        " a new intermediate CA"]),
    ({"pki_cluster_domain": "Cluster_Local"}, ['pki_cluster_domain: "Cluster_Local" must be a DNS name (e.g. cluster.local)']),
    ({"pki_cert_valid_days": "40000"}, ["pki_cert_valid_days: 40000 must be in 1..36500"]),
    ({"pki_ca_subject": {"CN": "x", "XX": "y", "C": "CHN"}, "pki_cert_subject": {"O": ""}}, [
        "pki_ca_subject.XX: unknown field; allowed: C, ST, L, O, OU, CN",
        'pki_ca_subject.C: "CHN" must be a 2-letter country code',
        'pki_cert_subject.O: "" must be a string of 1..64 characters']),
    ({"pki_ca_subject": {"O": 1}}, ["pki_ca_subject.O: 1 must be a string of 1..64 characters",
                                    "pki_ca_subject.CN: is required"]),
    ({"pki_components": []}, ["pki_components: [] must name at least one component",
                              'pki_host_ip_components: "server" is not in pki_components []',
                              'pki_cert_dns_names.controller: is not in pki_components []']),
    ({"pki_components": ["server", "Bad", "server", "controller"]}, [
        'pki_components[1]: "Bad" must be a DNS-1123 label; with pki_secret_prefix it names a Secret',
        'pki_components: ["server", "Bad", "server", "controller"] must not repeat a component']),
    ({"pki_secret_prefix": "p" * 60}, [
        'pki_components[%d]: "%s" must be a DNS-1123 label; with pki_secret_prefix it names a Secret' % (i, c)
        for i, c in enumerate(["server", "controller", "coordinator"])]),
    ({"pki_cert_dns_names": {"controller": "a.svc"}}, ['pki_cert_dns_names.controller: "a.svc" must be a list of DNS names']),
    ({"pki_cert_dns_names": {"controller": ["ok.svc", "bad name"]}}, [
        'pki_cert_dns_names.controller: ["ok.svc", "bad name"] must be a list of DNS names']),
    ({"pki_secret_prefix": "Bad"}, ['pki_secret_prefix: "Bad" must be a DNS-1123 label']),
    ({"pki_tools_configmap": "Bad_Map"}, ['pki_tools_configmap: "Bad_Map" must be a DNS-1123 subdomain']),
    ({"pki_mount_path": "rel", "pki_pod_cert_dir": "rel"}, [
        'pki_mount_path: "rel" must be an absolute path', 'pki_pod_cert_dir: "rel" must be an absolute path',
        'pki_pod_cert_dir: "rel" must differ from pki_mount_path (that mount is read-only)']),
    ({"pki_nodes": {"failed": True, "msg": "Forbidden"}}, [
        "kubernetes: cannot list the nodes (for pki_pod_cidrs / pki_host_cidrs) from the API server: Forbidden"]),
    ({"pki_nc": {"errors": ["pki_pod_cidrs[0]: \"x\" is not a network"]}}, ['pki_pod_cidrs[0]: "x" is not a network']),
    ({"pki_namespace": {"failed": True, "msg": "refused"}}, [
        'kubernetes: cannot read namespace "mindie-motor" from the API server: refused']),
    ({"pki_namespace": {"resources": []}, "pki_namespace_create": False}, [
        'pki_job_id: namespace "mindie-motor" does not exist and pki_namespace_create is false']),
    ({"pki_namespace": SKIPPED}, []),
    ({"pki_stat": {"results": [stat(), stat(), stat(isdir=False)]}}, [
        'pki_dir: "/home/u/.pdserve/pki/mindie-motor" exists and is not a folder']),
    ({"pki_key_plain": {"can_parse_key": True}}, [
        'pki_dir: the CA key "/home/u/.pdserve/pki/mindie-motor/ca.key.pem" is not encrypted; the CA key must be'
        ' encrypted under pki_ca_passphrase']),
    ({"pki_key_info": {"can_parse_key": False}}, [
        'pki_ca_passphrase: (hidden) does not open the CA key "/home/u/.pdserve/pki/mindie-motor/ca.key.pem"; give the'
        ' passphrase it was made with, or set pki_ca_regenerate: true to make a new CA']),
    ({"pki_key_info": SKIPPED, "pki_cert_info": SKIPPED}, []),
    ({"pki_cert_info": {"failed": True, "msg": "no PEM"}}, [
        'pki_dir: "/home/u/.pdserve/pki/mindie-motor/ca.pem" is not a readable PEM certificate: no PEM']),
])
def test_each_rule(changes, expected):
    assert input_errors(with_(**changes)) == expected


def bring_your_own(**cert):
    info = dict(good()["pki_cert_info"], **cert)
    return with_(pki_generated=False, pki_ca_cert_path="/ca/ca.pem", pki_ca_key_path="/ca/ca.key",
                 pki_ca_cert_file="/ca/ca.pem", pki_ca_key_file="/ca/ca.key", pki_cert_info=info,
                 pki_stat={"results": [stat(item="/ca/ca.pem"), stat(item="/ca/ca.key"), stat(exists=False)]})


def test_a_ca_you_bring():
    assert input_errors(bring_your_own()) == []
    errors = input_errors(bring_your_own(basic_constraints=[], key_usage=["Digital Signature"],
                                         valid_at={"now": False, "renew": True}, public_key_type="ECC",
                                         public_key="OTHER"))
    assert errors == [
        'pki_ca_cert_path: "/ca/ca.pem" is not a CA certificate (no basicConstraints CA:TRUE)',
        'pki_ca_cert_path: "/ca/ca.pem" may not sign certificates (keyUsage lacks keyCertSign)',
        'pki_ca_cert_path: "/ca/ca.pem" is not valid now (valid 20260101000000Z to 20360101000000Z)',
        'pki_ca_cert_path: "/ca/ca.pem" has a ECC key; the per-pod generator signs with RSA CAs only',
        'pki_ca_key_path: "/ca/ca.key" does not belong to the certificate "/ca/ca.pem"']
    # a certificate without the keyUsage extension (None) may sign
    assert input_errors(bring_your_own(key_usage=None)) == []
    v = bring_your_own()
    v["pki_stat"]["results"][0] = stat(exists=False, item="/ca/ca.pem")
    v["pki_ca_regenerate"] = True
    assert input_errors(v) == ["pki_ca_regenerate: true cannot renew a CA you bring (pki_ca_cert_path is set)",
                               'pki_ca_cert_path: "/ca/ca.pem" does not exist on the control node']
    v = with_(pki_ca_cert_path="/ca/ca.pem")
    assert input_errors(v) == ['pki_ca_cert_path / pki_ca_key_path: ["/ca/ca.pem", ""] must be given together (bring'
                               ' your own CA) or both left empty (the role makes the CA)']
    v = bring_your_own()
    v["pki_key_plain"] = {"can_parse_key": True}
    assert input_errors(v) == ['pki_ca_key_path: the CA key "/ca/ca.key" is not encrypted; the CA key must be encrypted'
                               ' under pki_ca_passphrase']
    v = bring_your_own()
    v["pki_key_info"] = {"can_parse_key": False}
    assert input_errors(v) == ['pki_ca_passphrase: (hidden) does not open the CA key "/ca/ca.key"']


def test_every_error_at_once_in_order():
    v = with_(pki_ca_passphrase="", pki_job_id="X", pki_cert_valid_days=0, pki_secret_prefix="Bad",
              pki_namespace={"resources": []}, pki_namespace_create=False)
    errors = input_errors(v)
    assert [e.split(":")[0] for e in errors] == ["pki_ca_passphrase", "pki_job_id", "pki_cert_valid_days",
                                                 "pki_secret_prefix", "pki_job_id"]
    # the passphrase is never shown
    errors = input_errors(with_(pki_ca_passphrase="Secre"))
    assert errors == ["pki_ca_passphrase: (hidden, 5 characters) must be at least 8 characters long"]


# ---- whether the CA and the intermediate CA on the control node are kept ----


LONG = {"C": "countryName", "ST": "stateOrProvinceName", "L": "localityName", "O": "organizationName",
        "OU": "organizationalUnitName", "CN": "commonName"}


def ca_state():
    return {"pki_generated": True, "pki_ca_regenerate": False,
            "pki_cert_info": {"valid_at": {"renew": True}, "public_key": "PUB",
                              "subject": {"commonName": "pdserve CA", "organizationName": "pdserve"}},
            "pki_key_info": {"can_parse_key": True, "public_key": "PUB\n"},
            "pki_stat": {"results": [{"stat": {"mode": "0400"}}, {"stat": {"mode": "0400"}}, {"stat": {"mode": "0700"}}]},
            "pki_ca_subject": {"CN": "pdserve CA", "O": "pdserve"}, "pki_subject_long_names": LONG}


def test_the_ca_is_kept_only_when_everything_holds():
    assert ca_current(ca_state()) is True
    for change in ({"pki_generated": False}, {"pki_ca_regenerate": True}, {"pki_cert_info": SKIPPED},
                   {"pki_key_info": SKIPPED}, {"pki_key_info": {"can_parse_key": False}},
                   {"pki_key_info": {"can_parse_key": True, "public_key": "OTHER"}},
                   {"pki_ca_subject": {"CN": "renamed", "O": "pdserve"}}):
        assert ca_current(dict(ca_state(), **change)) is False, change
    state = ca_state()
    state["pki_cert_info"]["valid_at"]["renew"] = False  # within the renewal window
    assert ca_current(state) is False
    state = ca_state()
    state["pki_stat"]["results"][1] = {"stat": {"exists": False}}
    assert ca_current(state) is False


def intermediate_pem(permitted=("DNS:.mindie-motor.svc",), critical=True):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "i")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    subtrees = [x509.DNSName(p[4:]) for p in permitted]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.NameConstraints(permitted_subtrees=subtrees, excluded_subtrees=None), critical=critical)
            .sign(key, hashes.SHA256()))
    return base64.b64encode(cert.public_bytes(serialization.Encoding.PEM)).decode()


def int_state(**pem):
    return {"pki_int_info": {"valid_at": {"renew": True}, "public_key": "IPUB", "authority_key_identifier": "AA:BB",
                             "subject": {"commonName": "pdserve j intermediate CA", "organizationName": "pdserve"}},
            "pki_int_key_info": {"can_parse_key": True, "public_key": "IPUB"},
            "pki_int_pem": {"content": intermediate_pem(**pem)},
            "pki_int_root": {"subject_key_identifier": "AA:BB"},
            "pki_int_stat": {"results": [{"stat": {"mode": "0400"}}] * 3},
            "pki_int_subject": {"CN": "pdserve j intermediate CA", "O": "pdserve"},
            "pki_ca_regenerate": False, "pki_nc": {"permitted": ["DNS:.mindie-motor.svc"]}, "pki_subject_long_names": LONG}


def test_the_intermediate_ca_is_kept_only_when_everything_holds():
    assert intermediate_current(int_state()) is True
    assert intermediate_current(int_state(critical=False)) is False
    assert intermediate_current(int_state(permitted=("DNS:.mindie-motor.svc", "DNS:.other.svc"))) is False
    for change in ({"pki_ca_regenerate": True}, {"pki_int_pem": SKIPPED}, {"pki_int_info": {}},
                   {"pki_int_key_info": {"can_parse_key": False}}, {"pki_int_root": {"subject_key_identifier": "CC"}},
                   {"pki_int_subject": {"CN": "other"}}, {"pki_nc": {"permitted": []}},
                   {"pki_int_stat": {"results": [{"stat": {"mode": "0400"}}, {"stat": {"mode": "0644"}},
                                                 {"stat": {"mode": "0400"}}]}}):
        assert intermediate_current(dict(int_state(), **change)) is False, change
