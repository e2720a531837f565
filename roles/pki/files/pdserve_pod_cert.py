#!/usr/bin/env python3
# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Per-pod TLS certificate generator of pdserve.cluster.

Runs inside an inference pod at start-up (init container or start script). Pod IPs are only
known once the pod runs, so each TLS-enabled pod makes its own key and certificate here:

* reads ``gen_cert.json`` and the ``cert_info.json`` it names (the files MindIE's certificate
  chapter describes, written by the ``pdserve.cluster.pki`` role into a Secret that the pod
  mounts read-only at ``/mnt/security``);
* loads the signing CA certificate and its AES-256 encrypted key (passphrase from the file
  ``ca_key_pwd`` names). With the role, that CA is the stack's *intermediate* CA, and
  ``root_ca`` names the stack's root CA certificate (the root's key never leaves the control
  node); the intermediate must be issued by that root;
* makes a new key and a certificate signed by the CA whose subjectAltName holds the pod IP
  (and, for the coordinator, the host IP), read from the environment variables that
  ``gen_cert.json`` lists in ``ip_env`` (downward API: ``status.podIP``, ``status.hostIP``);
  every name must lie inside the CA's X.509 name constraints (checked here, so a pod outside
  the permitted network fails at start with the reason instead of at its peers' handshakes);
* writes ``cert.pem`` (the pod's certificate, then the intermediate: the chain it presents),
  ``cert.key.pem``, ``cert_passwd.txt`` (when the key is encrypted) and ``ca.pem`` (the trust
  file: the intermediate first, as MindIE's checks want the direct issuer first, then the root)
  with mode 0400 into the output folder (0700).

It needs Python 3.7+ and the ``cryptography`` package, not MindIE's own ``gen_cert`` tool.
Bad or missing inputs stop it before anything is written, with every problem listed.
Exit codes: 0 done, 2 bad input, 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import os
import secrets
import string
import sys
import tempfile

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:  # pragma: no cover - exercised only in images without cryptography
    sys.stderr.write("pdserve_pod_cert: error: the Python package 'cryptography' is not installed in this image\n")
    sys.exit(2)

PROG = "pdserve_pod_cert"
DEFAULT_CONFIG = "/mnt/security/gen_cert.json"

# Output file names follow MindIE's gen_cert output folder.
CERT_FILE = "cert.pem"
KEY_FILE = "cert.key.pem"
PASSWD_FILE = "cert_passwd.txt"
CA_FILE = "ca.pem"

FILE_MODE = 0o400
DIR_MODE = 0o700

# Subject fields of cert_info.json's req_distinguished_name, in the order they are written.
NAME_FIELDS = (
    ("C", NameOID.COUNTRY_NAME),
    ("ST", NameOID.STATE_OR_PROVINCE_NAME),
    ("L", NameOID.LOCALITY_NAME),
    ("O", NameOID.ORGANIZATION_NAME),
    ("OU", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("CN", NameOID.COMMON_NAME),
)
KEY_SIZES = (2048, 3072, 4096)
DEFAULT_KEY_SIZE = 3072
MAX_DAYS = 36500
# Certificates start a little in the past so that a node clock slightly behind does not
# reject a certificate made a second ago on another node.
BACKDATE = datetime.timedelta(minutes=5)
# Special: any character that is not an ASCII letter or digit (the role applies the same rule).
ALNUM = set(string.ascii_letters + string.digits)


class InputError(Exception):
    """Bad or missing input; carries every problem found."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = list(errors)


def passphrase_problems(passphrase):
    """Return the rules of MindIE's passphrase policy that ``passphrase`` breaks (empty: fine).

    At least 8 characters, and at least two of: lower case, upper case, digit, special.
    """
    problems = []
    if len(passphrase) < 8:
        problems.append("is shorter than 8 characters")
    classes = [
        any(c in string.ascii_lowercase for c in passphrase),
        any(c in string.ascii_uppercase for c in passphrase),
        any(c in string.digits for c in passphrase),
        any(c not in ALNUM for c in passphrase),
    ]
    if sum(classes) < 2:
        problems.append(
            "uses %d of the 4 character kinds (lower case, upper case, digit, special); at least 2 are required"
            % sum(classes)
        )
    return problems


def new_passphrase():
    """A random passphrase that meets the policy above (it protects the pod's own key)."""
    while True:
        candidate = secrets.token_urlsafe(32)
        if not passphrase_problems(candidate):
            return candidate


def _utc(dt):
    return dt if dt.tzinfo else dt.replace(tzinfo=datetime.timezone.utc)


def not_after(cert):
    return getattr(cert, "not_valid_after_utc", None) or _utc(cert.not_valid_after)


def not_before(cert):
    return getattr(cert, "not_valid_before_utc", None) or _utc(cert.not_valid_before)


def _read(path, what, errors, field):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        errors.append("%s: %s file %r does not exist" % (field, what, path))
    except OSError as exc:
        errors.append("%s: cannot read %s file %r: %s" % (field, what, path, exc.strerror or exc))
    return None


def _load_json(path, what, errors, field):
    data = _read(path, what, errors, field)
    if data is None:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        errors.append("%s: %s file %r is not valid JSON: %s" % (field, what, path, exc))
        return None
    if not isinstance(value, dict):
        errors.append("%s: %s file %r must hold a JSON object, not %s" % (field, what, path, type(value).__name__))
        return None
    return value


def _resolve(base_dir, value):
    return value if os.path.isabs(value) else os.path.normpath(os.path.join(base_dir, value))


def _parse_ip(value, field, errors):
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        errors.append("%s: %r is not an IPv4 or IPv6 address" % (field, value))
        return None


def load_settings(config_path, ips_arg=None, output_arg=None, environ=None):
    """Read gen_cert.json, cert_info.json and the environment; return a settings dict.

    Raises InputError listing every problem found.
    """
    settings, errors = _collect_settings(config_path, ips_arg, output_arg, environ)
    if errors:
        raise InputError(errors)
    return settings


def _collect_settings(config_path, ips_arg, output_arg, environ):
    environ = os.environ if environ is None else environ
    errors = []
    gen = _load_json(config_path, "gen_cert.json", errors, "config")
    if gen is None:
        return {}, errors
    base_dir = os.path.dirname(os.path.abspath(config_path))
    settings = {"config": config_path}

    for key in ("ca_cert", "ca_key", "ca_key_pwd", "cert_config"):
        value = gen.get(key)
        if not isinstance(value, str) or not value:
            errors.append("gen_cert.json.%s: %r must be a non-empty path" % (key, value))
        else:
            settings[key] = _resolve(base_dir, value)
    # Optional: the root the signing CA chains to (the role's layout: root -> intermediate -> pod).
    root = gen.get("root_ca")
    if root is not None and (not isinstance(root, str) or not root):
        errors.append("gen_cert.json.root_ca: %r must be a non-empty path, or be left out" % (root,))
    elif root:
        settings["root_ca"] = _resolve(base_dir, root)
    output = output_arg if output_arg else gen.get("output_path")
    if not isinstance(output, str) or not output:
        errors.append("gen_cert.json.output_path: %r must be a non-empty path (or pass --output)" % (output,))
    else:
        settings["output_path"] = _resolve(base_dir, output) if not output_arg else os.path.abspath(output)

    key_size = gen.get("key_size", DEFAULT_KEY_SIZE)
    if isinstance(key_size, bool) or key_size not in KEY_SIZES:
        errors.append("gen_cert.json.key_size: %r must be one of %s" % (key_size, ", ".join(map(str, KEY_SIZES))))
    settings["key_size"] = key_size
    encrypt = gen.get("encrypt_key", True)
    if not isinstance(encrypt, bool):
        errors.append("gen_cert.json.encrypt_key: %r must be true or false" % (encrypt,))
    settings["encrypt_key"] = encrypt

    # SAN IPs known only at start-up: --ip wins, else the environment variables in ip_env.
    ips = []
    if ips_arg:
        for i, item in enumerate(part for part in ips_arg.split(",") if part.strip()):
            ip = _parse_ip(item, "--ip[%d]" % i, errors)
            if ip is not None:
                ips.append(ip)
    else:
        ip_env = gen.get("ip_env", ["POD_IP"])
        if not isinstance(ip_env, list) or not all(isinstance(n, str) and n for n in ip_env):
            errors.append("gen_cert.json.ip_env: %r must be a list of environment variable names" % (ip_env,))
            ip_env = []
        for name in ip_env:
            value = environ.get(name, "")
            if not value.strip():
                errors.append(
                    "env.%s: is not set; gen_cert.json.ip_env asks for it (set it from the downward API, "
                    "e.g. fieldRef status.podIP / status.hostIP, or pass --ip)" % name
                )
                continue
            ip = _parse_ip(value, "env.%s" % name, errors)
            if ip is not None:
                ips.append(ip)

    info = None
    if "cert_config" in settings:
        info = _load_json(settings["cert_config"], "cert_info.json", errors, "gen_cert.json.cert_config")
    if info is not None:
        rdn = info.get("req_distinguished_name")
        attributes = []
        if not isinstance(rdn, dict):
            errors.append("cert_info.json.req_distinguished_name: %r must be an object with C, ST, L, O, OU, CN" % (rdn,))
        else:
            known = dict(NAME_FIELDS)
            for key in sorted(set(rdn) - set(known)):
                errors.append("cert_info.json.req_distinguished_name.%s: unknown field; allowed: %s"
                              % (key, ", ".join(k for k, _ in NAME_FIELDS)))
            for key, oid in NAME_FIELDS:
                value = rdn.get(key)
                if value is None or value == "":
                    continue
                if not isinstance(value, str) or len(value) > 64:
                    errors.append("cert_info.json.req_distinguished_name.%s: %r must be a string of 1..64 characters" % (key, value))
                elif key == "C" and (len(value) != 2 or not value.isalpha()):
                    errors.append("cert_info.json.req_distinguished_name.C: %r must be a 2-letter country code" % (value,))
                else:
                    attributes.append(x509.NameAttribute(oid, value))
            if not rdn.get("CN"):
                errors.append("cert_info.json.req_distinguished_name.CN: is required")
        settings["subject"] = x509.Name(attributes)
        days = info.get("expired_time", 3650)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            errors.append("cert_info.json.expired_time: %r must be a whole number of days in 1..%d" % (days, MAX_DAYS))
        settings["days"] = days
        alt = info.get("alt_names", {}) or {}
        dns = []
        if not isinstance(alt, dict):
            errors.append("cert_info.json.alt_names: %r must be an object with IP and DNS lists" % (alt,))
            alt = {}
        static_ips = alt.get("IP", []) or []
        if not isinstance(static_ips, list):
            errors.append("cert_info.json.alt_names.IP: %r must be a list" % (static_ips,))
            static_ips = []
        for i, item in enumerate(static_ips):
            ip = _parse_ip(item, "cert_info.json.alt_names.IP[%d]" % i, errors)
            if ip is not None:
                ips.append(ip)
        names = alt.get("DNS", []) or []
        if not isinstance(names, list):
            errors.append("cert_info.json.alt_names.DNS: %r must be a list" % (names,))
            names = []
        for i, item in enumerate(names):
            if not isinstance(item, str) or not item or len(item) > 253 or any(c.isspace() for c in item):
                errors.append("cert_info.json.alt_names.DNS[%d]: %r must be a DNS name" % (i, item))
            else:
                dns.append(item)
        settings["dns"] = list(dict.fromkeys(dns))
    settings["ips"] = list(dict.fromkeys(ips))
    if not settings["ips"] and not errors:
        errors.append("subjectAltName: no IP address; set gen_cert.json.ip_env variables or pass --ip")
    return settings, errors


def load_ca(settings):
    """Load and check the CA certificate and key; return (certificate, private key)."""
    ca_cert, ca_key, errors = _collect_ca(settings)
    if errors:
        raise InputError(errors)
    return ca_cert, ca_key


def _collect_ca(settings):
    errors = []
    cert_pem = _read(settings["ca_cert"], "CA certificate", errors, "gen_cert.json.ca_cert")
    key_pem = _read(settings["ca_key"], "CA key", errors, "gen_cert.json.ca_key")
    pwd = _read(settings["ca_key_pwd"], "CA key passphrase", errors, "gen_cert.json.ca_key_pwd")
    ca_cert = ca_key = None
    if cert_pem is not None:
        try:
            ca_cert = x509.load_pem_x509_certificate(cert_pem)
        except ValueError as exc:
            errors.append("gen_cert.json.ca_cert: %r is not a PEM certificate: %s" % (settings["ca_cert"], exc))
    if key_pem is not None and pwd is not None:
        if pwd.endswith(b"\r\n"):
            pwd = pwd[:-2]
        elif pwd.endswith(b"\n"):
            pwd = pwd[:-1]
        if not pwd:
            errors.append("gen_cert.json.ca_key_pwd: %r is empty" % settings["ca_key_pwd"])
        else:
            try:
                ca_key = serialization.load_pem_private_key(key_pem, password=pwd)
            except TypeError:
                errors.append("gen_cert.json.ca_key: %r is not encrypted; the CA key must be kept encrypted" % settings["ca_key"])
            except ValueError:
                errors.append(
                    "gen_cert.json.ca_key: cannot load %r with the passphrase in %r (wrong passphrase or not a PEM key)"
                    % (settings["ca_key"], settings["ca_key_pwd"])
                )
    if ca_cert is not None:
        try:
            constraints = ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value
            if not constraints.ca:
                errors.append("gen_cert.json.ca_cert: %r is not a CA certificate (basicConstraints CA:false)" % settings["ca_cert"])
        except x509.ExtensionNotFound:
            errors.append("gen_cert.json.ca_cert: %r has no basicConstraints; it is not a CA certificate" % settings["ca_cert"])
        try:
            usage = ca_cert.extensions.get_extension_for_class(x509.KeyUsage).value
            if not usage.key_cert_sign:
                errors.append("gen_cert.json.ca_cert: %r may not sign certificates (keyUsage lacks keyCertSign)" % settings["ca_cert"])
        except x509.ExtensionNotFound:
            pass
        now = datetime.datetime.now(datetime.timezone.utc)
        if not_after(ca_cert) <= now:
            errors.append("gen_cert.json.ca_cert: %r expired on %s" % (settings["ca_cert"], not_after(ca_cert).isoformat()))
        elif not_before(ca_cert) > now + BACKDATE:
            errors.append("gen_cert.json.ca_cert: %r is not valid before %s (check the node clock)"
                          % (settings["ca_cert"], not_before(ca_cert).isoformat()))
    root_cert = None
    if settings.get("root_ca"):
        root_pem = _read(settings["root_ca"], "root CA certificate", errors, "gen_cert.json.root_ca")
        if root_pem is not None:
            try:
                root_cert = x509.load_pem_x509_certificate(root_pem)
            except ValueError as exc:
                errors.append("gen_cert.json.root_ca: %r is not a PEM certificate: %s" % (settings["root_ca"], exc))
        if root_cert is not None and ca_cert is not None:
            try:
                ca_cert.verify_directly_issued_by(root_cert)
            except (ValueError, TypeError, InvalidSignature):
                errors.append("gen_cert.json.ca_cert: %r is not issued by the root CA %r"
                              % (settings["ca_cert"], settings["root_ca"]))
    settings["root"] = root_cert
    if ca_cert is not None and ca_key is not None:
        if not isinstance(ca_key, rsa.RSAPrivateKey):
            errors.append("gen_cert.json.ca_key: %r is not an RSA key" % settings["ca_key"])
        elif ca_key.public_key().public_numbers() != ca_cert.public_key().public_numbers():
            errors.append("gen_cert.json.ca_key: %r does not belong to the CA certificate %r"
                          % (settings["ca_key"], settings["ca_cert"]))
    return ca_cert, ca_key, errors


def check_inputs(config_path, ips_arg=None, output_arg=None, environ=None):
    """Check every input (settings and CA) and report all problems at once."""
    settings, errors = _collect_settings(config_path, ips_arg, output_arg, environ)
    ca_cert = ca_key = None
    if all(k in settings for k in ("ca_cert", "ca_key", "ca_key_pwd")):
        ca_cert, ca_key, ca_errors = _collect_ca(settings)
        errors.extend(ca_errors)
        if ca_cert is not None and "ips" in settings:
            errors.extend(name_constraint_problems(ca_cert, settings["ips"], settings.get("dns", [])))
    if errors:
        raise InputError(errors)
    return settings, ca_cert, ca_key


def _dns_within(name, base):
    """RFC 5280 4.2.1.10: ``base`` permits itself and any name made by adding labels on the left."""
    name, base = name.lower().rstrip("."), base.lower().rstrip(".")
    if base.startswith("."):
        return name.endswith(base)
    return name == base or name.endswith("." + base)


def name_constraint_problems(ca_cert, ips, dns):
    """The SAN entries the CA's name constraints do not permit, one message each (empty: fine).

    Only the permitted / excluded dNSName and iPAddress subtrees are read: those are the only
    kinds the role puts in, and the only kinds a pod certificate carries."""
    try:
        nc = ca_cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return []
    permitted = list(nc.permitted_subtrees or [])
    excluded = list(nc.excluded_subtrees or [])
    problems = []

    def check(kind, value, shown, within):
        allowed = [g.value for g in permitted if isinstance(g, kind)]
        denied = [g.value for g in excluded if isinstance(g, kind)]
        if any(within(value, sub) for sub in denied):
            problems.append("subjectAltName: %s is excluded by the CA's name constraints" % shown)
        elif allowed and not any(within(value, sub) for sub in allowed):
            problems.append("subjectAltName: %s is outside the CA's name constraints (permitted: %s); "
                            "the pki role's pki_pod_cidrs / pki_host_cidrs / pki_cert_dns_names set them"
                            % (shown, ", ".join(str(a) for a in allowed)))

    for ip in ips:
        check(x509.IPAddress, ip, "IP %s" % ip, lambda v, net: v.version == net.version and v in net)
    for name in dns:
        check(x509.DNSName, name, "DNS %s" % name, _dns_within)
    return problems


def build_certificate(settings, ca_cert, ca_key, now=None):
    """Make the pod's key and certificate; return (certificate, key)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    key = rsa.generate_private_key(public_exponent=65537, key_size=settings["key_size"])
    start = max(now - BACKDATE, not_before(ca_cert))
    end = min(now + datetime.timedelta(days=settings["days"]), not_after(ca_cert))
    try:
        ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)
    except x509.ExtensionNotFound:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key())
    san = [x509.IPAddress(ip) for ip in settings["ips"]] + [x509.DNSName(name) for name in settings["dns"]]
    builder = (
        x509.CertificateBuilder()
        .subject_name(settings["subject"])
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=True,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(aki, critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
    )
    return builder.sign(private_key=ca_key, algorithm=hashes.SHA256()), key


def _write(directory, name, data):
    """Write ``data`` to directory/name with mode 0400, atomically (rename over an old file)."""
    fd, tmp = tempfile.mkstemp(prefix=".%s." % name, dir=directory)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, os.path.join(directory, name))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return os.path.join(directory, name)


def write_outputs(settings, cert, key, ca_cert):
    """Write the certificate, key (+ passphrase file) and CA certificate; return the paths."""
    out = settings["output_path"]
    os.makedirs(out, mode=DIR_MODE, exist_ok=True)
    try:
        os.chmod(out, DIR_MODE)
    except PermissionError:
        sys.stderr.write("%s: warning: cannot set mode 0700 on %s (not its owner); files are still 0400\n" % (PROG, out))
    written = []
    if settings["encrypt_key"]:
        passphrase = new_passphrase().encode("ascii")
        encryption = serialization.BestAvailableEncryption(passphrase)
    else:
        passphrase = None
        encryption = serialization.NoEncryption()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, encryption)
    if passphrase is not None:
        written.append(_write(out, PASSWD_FILE, passphrase))
    else:
        stale = os.path.join(out, PASSWD_FILE)
        if os.path.exists(stale):
            os.unlink(stale)
    written.append(_write(out, KEY_FILE, key_pem))
    pem = serialization.Encoding.PEM
    root = settings.get("root")
    if root is not None:
        # The chain the pod presents (a peer holding only the root can verify it), and the trust
        # file: MindIE-PyMotor checks the pod's own certificate against the *first* certificate of
        # its ca_file (verify_directly_issued_by), then loads all of them as trust anchors.
        chain = cert.public_bytes(pem) + ca_cert.public_bytes(pem)
        trust = ca_cert.public_bytes(pem) + root.public_bytes(pem)
    else:
        chain = cert.public_bytes(pem)
        trust = ca_cert.public_bytes(pem)
    written.append(_write(out, CERT_FILE, chain))
    written.append(_write(out, CA_FILE, trust))
    return written


def generate(config_path, ips_arg=None, output_arg=None, environ=None, now=None):
    """Whole run: read and check every input, then make and write. Returns (cert, paths)."""
    settings, ca_cert, ca_key = check_inputs(config_path, ips_arg=ips_arg, output_arg=output_arg, environ=environ)
    cert, key = build_certificate(settings, ca_cert, ca_key, now=now)
    return cert, write_outputs(settings, cert, key, ca_cert)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Make this pod's TLS key and certificate (SAN = pod IP), signed by the stack's CA.",
    )
    parser.add_argument("config", nargs="?", default=DEFAULT_CONFIG,
                        help="gen_cert.json (default: %(default)s)")
    parser.add_argument("--ip", help="comma-separated SAN IPs; default: the variables listed in gen_cert.json ip_env")
    parser.add_argument("--output", help="output folder; default: gen_cert.json output_path")
    args = parser.parse_args(argv)
    try:
        cert, paths = generate(args.config, ips_arg=args.ip, output_arg=args.output)
    except InputError as exc:
        sys.stderr.write("%s: error: %d problem(s), nothing written:\n" % (PROG, len(exc.errors)))
        for line in exc.errors:
            sys.stderr.write("  - %s\n" % line)
        return 2
    except OSError as exc:
        sys.stderr.write("%s: error: cannot write the certificate: %s\n" % (PROG, exc))
        return 1
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = ", ".join(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    sys.stdout.write(
        "%s: wrote %s (serial %x, SAN IP %s, valid until %s)\n"
        % (PROG, ", ".join(paths), cert.serial_number, ips, not_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ"))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
