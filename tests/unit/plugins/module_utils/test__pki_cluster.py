"""module_utils/_pki_cluster.py: the components' Secrets (what the pods' generator reads) and which
of the role's objects the cluster already holds as they are."""
from __future__ import annotations

import base64
import json

from ansible_collections.pdserve.cluster.plugins.filter.pki import pki_secrets, pki_unchanged
from ansible_collections.pdserve.cluster.plugins.module_utils._pki_cluster import secrets, unchanged

KEYS = ["ca.pem", "intermediate.pem", "intermediate.key.pem", "intermediate_passwd.txt", "gen_cert.json", "cert_info.json"]
CA = ["Y2E=", "aW50", "a2V5", "cHc="]


def make(**over):
    args = dict(ca_b64=CA, file_names=KEYS, job_id="mindie-motor", components=["server", "controller"],
                prefix="pdserve-pki", mount_path="/mnt/security", pod_cert_dir="/mnt/certs", host_ip_components=["server"],
                key_size=2048, encrypt_key=True, valid_days=365, subject={"O": "pdserve"},
                dns_names={"controller": ["controller.mindie-motor.svc"]})
    args.update(over)
    return secrets(**args)


def decoded(secret, key):
    text = base64.b64decode(secret["data"][key]).decode()
    return text, json.loads(text)


def test_one_secret_per_component_with_the_ca_files_and_settings():
    server, controller = make()
    assert server["metadata"] == {"name": "pdserve-pki-server", "namespace": "mindie-motor", "labels": {
        "app.kubernetes.io/managed-by": "pdserve", "app.kubernetes.io/part-of": "pdserve",
        "app.kubernetes.io/instance": "mindie-motor", "app.kubernetes.io/component": "server"}}
    assert server["type"] == "Opaque" and list(server["data"]) == KEYS
    assert [server["data"][k] for k in KEYS[:4]] == CA
    text, gen = decoded(server, "gen_cert.json")
    assert gen == {"ca_cert": "/mnt/security/intermediate.pem", "ca_key": "/mnt/security/intermediate.key.pem",
                   "ca_key_pwd": "/mnt/security/intermediate_passwd.txt", "root_ca": "/mnt/security/ca.pem",
                   "cert_config": "/mnt/security/cert_info.json", "output_path": "/mnt/certs",
                   "ip_env": ["POD_IP", "HOST_IP"], "key_size": 2048, "encrypt_key": True}
    # to_nice_json(indent=2): sorted keys, two spaces
    assert text.startswith('{\n  "ca_cert": "/mnt/security/intermediate.pem",\n  "ca_key": ')
    assert decoded(controller, "gen_cert.json")[1]["ip_env"] == ["POD_IP"]
    assert decoded(controller, "cert_info.json")[1] == {
        "subject": "controller", "expired_time": 365,
        "req_distinguished_name": {"CN": "mindie-motor-controller", "O": "pdserve"},
        "alt_names": {"IP": [], "DNS": ["controller.mindie-motor.svc"]}}
    assert decoded(server, "cert_info.json")[1]["alt_names"]["DNS"] == []


def test_the_subject_may_replace_the_common_name():
    (secret,) = make(components=["server"], subject={"CN": "fixed", "C": "CN"})
    assert decoded(secret, "cert_info.json")[1]["req_distinguished_name"] == {"CN": "fixed", "C": "CN"}


def test_unchanged_names_what_the_cluster_holds_as_it_is():
    objs = make()
    live = {"Secret/pdserve-pki-server": {"ours": True, "data": objs[0]["data"], "labels": objs[0]["metadata"]["labels"],
                                          "type": "Opaque"},
            "Secret/pdserve-pki-controller": {"ours": True, "data": dict(objs[1]["data"], **{"ca.pem": "b2xk"}),
                                              "labels": objs[1]["metadata"]["labels"], "type": "Opaque"}}
    assert unchanged(objs, live) == ["pdserve-pki-server"]
    assert unchanged(objs, {}) == []
    for change in ({"ours": False}, {"labels": {}}, {"type": "kubernetes.io/tls"}):
        assert unchanged(objs[:1], {"Secret/pdserve-pki-server": dict(live["Secret/pdserve-pki-server"], **change)}) == []
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tools", "labels": {"a": "b"}}, "data": {"x": "y"}}
    live_map = {"ours": True, "data": {"x": "y"}, "labels": {"a": "b"}, "type": None}
    assert unchanged([config_map], {"ConfigMap/tools": live_map}) == ["tools"]


def test_filters_take_the_role_s_values():
    assert pki_secrets(CA, file_names=KEYS, job_id="j", components=["a"], prefix="p", mount_path="/m", pod_cert_dir="/c",
                       host_ip_components=[], key_size=4096, encrypt_key=False, valid_days=1, subject={},
                       dns_names={})[0]["metadata"]["name"] == "p-a"
    assert pki_unchanged([], {}) == []
