# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""A light HTTPS client for the API server (private: not a public API).

Importing the ``kubernetes`` package (every generated model, urllib3) costs about half a second,
once per playbook run in the controller and again in any worker that imports it: more than most
of our tasks' work (docs/speed.md). The in-process steps only send REST requests and read JSON
(module_utils/_kube/client.py), so when the connection is a kubeconfig context this module
understands, they go through ``http.client`` instead, on one keep-alive connection per thread.

Understood (the kubeconfig as the ``kubernetes`` package reads it): the file named by the
``kubeconfig`` option, else ``K8S_AUTH_KUBECONFIG``, else ``KUBECONFIG`` (one file), else
``~/.kube/config``; the context named by ``context`` / ``K8S_AUTH_CONTEXT``, else the current
one; its cluster's ``server`` (https or http, with a path prefix), ``certificate-authority`` or
``-data``, ``insecure-skip-tls-verify``; its user's ``client-certificate`` / ``client-key`` (files
or ``-data``), ``token`` or ``tokenFile``. Relative file names are relative to the kubeconfig's
folder. Anything else (``LightApi.from_options`` returns None) keeps kubernetes.core's client:
the other connection options (host, api_key, ...) or their ``K8S_AUTH_*`` variables, a kubeconfig
given as a dict or as several files, running in a pod (in-cluster config is tried first there),
users with exec / auth-provider / basic auth / impersonation, a cluster with a proxy or a TLS
server name. Same requests, same answers: the tests compare both clients on the sandbox.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import ssl
import tempfile
import threading
import urllib.parse

try:
    import yaml
    YAML_ERRORS = (yaml.YAMLError,)
except ImportError:  # pragma: no cover - then kubernetes.core's client (which needs it too) reports it
    yaml = None
    YAML_ERRORS = ()

# The connection options (kubernetes.core's AUTH_ARG_SPEC) this client reads; any other set, or
# its K8S_AUTH_* environment variable, means kubernetes.core's client.
OWN_OPTIONS = ("kubeconfig", "context")
CLUSTER_KEYS = {"server", "certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify",
                "extensions", "disable-compression"}
USER_KEYS = {"client-certificate", "client-certificate-data", "client-key", "client-key-data", "token", "tokenFile",
             "extensions"}
TIMEOUT = 60.0


class Configuration:
    """What client.api_server() reads from a kubernetes Configuration."""

    def __init__(self, host):
        self.host = host


def _option(params, name, environ):
    value = params.get(name)
    if value is None:
        value = environ.get("K8S_AUTH_%s" % name.upper())
    return value


def _kubeconfig_path(params, environ):
    path = _option(params, "kubeconfig", environ)
    if path is None:
        path = environ.get("KUBECONFIG") or "~/.kube/config"
        if os.pathsep in path.strip(os.pathsep):
            return None  # several files, merged by the kubernetes package
        path = path.strip(os.pathsep)
    if not isinstance(path, str) or not path:
        return None  # a kubeconfig given as a dict
    return os.path.expanduser(path)


def _named(entries, name):
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            return entry
    return None


def resolve(params, environ=None):
    """The server, TLS and credentials of the connection options, or None when this client does
    not understand them (the caller then uses kubernetes.core's client). Raises OSError /
    yaml.YAMLError / ValueError for a kubeconfig that cannot be read (the caller falls back too:
    kubernetes.core's client reports it in its own words)."""
    environ = os.environ if environ is None else environ
    for name, value in params.items():
        if name not in OWN_OPTIONS and value not in (None, [], {}):
            return None
    if any(key.startswith("K8S_AUTH_") and key not in ("K8S_AUTH_KUBECONFIG", "K8S_AUTH_CONTEXT") for key in environ):
        return None
    if _option(params, "kubeconfig", environ) is None and _option(params, "context", environ) is None \
            and environ.get("KUBERNETES_SERVICE_HOST"):
        return None  # in a pod kubernetes.core tries the in-cluster configuration first
    path = _kubeconfig_path(params, environ)
    if path is None or not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle) or {}
    context_name = _option(params, "context", environ) or config.get("current-context")
    context = (_named(config.get("contexts"), context_name) or {}).get("context") or {}
    cluster = (_named(config.get("clusters"), context.get("cluster")) or {}).get("cluster")
    user = (_named(config.get("users"), context.get("user")) or {}).get("user") or {}
    if not cluster or not cluster.get("server") or set(cluster) - CLUSTER_KEYS or set(user) - USER_KEYS \
            or set(context) - {"cluster", "user", "namespace", "extensions"}:
        return None
    url = urllib.parse.urlsplit(str(cluster["server"]))
    if url.scheme not in ("https", "http") or not url.hostname:
        return None
    base = os.path.dirname(os.path.abspath(path))

    def material(source, key):
        """(file, data) of a kubeconfig entry given as a file name or as base64 data."""
        if source.get(key + "-data"):
            return None, base64.b64decode(source[key + "-data"])
        name = source.get(key)
        return (os.path.join(base, os.path.expanduser(str(name))) if name else None), None

    token = user.get("token")
    if not token and user.get("tokenFile"):
        with open(os.path.join(base, user["tokenFile"]), encoding="utf-8") as handle:
            token = handle.read().strip()
    return {
        "host": "%s://%s" % (url.scheme, url.netloc) + url.path.rstrip("/"),
        "scheme": url.scheme,
        "hostname": url.hostname,
        "port": url.port or (443 if url.scheme == "https" else 80),
        "prefix": url.path.rstrip("/"),
        "ca": material(cluster, "certificate-authority"),
        "insecure": bool(cluster.get("insecure-skip-tls-verify")),
        "cert": material(user, "client-certificate"),
        "key": material(user, "client-key"),
        "token": token,
    }


def _ssl_context(conn):
    cafile, cadata = conn["ca"]
    context = ssl.create_default_context(cafile=cafile, cadata=cadata.decode("ascii") if cadata else None)
    if conn["insecure"]:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    (certfile, certdata), (keyfile, keydata) = conn["cert"], conn["key"]
    if certfile or certdata:
        written = []
        try:
            # ssl reads the certificate and key from files only: data goes to private files that
            # are removed as soon as they are loaded
            if certdata:
                certfile = _private_file(certdata, written)
            if keydata:
                keyfile = _private_file(keydata, written)
            context.load_cert_chain(certfile, keyfile)
        finally:
            for name in written:
                os.unlink(name)
    return context


def _private_file(data, written):
    handle, name = tempfile.mkstemp(prefix="pdserve-kube-")
    written.append(name)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    return name


class LightApi:
    """An API client with what module_utils/_kube/client.py asks of one: ``configuration.host``
    and ``request``. One connection per thread, opened on first use and kept alive."""

    def __init__(self, conn):
        self.conn = conn
        self.configuration = Configuration(conn["host"])
        self._context = _ssl_context(conn) if conn["scheme"] == "https" else None
        self._local = threading.local()

    @classmethod
    def from_options(cls, params, environ=None):
        """A client for these connection options, or None when kubernetes.core's client must make it."""
        if yaml is None:
            return None
        try:
            conn = resolve(params, environ)
            return cls(conn) if conn else None
        except (OSError, ValueError, TypeError, KeyError, AttributeError, ssl.SSLError) + YAML_ERRORS:
            return None

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self._context is not None:
                connection = http.client.HTTPSConnection(self.conn["hostname"], self.conn["port"], timeout=TIMEOUT,
                                                         context=self._context)
            else:
                connection = http.client.HTTPConnection(self.conn["hostname"], self.conn["port"], timeout=TIMEOUT)
            self._local.connection = connection
        return connection

    def _drop(self):
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def request(self, method, path, query=None, headers=None, body=None):
        """(status, body bytes) of one request; JSON-encodes a body that is not bytes or str. A kept-alive
        connection the server has closed meanwhile is opened again once; other connection errors
        are raised (client.request_with_retry retries them)."""
        url = self.conn["prefix"] + path
        if query:
            url += "?" + urllib.parse.urlencode(list(query))
        headers = dict(headers or {})
        if self.conn["token"]:
            headers["Authorization"] = "Bearer %s" % self.conn["token"]
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        for attempt in (1, 2):
            reused = getattr(self._local, "connection", None) is not None
            connection = self._connection()
            try:
                connection.request(method, url, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, http.client.BadStatusLine):
                self._drop()
                if reused and attempt == 1:
                    continue
                raise
            except Exception:
                self._drop()
                raise
            if response.will_close:
                self._drop()
            return response.status, data
        raise AssertionError("unreachable")  # pragma: no cover
