# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""What the pki role puts into the cluster (private: not a public API).

One Secret per component with the files the document's /mnt/security holds (the root's
certificate, the stack's intermediate CA with its key and passphrase, the generator's settings),
and which of the role's objects the cluster already holds as they are. The role's
``cluster.yml`` calls these through the filters ``pdserve.cluster.pki_secrets`` and
``pdserve.cluster.pki_unchanged``; they were Jinja loops there, compiled again on every run
(docs/speed.md).
"""
from __future__ import annotations

import base64
import json

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import stack_labels


def _nice_json_b64(value):
    """Ansible's ``to_nice_json(indent=2) | b64encode`` of plain data."""
    text = json.dumps(value, indent=2, sort_keys=True, separators=(",", ": "))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def secrets(ca_b64, file_names, job_id, components, prefix, mount_path, pod_cert_dir, host_ip_components, key_size,
            encrypt_key, valid_days, subject, dns_names):
    """The Secret of each component. ``file_names``: the Secret's six keys (the role's
    ``__pki_secret_keys``): the four CA files, whose base64 contents ``ca_b64`` gives in that order,
    then the generator's settings and the certificate's. ``key_size`` / ``valid_days`` are integers
    and ``encrypt_key`` a boolean (the role converts them)."""
    out = []
    for item in components:
        gen_cert = {
            "ca_cert": mount_path + "/intermediate.pem",
            "ca_key": mount_path + "/intermediate.key.pem",
            "ca_key_pwd": mount_path + "/intermediate_passwd.txt",
            "root_ca": mount_path + "/ca.pem",
            "cert_config": mount_path + "/cert_info.json",
            "output_path": pod_cert_dir,
            "ip_env": ["POD_IP"] + (["HOST_IP"] if item in host_ip_components else []),
            "key_size": key_size,
            "encrypt_key": encrypt_key,
        }
        distinguished = {"CN": "%s-%s" % (job_id, item)}
        distinguished.update(subject)
        cert_info = {
            "subject": item,
            "expired_time": valid_days,
            "req_distinguished_name": distinguished,
            "alt_names": {"IP": [], "DNS": dns_names.get(item, [])},
        }
        data = dict(zip(file_names[:4], ca_b64))
        data[file_names[4]] = _nice_json_b64(gen_cert)
        data[file_names[5]] = _nice_json_b64(cert_info)
        out.append({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "%s-%s" % (prefix, item), "namespace": job_id, "labels": stack_labels(job_id, item)},
            "data": data,
        })
    return out


def unchanged(objects, live):
    """The names of ``objects`` the cluster holds as they are: ours, with the same data, labels and
    type (``live``: pki_state's ``live``, keyed ``Kind/name``)."""
    same = []
    for obj in objects:
        found = live.get("%s/%s" % (obj["kind"], obj["metadata"]["name"]))
        if found is not None and found.get("ours") and found.get("data") == obj.get("data") \
                and found.get("labels") == obj["metadata"].get("labels") and found.get("type") == obj.get("type"):
            same.append(obj["metadata"]["name"])
    return same
