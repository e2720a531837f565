# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.pki_state module (private: not a public API).

Everything the pki role decides on, read once and read-only: the CA files on the control node
(one stat, one read of each file; the keys opened in memory), the namespace, the nodes when the
name constraints need them, and the live Secrets and ConfigMap of the PKI. The results have the
shapes of the tasks they replace (ansible.builtin.stat, community.crypto.x509_certificate_info /
openssl_privatekey_info, ansible.builtin.slurp, kubernetes.core.k8s_info), with ``skipped``
where that task would have been skipped, so the role's checks read them unchanged.
"""
from __future__ import annotations

import base64
import os
import stat as _stat

from ansible_collections.pdserve.cluster.plugins.module_utils import _pki
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import ApiError, Reader, auth_argument_spec
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.ownership import is_ours
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import kube_argument_spec

SKIPPED = {"skipped": True, "changed": False}


def ARGUMENT_SPEC():
    return kube_argument_spec(
        auth_argument_spec(), shared=(),
        ca_cert_file=dict(type="path", required=True),
        ca_key_file=dict(type="path", required=True),
        pki_dir=dict(type="path", required=True),
        int_cert_file=dict(type="path", required=True),
        int_key_file=dict(type="path", required=True),
        int_passwd_file=dict(type="path", required=True),
        generated=dict(type="bool", required=True),
        regenerate=dict(type="bool", default=False),
        passphrase=dict(type="str", default="", no_log=True),
        ca_renew_days=dict(type="int", default=30),
        int_renew_days=dict(type="int", default=10),
        namespace=dict(type="str", required=True),
        read_namespace=dict(type="bool", default=True),
        read_nodes=dict(type="bool", default=False),
        objects=dict(type="list", elements="dict", default=[]),
    )


def file_stat(path):
    """ansible.builtin.stat's result (exists, isdir, mode as '0400') of one path."""
    try:
        st = os.stat(path)
    except OSError:
        return {"item": path, "stat": {"exists": False}}
    return {"item": path, "stat": {"exists": True, "isdir": _stat.S_ISDIR(st.st_mode),
                                   "mode": "%04o" % _stat.S_IMODE(st.st_mode)}}


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _cert(path, valid_at):
    try:
        return _pki.certificate_info(_read(path), valid_at)
    except Exception as exc:  # unreadable file, not a PEM certificate
        return {"failed": True, "msg": "%s: %s" % (path, exc)}


def _key(data, passphrase=None):
    return _pki.private_key_info(data, passphrase)


def _content(data):
    return {"content": base64.b64encode(data).decode("ascii"), "encoding": "base64"}


def read_control_node(params):
    """The CA files as the role's probes saw them (validate.yml, intermediate_check.yml)."""
    out = {}
    stats = [file_stat(params["ca_cert_file"]), file_stat(params["ca_key_file"]), file_stat(params["pki_dir"])]
    out["stat"] = {"results": stats}
    fresh = params["generated"] and params["regenerate"]
    key_data = None
    if stats[1]["stat"]["exists"] and not fresh:
        try:
            key_data = _read(params["ca_key_file"])
        except OSError as exc:
            out["key_plain"] = out["key_info"] = {"failed": True, "can_parse_key": False, "msg": str(exc)}
    if key_data is not None:
        out["key_plain"] = _key(key_data)
        if params["passphrase"] and not out["key_plain"]["can_parse_key"]:
            out["key_info"] = _key(key_data, params["passphrase"])
    out.setdefault("key_plain", dict(SKIPPED))
    out.setdefault("key_info", dict(SKIPPED))
    if stats[0]["stat"]["exists"] and not fresh:
        out["cert_info"] = _cert(params["ca_cert_file"], {"now": 0, "renew": params["ca_renew_days"] * 86400})
    else:
        out["cert_info"] = dict(SKIPPED)

    int_stats = [file_stat(params[k]) for k in ("int_cert_file", "int_key_file", "int_passwd_file")]
    out["int_stat"] = {"results": int_stats}
    out["int_root"] = _cert(params["ca_cert_file"], {})
    out["int_info"] = (_cert(params["int_cert_file"], {"renew": params["int_renew_days"] * 86400})
                       if int_stats[0]["stat"]["exists"] else dict(SKIPPED))
    files = {}
    for name, key in (("ca_cert", "ca_cert_file"), ("int_cert", "int_cert_file"), ("int_key", "int_key_file"),
                      ("int_passwd", "int_passwd_file")):
        try:
            files[name] = _read(params[key])
        except OSError:
            pass
    out["int_pem"] = _content(files["int_cert"]) if "valid_at" in out["int_info"] and "int_cert" in files else dict(SKIPPED)
    if int_stats[2]["stat"]["exists"]:
        out["int_passwd"] = _content(files["int_passwd"]) if "int_passwd" in files else {"failed": True}
    else:
        out["int_passwd"] = dict(SKIPPED)
    if int_stats[1]["stat"]["exists"] and "int_passwd" in files and "int_key" in files:
        out["int_key_info"] = _key(files["int_key"], files["int_passwd"].decode("utf-8"))
    else:
        out["int_key_info"] = dict(SKIPPED)
    # what the Secrets carry (the root's key never leaves the control node)
    out["files"] = {name: base64.b64encode(data).decode("ascii") for name, data in files.items()}
    return out


def read_cluster(params):
    """The namespace, the nodes (when asked) and the PKI's live objects, as k8s_info results."""
    out = {"namespace": dict(SKIPPED), "nodes": dict(SKIPPED), "live": {}}
    if not (params["read_namespace"] or params["read_nodes"]):
        return out
    try:
        reader = Reader.from_params(params)
    except ApiError as exc:
        if params["read_namespace"]:
            out["namespace"] = {"failed": True, "msg": str(exc)}
        if params["read_nodes"]:
            out["nodes"] = {"failed": True, "msg": str(exc)}
        return out
    if params["read_nodes"]:
        try:
            out["nodes"] = {"resources": reader.list("Node")}
        except ApiError as exc:
            out["nodes"] = {"failed": True, "msg": str(exc)}
    if params["read_namespace"]:
        try:
            namespace = reader.get("Namespace", params["namespace"])
        except ApiError as exc:
            out["namespace"] = {"failed": True, "msg": str(exc)}
            return out
        out["namespace"] = {"resources": [namespace] if namespace else []}
        kinds = sorted({o.get("kind") for o in params["objects"]})
        if namespace:
            for kind in kinds:
                try:
                    items = reader.list(kind, params["namespace"])
                except ApiError:
                    continue  # not read: the role applies as it would without this read
                wanted = {o.get("name") for o in params["objects"] if o.get("kind") == kind}
                for item in items:
                    meta = item.get("metadata") or {}
                    if meta.get("name") in wanted:
                        out["live"]["%s/%s" % (kind, meta["name"])] = {
                            "data": item.get("data") or {}, "type": item.get("type"),
                            "labels": meta.get("labels") or {}, "ours": is_ours(item)}
    return out


def execute(params, check_mode):
    out = {"changed": False}
    out.update(read_control_node(params))
    out.update(read_cluster(params))
    return out
