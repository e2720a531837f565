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
