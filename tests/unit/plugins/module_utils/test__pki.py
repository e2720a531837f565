"""module_utils/_pki.py: the intermediate CA's name constraints, from the inputs."""
from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
import ipaddress

from ansible_collections.pdserve.cluster.plugins.module_utils import _pki
from ansible_collections.pdserve.cluster.plugins.filter import pki as pki_filter


NODES = [
    {"spec": {"podCIDRs": ["10.200.1.0/24"]},
     "status": {"addresses": [{"type": "InternalIP", "address": "172.30.1.2"}, {"type": "Hostname", "address": "n1"}]}},
    {"spec": {"podCIDR": "10.200.2.0/24"}, "status": {"addresses": [{"type": "InternalIP", "address": "172.30.1.3"}]}},
]


def test_explicit_networks_and_namespace_domains():
    nc = _pki.name_constraints("stack-a", "cluster.local", {"coordinator": ["coordinator.stack-a.svc"]},
                               ["10.244.0.0/16"], ["192.168.0.0/24"], [], ["coordinator"])
    assert nc["errors"] == [] and nc["warnings"] == []
    assert nc["permitted"] == ["DNS:stack-a.svc", "DNS:stack-a.svc.cluster.local", "IP:10.244.0.0/16", "IP:192.168.0.0/24"]


def test_names_outside_the_namespace_domains_are_added_exactly():
    nc = _pki.name_constraints("s", "corp.example", {"controller": ["api.example.com", "*.wild.example.com", "x.s.svc"]},
                               ["10.0.0.0/24"], [], [], [])
    assert nc["permitted"][:4] == ["DNS:s.svc", "DNS:s.svc.corp.example", "DNS:api.example.com", "DNS:wild.example.com"]


def test_networks_read_from_the_nodes_and_collapsed():
    nc = _pki.name_constraints("s", "cluster.local", {}, [], [], NODES, ["coordinator"])
    assert nc["pod_cidrs"] == ["10.200.1.0/24", "10.200.2.0/24"]
    assert nc["host_cidrs"] == ["172.30.1.2/32", "172.30.1.3/32"]
    # adjacent ranges collapse: 10.200.1.0/24 + 10.200.2.0/24 stay two; 172.30.1.2/32 + .3/32 become /31
    assert "IP:172.30.1.2/31" in nc["permitted"] and "IP:10.200.1.0/24" in nc["permitted"]


def test_host_ranges_only_when_a_component_names_the_host():
    nc = _pki.name_constraints("s", "cluster.local", {}, ["10.1.0.0/16"], [], NODES, [])
    assert nc["host_cidrs"] == [] and not any(p.startswith("IP:172.") for p in nc["permitted"])


def test_no_pod_network_known_falls_back_to_private_ranges_with_a_warning():
    nc = _pki.name_constraints("s", "cluster.local", {}, [], [], [{"spec": {}, "status": {}}], [])
    assert nc["errors"] == []
    assert [p for p in nc["permitted"] if p.startswith("IP:")] == [
        "IP:10.0.0.0/8", "IP:172.16.0.0/12", "IP:192.168.0.0/16", "IP:fc00::/7"]
    assert "pki_pod_cidrs" in nc["warnings"][0]


def test_bad_networks_are_all_named():
    nc = _pki.name_constraints("s", "cluster.local", {}, ["10.0.0.0/33", "nope"], ["x"], [], ["coordinator"])
    assert nc["errors"] == ["pki_pod_cidrs[0]: '10.0.0.0/33' is not an IP network (e.g. 10.244.0.0/16)",
                            "pki_pod_cidrs[1]: 'nope' is not an IP network (e.g. 10.244.0.0/16)",
                            "pki_host_cidrs[0]: 'x' is not an IP network (e.g. 10.244.0.0/16)"]


def test_host_network_unknown_is_an_error():
    nc = _pki.name_constraints("s", "cluster.local", {}, ["10.0.0.0/8"], [], [], ["coordinator"])
    assert nc["errors"] and nc["errors"][0].startswith("pki_host_cidrs: []")


def _cert(nc=None, critical=True):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
         .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)))
    if nc is not None:
        b = b.add_extension(nc, critical=critical)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def test_certificate_name_constraints_read_back_in_the_same_format():
    pem = _cert(x509.NameConstraints(
        permitted_subtrees=[x509.DNSName("s.svc"), x509.IPAddress(ipaddress.ip_network("10.244.0.0/16")),
                            x509.IPAddress(ipaddress.ip_network("fc00::/7"))],
        excluded_subtrees=None))
    got = pki_filter.pki_cert_name_constraints(pem)
    assert got == {"present": True, "critical": True, "permitted": ["DNS:s.svc", "IP:10.244.0.0/16", "IP:fc00::/7"],
                   "excluded": []}
    assert _pki.certificate_name_constraints(_cert())["present"] is False
    assert _pki.certificate_name_constraints(_cert(x509.NameConstraints([x509.DNSName("a")], None), critical=False))["critical"] is False
