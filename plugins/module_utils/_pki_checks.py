# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The pki role's input rules and its judgement of the CA on the control node (private: not a
public API).

Every input the role takes, and what ``pki_state`` read (the CA's files, keys and certificate, the
namespace, the nodes), checked before anything is written: all problems at once, each naming the
variable, the value (never a secret's) and the rule. The role's ``validate.yml`` calls
``input_errors`` through the filter ``pdserve.cluster.pki_input_errors``; the rules were a Jinja
block of a hundred lines there, compiled again on every run (docs/speed.md).

``v`` is a dict of the role's variables under their names without the leading ``__`` for the
internal ones (``pki_stat``, ``pki_key_plain``, ``pki_key_info``, ``pki_cert_info``,
``pki_namespace``, ``pki_nodes``, ``pki_nc``, ``pki_generated``, ``pki_ca_key_file``,
``pki_ca_cert_file``, ``pki_subject_fields``, ``pki_dns_name``). Values are compared as the Jinja
did: numbers through Jinja's ``int`` filter (0 for what is not a number), text through ``~``.

``ca_current`` and ``intermediate_current`` decide whether the role keeps the root and the
intermediate CA (validate.yml, intermediate_current.yml; filters ``pki_ca_current`` and
``pki_intermediate_current``).
"""
from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping

from ansible_collections.pdserve.cluster.plugins.module_utils import _pki, _schema

_MISSING = object()


def _int(value):
    """Jinja's ``int`` filter: the integer, else the float's integer part, else 0."""
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return 0


def _text(value):
    """Jinja's ``~``: ``str()``, with none as 'None'."""
    return str(value)


def _json(value):
    return json.dumps(value)


def _skipped(result):
    return isinstance(result, Mapping) and bool(result.get("skipped", False))


def _dns_label(value):
    return _schema.is_namespace_name(value)


def _is_sequence(value):
    """Jinja's ``sequence`` test (a dict is one too)."""
    try:
        len(value)
        value.__getitem__  # pylint: disable=pointless-statement
    except (TypeError, AttributeError):
        return False
    return True


def _passphrase_errors(passphrase):
    p = _text(passphrase)
    if not p:
        return ["pki_ca_passphrase: (empty) is required; put it in Ansible Vault"]
    errors = []
    if len(p) < 8:
        errors.append("pki_ca_passphrase: (hidden, %d characters) must be at least 8 characters long" % len(p))
    kinds = sum(1 for pattern in ("[a-z]", "[A-Z]", "[0-9]", "[^A-Za-z0-9]") if re.search(pattern, p))
    if kinds < 2:
        errors.append("pki_ca_passphrase: (hidden) uses %d of the 4 character kinds (lower case, upper case, digit,"
                      " special); at least 2 are required" % kinds)
    return errors


def _days_errors(v):
    e = []
    ca_valid, ca_renew = _int(v["pki_ca_valid_days"]), _int(v["pki_ca_renew_days"])
    if ca_valid < 1 or ca_valid > 36500:
        e.append("pki_ca_valid_days: %s must be in 1..36500" % _text(v["pki_ca_valid_days"]))
    if ca_renew < 0 or ca_renew >= ca_valid:
        e.append("pki_ca_renew_days: %s must be in 0..pki_ca_valid_days-1 (%d), or every run would make a new CA"
                 % (_text(v["pki_ca_renew_days"]), ca_valid - 1))
    int_valid, int_renew = _int(v["pki_intermediate_valid_days"]), _int(v["pki_intermediate_renew_days"])
    if int_valid < 1 or int_valid > 3650:
        e.append("pki_intermediate_valid_days: %s must be in 1..3650" % _text(v["pki_intermediate_valid_days"]))
    if int_renew < 0 or int_renew >= int_valid:
        e.append("pki_intermediate_renew_days: %s must be in 0..pki_intermediate_valid_days-1 (%d), or every run would"
                 " make a new intermediate CA" % (_text(v["pki_intermediate_renew_days"]), int_valid - 1))
    return e


def _subject_errors(v):
    e = []
    fields = v["pki_subject_fields"]
    for var in ("pki_ca_subject", "pki_cert_subject"):
        subject = v[var]
        for key in subject:
            value = subject[key]
            if key not in fields:
                e.append("%s.%s: unknown field; allowed: %s" % (var, key, ", ".join(fields)))
            elif not isinstance(value, str) or len(value) == 0 or len(value) > 64:
                e.append("%s.%s: %s must be a string of 1..64 characters" % (var, key, _json(value)))
            elif key == "C" and not re.match("^[A-Za-z]{2}$", value):
                e.append("%s.C: %s must be a 2-letter country code" % (var, _json(value)))
    if not v["pki_ca_subject"].get("CN", ""):
        e.append("pki_ca_subject.CN: is required")
    return e


def _component_errors(v):
    e = []
    components, prefix = v["pki_components"], v["pki_secret_prefix"]
    if len(components) == 0:
        e.append("pki_components: [] must name at least one component")
    for index, c in enumerate(components):
        if not isinstance(c, str) or not _dns_label(c) or len(_text(prefix) + "-" + c) > 63:
            e.append("pki_components[%d]: %s must be a DNS-1123 label; with pki_secret_prefix it names a Secret"
                     % (index, _json(c)))
    unique = []
    for c in components:
        if c not in unique:
            unique.append(c)
    if len(unique) != len(components):
        e.append("pki_components: %s must not repeat a component" % _json(components))
    for c in v["pki_host_ip_components"]:
        if c not in components:
            e.append("pki_host_ip_components: %s is not in pki_components %s" % (_json(c), _json(components)))
    names = v["pki_cert_dns_names"]
    for c in names:
        if c not in components:
            e.append("pki_cert_dns_names.%s: is not in pki_components %s" % (c, _json(components)))
        elif isinstance(names[c], str) or not _is_sequence(names[c]) or any(
                not isinstance(n, str) or not re.match(v["pki_dns_name"], n) for n in names[c]):
            e.append("pki_cert_dns_names.%s: %s must be a list of DNS names" % (c, _json(names[c])))
    if not _dns_label(prefix):
        e.append("pki_secret_prefix: %s must be a DNS-1123 label" % _json(prefix))
    if not _schema.is_dns_subdomain(v["pki_tools_configmap"]):
        e.append("pki_tools_configmap: %s must be a DNS-1123 subdomain" % _json(v["pki_tools_configmap"]))
    for var in ("pki_mount_path", "pki_pod_cert_dir"):
        if not re.match("^/", _text(v[var])):
            e.append("%s: %s must be an absolute path" % (var, _json(v[var])))
    if v["pki_mount_path"] == v["pki_pod_cert_dir"]:
        e.append("pki_pod_cert_dir: %s must differ from pki_mount_path (that mount is read-only)"
                 % _json(v["pki_pod_cert_dir"]))
    return e


def _ca_errors(v):
    e = []
    generated = v["pki_generated"]
    cert_path, key_path = v["pki_ca_cert_path"], v["pki_ca_key_path"]
    if (len(cert_path) > 0) != (len(key_path) > 0):
        e.append("pki_ca_cert_path / pki_ca_key_path: %s must be given together (bring your own CA) or both left"
                 " empty (the role makes the CA)" % _json([cert_path, key_path]))
    if not generated and v["pki_ca_regenerate"]:
        e.append("pki_ca_regenerate: true cannot renew a CA you bring (pki_ca_cert_path is set)")
    stat = v["pki_stat"]["results"]
    if stat[2]["stat"]["exists"] and not stat[2]["stat"].get("isdir"):
        e.append("pki_dir: %s exists and is not a folder" % _json(v["pki_dir"]))
    if not generated:
        for var, st in (("pki_ca_cert_path", stat[0]), ("pki_ca_key_path", stat[1])):
            if not st["stat"]["exists"]:
                e.append("%s: %s does not exist on the control node" % (var, _json(st["item"])))
    key_plain, key_info = v["pki_key_plain"], v["pki_key_info"]
    if key_plain.get("can_parse_key", False):
        e.append("%s: the CA key %s is not encrypted; the CA key must be encrypted under pki_ca_passphrase"
                 % ("pki_dir" if generated else "pki_ca_key_path", _json(v["pki_ca_key_file"])))
    elif not _skipped(key_info) and not key_info.get("can_parse_key", False):
        e.append("pki_ca_passphrase: (hidden) does not open the CA key %s%s"
                 % (_json(v["pki_ca_key_file"]), "; give the passphrase it was made with, or set pki_ca_regenerate:"
                    " true to make a new CA" if generated else ""))
    ci = v["pki_cert_info"]
    if not _skipped(ci) and "not_after" not in ci:
        e.append("%s: %s is not a readable PEM certificate: %s"
                 % ("pki_dir" if generated else "pki_ca_cert_path", _json(v["pki_ca_cert_file"]), _text(ci.get("msg", ""))))
    elif not _skipped(ci) and not generated:
        if "CA:TRUE" not in (ci.get("basic_constraints") or []):
            e.append("pki_ca_cert_path: %s is not a CA certificate (no basicConstraints CA:TRUE)" % _json(cert_path))
        key_usage = ci.get("key_usage", _MISSING)
        if key_usage is not None and "Certificate Sign" not in (key_usage if key_usage is not _MISSING else []):
            e.append("pki_ca_cert_path: %s may not sign certificates (keyUsage lacks keyCertSign)" % _json(cert_path))
        if not ci["valid_at"]["now"]:
            e.append("pki_ca_cert_path: %s is not valid now (valid %s to %s)"
                     % (_json(cert_path), _text(ci["not_before"]), _text(ci["not_after"])))
        if ci.get("public_key_type", "") != "RSA":
            e.append("pki_ca_cert_path: %s has a %s key; the per-pod generator signs with RSA CAs only"
                     % (_json(cert_path), _text(ci.get("public_key_type", "?"))))
        if "public_key" in key_info and key_info["public_key"].strip() != _text(ci.get("public_key")).strip():
            e.append("pki_ca_key_path: %s does not belong to the certificate %s" % (_json(key_path), _json(cert_path)))
    return e


def input_errors(v):
    """Every input error of the pki role, in the order the role reports them ([] when none)."""
    e = _passphrase_errors(v["pki_ca_passphrase"])
    if not _dns_label(v["pki_job_id"]):
        e.append("pki_job_id: %s must be a DNS-1123 label (lower case letters, digits, \"-\", at most 63)"
                 % _json(v["pki_job_id"]))
    e.extend(_days_errors(v))
    if not _schema.is_dns_subdomain(v["pki_cluster_domain"]):
        e.append("pki_cluster_domain: %s must be a DNS name (e.g. cluster.local)" % _json(v["pki_cluster_domain"]))
    nodes = v["pki_nodes"]
    if not _skipped(nodes) and "resources" not in nodes:
        e.append("kubernetes: cannot list the nodes (for pki_pod_cidrs / pki_host_cidrs) from the API server: %s"
                 % _text(nodes.get("msg", "?")))
    else:
        e.extend(v["pki_nc"]["errors"])
    if _int(v["pki_cert_valid_days"]) < 1 or _int(v["pki_cert_valid_days"]) > 36500:
        e.append("pki_cert_valid_days: %s must be in 1..36500" % _text(v["pki_cert_valid_days"]))
    e.extend(_subject_errors(v))
    e.extend(_component_errors(v))
    e.extend(_ca_errors(v))
    namespace = v["pki_namespace"]
    if _skipped(namespace):
        pass
    elif "resources" not in namespace:
        e.append("kubernetes: cannot read namespace %s from the API server: %s"
                 % (_json(v["pki_job_id"]), _text(namespace.get("msg", "?"))))
    elif len(namespace["resources"]) == 0 and not v["pki_namespace_create"]:
        e.append("pki_job_id: namespace %s does not exist and pki_namespace_create is false" % _json(v["pki_job_id"]))
    return e


def _long_subject(subject, long_names):
    """A subject under community.crypto's long field names (countryName, commonName, ...)."""
    return {long_names.get(key, key): value for key, value in subject.items()}


def _modes(stat):
    return [(result.get("stat") or {}).get("mode", "") for result in stat["results"]]


def ca_current(v):
    """Whether the CA this role made is kept: there, opening with the passphrase, its key the
    certificate's, the wanted subject, outside the renewal window, its files with their modes.
    ``v``: pki_generated, pki_ca_regenerate, pki_cert_info, pki_key_info, pki_stat, pki_ca_subject,
    pki_subject_long_names."""
    cert, key = v["pki_cert_info"], v["pki_key_info"]
    return bool(
        v["pki_generated"] and not v["pki_ca_regenerate"]
        and not _skipped(cert) and (cert.get("valid_at") or {}).get("renew", False)
        and not _skipped(key) and key.get("can_parse_key", False)
        and _text(key.get("public_key", "")).strip() == _text(cert.get("public_key", "-")).strip()
        and cert.get("subject", {}) == _long_subject(v["pki_ca_subject"], v["pki_subject_long_names"])
        and _modes(v["pki_stat"]) == ["0400", "0400", "0700"])


def intermediate_current(v):
    """Whether the stack's intermediate CA is kept: its three files there (0400), its key opening
    with its passphrase and belonging to it, issued by the root's key, outside the renewal window,
    with the wanted name constraints (critical) and subject, the root not being replaced. ``v``:
    pki_int_info, pki_int_key_info, pki_int_pem, pki_int_root, pki_int_stat, pki_int_subject,
    pki_ca_regenerate, pki_nc, pki_subject_long_names."""
    info, key, pem = v["pki_int_info"], v["pki_int_key_info"], v["pki_int_pem"]
    regenerate = v["pki_ca_regenerate"]
    constraints = _pki.certificate_name_constraints(base64.b64decode(pem["content"]).decode("utf-8")) \
        if "content" in pem else {}
    root_ski = "?" if regenerate else v["pki_int_root"].get("subject_key_identifier", "?")
    return bool(
        "valid_at" in info and info["valid_at"]["renew"]
        and not regenerate
        and key.get("can_parse_key", False)
        and _text(key.get("public_key", "")).strip() == _text(info.get("public_key", "-")).strip()
        and info.get("authority_key_identifier", "") == root_ski
        and constraints.get("critical", False) and constraints.get("excluded", []) == []
        and sorted(constraints.get("permitted", [])) == sorted(v["pki_nc"]["permitted"])
        and info.get("subject", {}) == _long_subject(v["pki_int_subject"], v["pki_subject_long_names"])
        and _modes(v["pki_int_stat"]) == ["0400", "0400", "0400"])
