# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""What a stack's intermediate CA may certify (private: not a public API).

The pki role gives each stack an intermediate CA whose X.509 name constraints (critical) permit
only the stack's own names: the DNS names under its namespace's Service domains and the names
its pod certificates carry, and the IP ranges its pods (and, for the components whose
certificates name the host IP, its nodes) have. The strings are in community.crypto's format
(``DNS:name``, ``IP:network/prefix``), the format ``x509_certificate_info`` reads them back in,
so a changed set is seen by comparing two sorted lists.
"""
from __future__ import annotations

import ipaddress

# When neither pki_pod_cidrs nor the nodes say where pods get their addresses (a CNI with its
# own IP pools leaves spec.podCIDRs empty): the private ranges, so at least no public address
# can be certified. The role warns; set pki_pod_cidrs for a tight constraint.
PRIVATE_NETWORKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]


def certificate_name_constraints(pem):
    """{"present", "critical", "permitted", "excluded"} of a PEM certificate's name constraints,
    as community.crypto writes them (``DNS:name``, ``IP:network/prefix``). Needs ``cryptography``
    (community.crypto's own requirement on the control node)."""
    from cryptography import x509

    if isinstance(pem, str):
        pem = pem.encode("ascii")
    cert = x509.load_pem_x509_certificate(pem)
    try:
        ext = cert.extensions.get_extension_for_class(x509.NameConstraints)
    except x509.ExtensionNotFound:
        return {"present": False, "critical": False, "permitted": [], "excluded": []}

    def names(subtrees):
        out = []
        for general in subtrees or []:
            if isinstance(general, x509.DNSName):
                out.append("DNS:%s" % general.value)
            elif isinstance(general, x509.IPAddress):
                out.append("IP:%s/%d" % (general.value.network_address.compressed, general.value.prefixlen))
            else:
                out.append("%s:%s" % (type(general).__name__, general.value))
        return out

    return {"present": True, "critical": ext.critical, "permitted": names(ext.value.permitted_subtrees),
            "excluded": names(ext.value.excluded_subtrees)}


def _within(name, base):
    name, base = name.lower().rstrip("."), base.lower().rstrip(".")
    return name == base or name.endswith("." + base)


def _networks(values, field, errors):
    out = []
    for i, value in enumerate(values or []):
        try:
            out.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            errors.append("%s[%d]: %r is not an IP network (e.g. 10.244.0.0/16)" % (field, i, value))
    return out


def node_pod_cidrs(nodes):
    """The pod ranges the nodes were given (spec.podCIDRs, else spec.podCIDR)."""
    out = []
    for node in nodes or []:
        spec = node.get("spec") or {}
        out += list(spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else []))
    return out


def node_addresses(nodes):
    """Each node's InternalIP addresses, as single-address ranges."""
    out = []
    for node in nodes or []:
        for addr in (node.get("status") or {}).get("addresses") or []:
            if addr.get("type") == "InternalIP" and addr.get("address"):
                ip = ipaddress.ip_address(addr["address"])
                out.append("%s/%d" % (ip.compressed, ip.max_prefixlen))
    return out


def _collapse(networks):
    by_version = {}
    for net in networks:
        by_version.setdefault(net.version, []).append(net)
    return [net for version in sorted(by_version) for net in ipaddress.collapse_addresses(by_version[version])]


def name_constraints(namespace, cluster_domain, dns_names, pod_cidrs, host_cidrs, nodes, host_ip_components):
    """The permitted subtrees of a stack's intermediate CA.

    ``pod_cidrs`` / ``host_cidrs``: the role's pki_pod_cidrs / pki_host_cidrs; empty means read
    from ``nodes`` (spec.podCIDRs; InternalIP addresses). Host ranges are needed only when some
    component's certificate names the host IP (``host_ip_components``).

    Returns {"permitted": [...], "pod_cidrs": [...], "pod_cidrs_from": "...", "host_cidrs": [...],
    "errors": [...], "warnings": [...]}.
    """
    errors = []
    warnings = []
    pods = _networks(pod_cidrs, "pki_pod_cidrs", errors)
    pod_source = "pki_pod_cidrs"
    if not pod_cidrs:
        pods = _networks(node_pod_cidrs(nodes), "node spec.podCIDRs", errors)
        pod_source = "the nodes' spec.podCIDRs"
        if not pods:
            pods = _networks(PRIVATE_NETWORKS, "PRIVATE_NETWORKS", errors)
            pod_source = "the private ranges (no node has spec.podCIDRs)"
            warnings.append("pki_pod_cidrs: [] and no node has spec.podCIDRs: the intermediate CA may certify any private "
                            "address (%s); set pki_pod_cidrs to the cluster's pod network (kube-controller-manager "
                            "--cluster-cidr, or your CNI's pool) to narrow it" % ", ".join(PRIVATE_NETWORKS))
    hosts = []
    if host_ip_components:
        hosts = _networks(host_cidrs, "pki_host_cidrs", errors)
        if not host_cidrs:
            hosts = _networks(node_addresses(nodes), "node InternalIP", errors)
            if not hosts:
                errors.append("pki_host_cidrs: [] and no node has an InternalIP; set pki_host_cidrs to the nodes' "
                              "network (the certificates of %s name the host IP)" % ", ".join(host_ip_components))
    bases = ["%s.svc" % namespace, "%s.svc.%s" % (namespace, cluster_domain.strip("."))]
    dns = list(bases)
    for component in sorted(dns_names or {}):
        for name in dns_names[component] or []:
            name = str(name).lower().rstrip(".")
            if name.startswith("*."):
                name = name[2:]
            if not any(_within(name, base) for base in dns):
                dns.append(name)
    networks = _collapse(pods + hosts)
    permitted = ["DNS:%s" % d for d in dns] + ["IP:%s/%d" % (n.network_address.compressed, n.prefixlen) for n in networks]
    return {
        "permitted": permitted,
        "pod_cidrs": [str(n) for n in pods],
        "pod_cidrs_from": pod_source,
        "host_cidrs": [str(n) for n in hosts],
        "errors": errors,
        "warnings": warnings,
    }


# --- Reading the CA files on the control node (pki_state), in the shapes of community.crypto's
# x509_certificate_info / openssl_privatekey_info results that the role's checks read. -----------

# community.crypto's names of the subject fields the role sets (cryptography_oid_to_name).
SUBJECT_NAMES = {
    "2.5.4.6": "countryName", "2.5.4.8": "stateOrProvinceName", "2.5.4.7": "localityName",
    "2.5.4.10": "organizationName", "2.5.4.11": "organizationalUnitName", "2.5.4.3": "commonName",
    "1.2.840.113549.1.9.1": "emailAddress",
}
KEY_USAGE_NAMES = {
    "digital_signature": "Digital Signature", "content_commitment": "Non Repudiation",
    "key_encipherment": "Key Encipherment", "data_encipherment": "Data Encipherment",
    "key_agreement": "Key Agreement", "key_cert_sign": "Certificate Sign", "crl_sign": "CRL Sign",
    "encipher_only": "Encipher Only", "decipher_only": "Decipher Only",
}
TIMESTAMP_FORMAT = "%Y%m%d%H%M%SZ"


def _colon_hex(data):
    text = data.hex()
    return ":".join(text[i:i + 2] for i in range(0, len(text), 2))


def _public_pem(public_key):
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _key_type(public_key):
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    for cls, name in ((rsa.RSAPublicKey, "RSA"), (ec.EllipticCurvePublicKey, "ECC"), (dsa.DSAPublicKey, "DSA"),
                      (ed25519.Ed25519PublicKey, "Ed25519"), (ed448.Ed448PublicKey, "Ed448")):
        if isinstance(public_key, cls):
            return name
    return "unknown"


def certificate_info(pem, valid_at=None, now=None):
    """The fields of a PEM certificate the pki role reads, named and formatted as
    community.crypto.x509_certificate_info returns them: subject (long names), not_before /
    not_after, public_key (PEM), public_key_type, basic_constraints, key_usage,
    subject_key_identifier, authority_key_identifier, fingerprints.sha256, and valid_at: per
    name in ``valid_at`` (seconds from ``now``), whether the certificate is valid then."""
    import datetime
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if isinstance(pem, str):
        pem = pem.encode("ascii")
    cert = x509.load_pem_x509_certificate(pem)
    out = {"subject": {}}
    for attr in cert.subject:
        out["subject"][SUBJECT_NAMES.get(attr.oid.dotted_string, attr.oid.dotted_string)] = attr.value
    not_before = cert.not_valid_before_utc
    not_after = cert.not_valid_after_utc
    out["not_before"] = not_before.strftime(TIMESTAMP_FORMAT)
    out["not_after"] = not_after.strftime(TIMESTAMP_FORMAT)
    public_key = cert.public_key()
    out["public_key"] = _public_pem(public_key)
    out["public_key_type"] = _key_type(public_key)
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        out["basic_constraints"] = sorted(["CA:%s" % ("TRUE" if bc.ca else "FALSE")]
                                          + (["pathlen:%d" % bc.path_length] if bc.path_length is not None else []))
    except x509.ExtensionNotFound:
        out["basic_constraints"] = None
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
                 "key_cert_sign", "crl_sign")
        flags = {name: getattr(ku, name) for name in names}
        if ku.key_agreement:
            flags.update(encipher_only=ku.encipher_only, decipher_only=ku.decipher_only)
        out["key_usage"] = sorted(KEY_USAGE_NAMES[name] for name, value in flags.items() if value)
    except x509.ExtensionNotFound:
        out["key_usage"] = None
    try:
        out["subject_key_identifier"] = _colon_hex(
            cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest)
    except x509.ExtensionNotFound:
        out["subject_key_identifier"] = None
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        out["authority_key_identifier"] = _colon_hex(aki) if aki is not None else None
    except x509.ExtensionNotFound:
        out["authority_key_identifier"] = None
    out["fingerprints"] = {"sha256": _colon_hex(hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest())}
    now = now or datetime.datetime.now(datetime.timezone.utc)
    out["valid_at"] = {name: not_before <= now + datetime.timedelta(seconds=seconds) <= not_after
                       for name, seconds in (valid_at or {}).items()}
    return out


def private_key_info(pem, passphrase=None):
    """{"can_parse_key", "public_key"} of a PEM private key, as community.crypto.openssl_privatekey_info
    reports them: can_parse_key is false when the key does not open (encrypted without
    ``passphrase``, or with the wrong one).

    RSA keys are opened without OpenSSL's consistency check of the key's numbers (primality of
    p and q, ...: about 0.2 s per 4096-bit key, two keys per deploy). It guards a program that
    decrypts or signs with a key from an untrusted source; here the key only has to open and its
    public half is compared with the certificate's (validate.yml, intermediate_current.yml), and
    the keys are the CA's own, 0400 on the control node. Signing happens elsewhere (the per-pod
    generator, community.crypto), with the check."""
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(pem, passphrase.encode("utf-8") if passphrase else None,
                                                 unsafe_skip_rsa_key_validation=True)
    except (TypeError, ValueError):
        return {"can_parse_key": False}
    return {"can_parse_key": True, "public_key": _public_pem(key.public_key())}
