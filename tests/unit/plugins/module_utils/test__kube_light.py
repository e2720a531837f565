"""module_utils/_kube/light.py: which connection options the light client serves, and what it
reads from the kubeconfig (the requests themselves: tests/sandbox/test_kube_modules.py)."""
from __future__ import annotations

import base64
import os

import pytest
import yaml

from ansible_collections.pdserve.cluster.plugins.module_utils._kube import light
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import AUTH_ARG_SPEC


def kubeconfig(tmp_path, cluster=None, user=None, context=None, name="config", extra_contexts=()):
    cluster = cluster if cluster is not None else {"server": "https://10.0.0.1:6443", "certificate-authority": "pki/ca.crt"}
    user = user if user is not None else {"client-certificate": "pki/admin.crt", "client-key": "pki/admin.key"}
    config = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "c1", "cluster": cluster}, {"name": "c2", "cluster": {"server": "https://other:443"}}],
        "users": [{"name": "u1", "user": user}, {"name": "u2", "user": {"token": "t2"}}],
        "contexts": [{"name": "one", "context": context or {"cluster": "c1", "user": "u1"}},
                     {"name": "two", "context": {"cluster": "c2", "user": "u2"}}] + list(extra_contexts),
        "current-context": "one",
    }
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config))
    return str(path)


def options(**given):
    """Every connection option as the in-process step receives them (unset ones None)."""
    out = {name: None for name in AUTH_ARG_SPEC}
    out.update(given)
    return out


def test_current_context_files_relative_to_the_kubeconfig(tmp_path):
    path = kubeconfig(tmp_path)
    conn = light.resolve(options(kubeconfig=path), environ={})
    assert conn["host"] == "https://10.0.0.1:6443" and conn["hostname"] == "10.0.0.1" and conn["port"] == 6443
    assert conn["ca"] == (str(tmp_path / "pki" / "ca.crt"), None)
    assert conn["cert"] == (str(tmp_path / "pki" / "admin.crt"), None)
    assert conn["key"] == (str(tmp_path / "pki" / "admin.key"), None)
    assert conn["token"] is None and not conn["insecure"]


def test_context_option_and_environment(tmp_path):
    path = kubeconfig(tmp_path)
    assert light.resolve(options(kubeconfig=path, context="two"), environ={})["token"] == "t2"
    conn = light.resolve(options(), environ={"K8S_AUTH_KUBECONFIG": path, "K8S_AUTH_CONTEXT": "two"})
    assert conn["host"] == "https://other:443" and conn["port"] == 443
    assert light.resolve(options(), environ={"KUBECONFIG": path})["host"] == "https://10.0.0.1:6443"


def test_data_token_file_prefix_and_insecure(tmp_path):
    (tmp_path / "token").write_text("secret-token\n")
    path = kubeconfig(tmp_path, cluster={"server": "https://h:8443/k8s/clusters/c-1/",
                                         "certificate-authority-data": base64.b64encode(b"CA").decode(),
                                         "insecure-skip-tls-verify": True},
                      user={"tokenFile": "token"})
    conn = light.resolve(options(kubeconfig=path), environ={})
    assert conn["ca"] == (None, b"CA") and conn["insecure"]
    assert conn["token"] == "secret-token" and conn["prefix"] == "/k8s/clusters/c-1"
    assert conn["host"] == "https://h:8443/k8s/clusters/c-1"
    path = kubeconfig(tmp_path, user={"client-certificate-data": base64.b64encode(b"C").decode(),
                                      "client-key-data": base64.b64encode(b"K").decode()}, name="c2")
    conn = light.resolve(options(kubeconfig=path), environ={})
    assert conn["cert"] == (None, b"C") and conn["key"] == (None, b"K")


@pytest.mark.parametrize("given", [{"host": "https://h"}, {"api_key": "k"}, {"validate_certs": False},
                                   {"ca_cert": "/ca"}, {"client_cert": "/c"}, {"proxy": "http://p"},
                                   {"impersonate_user": "u"}, {"impersonate_groups": ["g"]}, {"persist_config": True},
                                   {"kubeconfig": {"clusters": []}}])
def test_other_options_keep_kubernetes_core(tmp_path, given):
    path = kubeconfig(tmp_path)
    params = options(kubeconfig=path)
    params.update(given)
    assert light.resolve(params, environ={}) is None
    assert light.LightApi.from_options(params, environ={}) is None


@pytest.mark.parametrize("environ", [{"K8S_AUTH_HOST": "https://h"}, {"K8S_AUTH_API_KEY": "k"},
                                     {"K8S_AUTH_VERIFY_SSL": "no"}, {"KUBERNETES_SERVICE_HOST": "10.96.0.1"}])
def test_other_environment_keeps_kubernetes_core(tmp_path, environ):
    environ = dict(environ, KUBECONFIG=kubeconfig(tmp_path))
    assert light.resolve(options(), environ=environ) is None


def test_in_pod_with_an_explicit_kubeconfig_is_served(tmp_path):
    assert light.resolve(options(kubeconfig=kubeconfig(tmp_path)), environ={"KUBERNETES_SERVICE_HOST": "10.96.0.1"})


@pytest.mark.parametrize("cluster,user", [
    ({"server": "https://h", "proxy-url": "http://p"}, None),
    ({"server": "https://h", "tls-server-name": "api"}, None),
    ({"server": "unix:///sock"}, None),
    ({}, None),
    (None, {"exec": {"command": "aws"}}),
    (None, {"auth-provider": {"name": "oidc"}}),
    (None, {"username": "u", "password": "p"}),
    (None, {"as": "someone", "token": "t"}),
])
def test_kubeconfig_entries_it_does_not_read_keep_kubernetes_core(tmp_path, cluster, user):
    assert light.resolve(options(kubeconfig=kubeconfig(tmp_path, cluster=cluster, user=user)), environ={}) is None


def test_missing_or_several_kubeconfigs_keep_kubernetes_core(tmp_path):
    path = kubeconfig(tmp_path)
    assert light.resolve(options(), environ={"KUBECONFIG": path + os.pathsep + path}) is None
    assert light.resolve(options(kubeconfig=str(tmp_path / "missing")), environ={}) is None
    assert light.resolve(options(kubeconfig=path, context="nowhere"), environ={}) is None
    (tmp_path / "bad").write_text("{not yaml: [")
    assert light.LightApi.from_options(options(kubeconfig=str(tmp_path / "bad")), environ={}) is None


def test_plain_http_server_needs_no_tls(tmp_path):
    path = kubeconfig(tmp_path, cluster={"server": "http://127.0.0.1:8080"}, user={})
    api = light.LightApi.from_options(options(kubeconfig=path), environ={})
    assert api.configuration.host == "http://127.0.0.1:8080" and api.conn["port"] == 8080
