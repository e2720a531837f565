# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Read access to the API for the pdserve modules (private: not a public API).

Connection options are kubernetes.core's (``kubeconfig``, ``context``, ``host``, ...), so a
play sets them once for both collections. Reads use plain REST paths and return plain dicts:
no discovery round trips, one process for many reads. The client is light.LightApi (no
``kubernetes`` import) when it understands the options, else kubernetes.core's. The stack's objects are not written
here: they go through ``kubernetes.core.k8s`` (server-side apply); ``Reader.send`` serves the
run's own coordination objects (Leases, module_utils/_kube/lease.py).

Every request is retried while the API server is unreachable or answers 429 / 5xx (backoff,
bounded by ``Reader.retry_budget``), and every error names the API server and the object.
"""
from __future__ import annotations

import copy
import json
import time

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.light import LightApi

try:
    from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
    HAS_K8S = True
    K8S_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    AUTH_ARG_SPEC = {}
    HAS_K8S = False
    K8S_IMPORT_ERROR = exc


def get_api_client(**options):
    """kubernetes.core's client (imports the kubernetes package: only when light.LightApi cannot serve
    the connection options)."""
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client as make

    return make(**options)


PATHS = {
    "Node": "/api/v1/nodes",
    "Namespace": "/api/v1/namespaces",
    "Pod": "/api/v1/namespaces/{ns}/pods",
    "Service": "/api/v1/namespaces/{ns}/services",
    "ConfigMap": "/api/v1/namespaces/{ns}/configmaps",
    "Secret": "/api/v1/namespaces/{ns}/secrets",
    "ServiceAccount": "/api/v1/namespaces/{ns}/serviceaccounts",
    "Event": "/api/v1/namespaces/{ns}/events",
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "StatefulSet": "/apis/apps/v1/namespaces/{ns}/statefulsets",
    "Role": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
    "RoleBinding": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
    "ClusterRole": "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    "ClusterRoleBinding": "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    "CustomResourceDefinition": "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    "InferServiceSet": "/apis/mindcluster.huawei.com/v1/namespaces/{ns}/inferservicesets",
    # the storage version of current RBG (module_utils/_dynamo/rbg.py); a cluster serving only
    # v1alpha1 lists none here
    "RoleBasedGroup": "/apis/workloads.x-k8s.io/v1alpha2/namespaces/{ns}/rolebasedgroups",
    "PersistentVolumeClaim": "/api/v1/namespaces/{ns}/persistentvolumeclaims",
    "PersistentVolume": "/api/v1/persistentvolumes",
    "StorageClass": "/apis/storage.k8s.io/v1/storageclasses",
    "ModelServing": "/apis/workload.serving.volcano.sh/v1alpha1/namespaces/{ns}/modelservings",
    "PodGroup": "/apis/scheduling.volcano.sh/v1beta1/namespaces/{ns}/podgroups",
}
API_VERSION = {
    "Node": "v1", "Namespace": "v1", "Pod": "v1", "Service": "v1", "ConfigMap": "v1", "Secret": "v1",
    "ServiceAccount": "v1", "Event": "v1", "Deployment": "apps/v1", "StatefulSet": "apps/v1",
    "Role": "rbac.authorization.k8s.io/v1", "RoleBinding": "rbac.authorization.k8s.io/v1",
    "ClusterRole": "rbac.authorization.k8s.io/v1", "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
    "CustomResourceDefinition": "apiextensions.k8s.io/v1", "InferServiceSet": "mindcluster.huawei.com/v1",
    "RoleBasedGroup": "workloads.x-k8s.io/v1alpha2", "PersistentVolumeClaim": "v1", "PersistentVolume": "v1",
    "StorageClass": "storage.k8s.io/v1",
    "ModelServing": "workload.serving.volcano.sh/v1alpha1", "PodGroup": "scheduling.volcano.sh/v1beta1",
}
NAMESPACED = {k for k, v in PATHS.items() if "{ns}" in v}
#: Older API versions a kind may be served at only (a cluster with an older install of its CRD;
#: RoleBasedGroup: v1alpha1 before RBG stored v1alpha2): a list that finds nothing at PATHS'
#: version asks these in turn, so status and uninstall find the stack's objects there too.
OLDER_VERSIONS = {"RoleBasedGroup": ("workloads.x-k8s.io/v1alpha1",)}


def auth_argument_spec():
    return copy.deepcopy(AUTH_ARG_SPEC)


# One API client per set of connection options, reused across tasks when run in-process.
_CLIENTS = {}


class NotFound(Exception):
    pass


class ApiError(Exception):
    pass


class TransientError(ApiError):
    """The API server did not answer, or answered 429 / 5xx, for longer than the retry budget."""


# Answers worth asking again: throttled, or the server (or a proxy before it) failing for now.
TRANSIENT_STATUS = (429, 500, 502, 503, 504)


def api_server(api):
    """The API server's URL a client talks to ('?' when unknown)."""
    return getattr(getattr(api, "configuration", None), "host", None) or "?"


def describe_path(path):
    """The object a REST path names, in words: 'Pod mindie-motor/controller-0', 'Pods in mindie-motor'."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    # /api/v1/... or /apis/<group>/<version>/...
    rest = parts[2:] if parts[:1] == ["api"] else parts[3:]
    namespace = None
    if len(rest) >= 2 and rest[0] == "namespaces" and len(rest) > 2:
        namespace, rest = rest[1], rest[2:]
    if not rest:
        return path
    resource, name, sub = rest[0], (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)
    where = ("%s/%s" % (namespace, name) if namespace else name) if name else None
    text = ("%s %s" % (resource, where)) if where else ("%s in %s" % (resource, namespace) if namespace else resource)
    return text + ((" (%s)" % sub) if sub else "")


def _reason(exc):
    """A short reason for a connection failure: the innermost cause urllib3 wrapped."""
    inner = getattr(exc, "reason", None) or exc
    text = str(inner)
    return "%s: %s" % (type(inner).__name__, text) if text else type(inner).__name__


def request_with_retry(api, method, path, query=None, headers=None, body=None, budget=30.0,
                       clock=time.monotonic, sleep=time.sleep, send=None):
    """``raw_request`` that asks again, with exponential backoff (0.5 s doubling up to 5 s), while
    the API server refuses the connection, drops it or answers 429 /
    5xx, for up to ``budget`` seconds. Returns (status, body); raises TransientError naming the
    API server, the method, the object and the last reason once the budget is spent."""
    send = send or raw_request
    start = clock()
    delay, attempts = 0.5, 0
    while True:
        attempts += 1
        try:
            status, data = send(api, method, path, query, headers, body)
            if status not in TRANSIENT_STATUS:
                return status, data
            text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data or "")
            reason = "HTTP %s: %s" % (status, text[:200].strip())
        except Exception as exc:  # urllib3 / socket errors: refused, reset, timed out, aborted
            if isinstance(exc, (NotFound, ApiError)):
                raise
            reason = _reason(exc)
        elapsed = clock() - start
        if elapsed >= budget:
            raise TransientError("%s %s on API server %s: %s (%d attempt(s) in %.0fs)"
                                 % (method, describe_path(path), api_server(api), reason, attempts, elapsed))
        wait = min(delay, max(0.0, budget - elapsed))
        sleep(wait)
        delay = min(delay * 2, 5.0)


def raw_request(api, method, path, query=None, headers=None, body=None):
    """One HTTP request through a kubernetes ApiClient: (status, body bytes). Works with the
    generated clients before and after their 2025 rewrite (``param_serialize``)."""
    if isinstance(api, LightApi):
        return api.request(method, path, query, headers, body)
    headers = dict(headers or {})
    if hasattr(api, "param_serialize"):
        request = api.param_serialize(method, path, query_params=query or [], header_params=headers, body=body,
                                      auth_settings=["BearerToken"])
        response = api.call_api(*request)
        return response.status, response.read()
    from kubernetes.client.rest import ApiException
    try:
        response = api.call_api(path, method, query_params=query or [], header_params=headers, body=body,
                                auth_settings=["BearerToken"], _preload_content=False, _return_http_data_only=True)
    except ApiException as exc:
        return exc.status, (exc.body or b"")
    return response.status, response.data


def _connect(options):
    """An API client for kubernetes.core's connection options: light.LightApi when it understands
    them (no kubernetes import), else kubernetes.core's. Either asks the server for its version
    first, so an unreachable server fails here as before."""
    api = LightApi.from_options(options)
    if api is None:
        return get_api_client(**options).client.client
    status, data = api.request("GET", "/version", headers={"Accept": "application/json"})
    if status != 200:
        raise ApiError("GET /version: HTTP %s: %s" % (status, data[:200].decode("utf-8", "replace").strip()))
    return api


class Reader:
    """Lists and gets objects as dicts through one ApiClient."""

    def __init__(self, api_client, retry_budget=30.0):
        self.api = api_client
        # Seconds one request may spend retrying transient failures (see request_with_retry).
        self.retry_budget = retry_budget

    @property
    def server(self):
        return api_server(self.api)

    @classmethod
    def from_params(cls, params, connect_budget=0.0, clock=time.monotonic, sleep=time.sleep):
        """A reader for the connection options in ``params`` (kubernetes.core's names; unset
        ones come from the K8S_AUTH_* environment and the kubeconfig, as in kubernetes.core).
        Making the client asks the server for its version: with ``connect_budget`` > 0 that is
        retried (backoff) for so many seconds while the server does not answer."""
        if not HAS_K8S:
            raise ApiError("kubernetes.core and the kubernetes Python package are required: %s" % K8S_IMPORT_ERROR)
        options = {k: v for k, v in params.items() if k in AUTH_ARG_SPEC}
        key = tuple(sorted((k, repr(v)) for k, v in options.items()))
        start, delay = clock(), 0.5
        while key not in _CLIENTS:
            try:
                _CLIENTS[key] = _connect(options)
            except Exception as exc:
                elapsed = clock() - start
                if elapsed >= connect_budget:
                    raise ApiError("cannot connect to the Kubernetes API server (%s): %s (for %.0fs)"
                                   % (params.get("host") or params.get("kubeconfig") or "kubeconfig defaults",
                                      _reason(exc), elapsed))
                sleep(min(delay, max(0.0, connect_budget - elapsed)))
                delay = min(delay * 2, 5.0)
        return cls(_CLIENTS[key])

    @classmethod
    def from_module(cls, module):
        try:
            return cls.from_params(module.params)
        except ApiError as exc:
            module.fail_json(msg=str(exc))

    def _call(self, path, query=None, response_type="object"):
        status, data = request_with_retry(self.api, "GET", path, list((query or {}).items()),
                                          {"Accept": "application/json" if response_type == "object" else "*/*"},
                                          budget=self.retry_budget)
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")
        if status == 404:
            raise NotFound(path)
        if not 200 <= status < 300:
            raise ApiError("GET %s on API server %s: HTTP %s: %s" % (describe_path(path), self.server, status, text[:500]))
        return json.loads(text) if response_type == "object" else text

    def send(self, method, path, body=None):
        """A write (POST / PUT / DELETE) with JSON in and out: (status, parsed body or {}).
        Transient failures are retried as for reads; other statuses are the caller's to judge."""
        status, data = request_with_retry(self.api, method, path, [],
                                          {"Accept": "application/json", "Content-Type": "application/json"},
                                          body=body, budget=self.retry_budget)
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")
        try:
            parsed = json.loads(text) if text else {}
        except ValueError:
            parsed = {"message": text[:500]}
        return status, parsed

    def path(self, kind, namespace=None, name=None):
        """REST path of a kind; a namespaced kind without a namespace lists every namespace."""
        base = PATHS[kind]
        if namespace is None and kind in NAMESPACED:
            if name:
                raise ValueError("%s %s: a namespace is required" % (kind, name))
            base = base.replace("/namespaces/{ns}", "")
        return base.format(ns=namespace) + ("/" + name if name else "")

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        query = {}
        if label_selector:
            query["labelSelector"] = label_selector
        if field_selector:
            query["fieldSelector"] = field_selector
        path = self.path(kind, namespace)
        data = None
        for version in (API_VERSION[kind],) + OLDER_VERSIONS.get(kind, ()):
            try:
                data = self._call(path.replace("/%s/" % API_VERSION[kind], "/%s/" % version, 1), query)
                break
            except NotFound:
                continue
        if data is None:
            return []  # the kind is not installed (a CRD) or the namespace is gone
        items = data.get("items") or []
        for item in items:
            item.setdefault("kind", kind)
            item.setdefault("apiVersion", version)
        return items

    def get(self, kind, name, namespace=None):
        """The object, or None when it does not exist."""
        try:
            obj = self._call(self.path(kind, namespace, name))
        except NotFound:
            return None
        obj.setdefault("kind", kind)
        obj.setdefault("apiVersion", API_VERSION[kind])
        return obj

    def log(self, namespace, pod, container=None, previous=False, tail_lines=None):
        query = {}
        if container:
            query["container"] = container
        if previous:
            query["previous"] = "true"
        if tail_lines:
            query["tailLines"] = str(tail_lines)
        try:
            return self._call("/api/v1/namespaces/%s/pods/%s/log" % (namespace, pod), query, response_type="str")
        except (NotFound, ApiError) as exc:
            return "<no log: %s>" % exc


#: The first pause of poll(), growing by POLL_GROWTH up to its interval: a stack that is Ready
#: within a second is seen within 0.2 s of it (kubectl wait watches), a slow one is read at most
#: once per interval.
POLL_FIRST = 0.2
POLL_GROWTH = 1.5


def poll(check, timeout, interval=1.0, clock=time.monotonic, sleep=time.sleep):
    """Call ``check()`` until it returns a truthy value or ``timeout`` seconds pass, pausing
    POLL_FIRST seconds, then 1.5 times longer each time, at most ``interval``.
    Returns (value, elapsed); value is the last result."""
    start = clock()
    pause = min(POLL_FIRST, interval)
    while True:
        value = check()
        elapsed = clock() - start
        if value or elapsed >= timeout:
            return value, elapsed
        sleep(min(pause, max(0.0, timeout - elapsed)))
        pause = min(pause * POLL_GROWTH, interval)
