"""module_utils/_kube/client.py: transient API errors retried with backoff; errors name the
API server and the object; stack_wait rides out an outage."""
from __future__ import annotations

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._kube import client as kc
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_wait


class Api:
    class configuration:  # noqa: N801 - mimics kubernetes.client.Configuration
        host = "https://127.0.0.1:20443"


class Clock:
    def __init__(self):
        self.t = 0.0
        self.slept = []

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.slept.append(s)
        self.t += s


def test_describe_path():
    assert kc.describe_path("/api/v1/namespaces/ns/pods/p") == "pods ns/p"
    assert kc.describe_path("/api/v1/namespaces/ns/pods") == "pods in ns"
    assert kc.describe_path("/api/v1/nodes") == "nodes"
    assert kc.describe_path("/apis/apps/v1/namespaces/ns/deployments/d") == "deployments ns/d"
    assert kc.describe_path("/api/v1/namespaces/ns/pods/p/log") == "pods ns/p (log)"
    assert kc.describe_path("/api/v1/namespaces/ns") == "namespaces ns"


@pytest.mark.parametrize("failure", [ConnectionRefusedError(111, "Connection refused"), (503, b"etcd leader changed"),
                                     (429, b"Too many requests"), (500, b"internal")])
def test_transient_failures_are_retried_with_backoff_then_succeed(failure):
    clock = Clock()
    answers = [failure, failure, (200, b"{}")]

    def send(api, method, path, query, headers, body):
        a = answers.pop(0)
        if isinstance(a, Exception):
            raise a
        return a

    status, data = kc.request_with_retry(Api(), "GET", "/api/v1/nodes", send=send, budget=30, clock=clock, sleep=clock.sleep)
    assert status == 200 and clock.slept == [0.5, 1.0]


def test_budget_spent_raises_naming_server_object_and_reason():
    clock = Clock()

    def send(*_):
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(kc.TransientError) as err:
        kc.request_with_retry(Api(), "GET", "/api/v1/namespaces/mindie-motor/pods", send=send, budget=20,
                              clock=clock, sleep=clock.sleep)
    text = str(err.value)
    assert text.startswith("GET pods in mindie-motor on API server https://127.0.0.1:20443: ConnectionRefusedError")
    assert clock.t == 20 and max(clock.slept) == 5.0


def test_other_statuses_are_not_retried():
    clock = Clock()
    calls = []

    def send(*_):
        calls.append(1)
        return 403, b"forbidden"

    assert kc.request_with_retry(Api(), "GET", "/api/v1/nodes", send=send, budget=30, clock=clock, sleep=clock.sleep)[0] == 403
    assert calls == [1]


def test_reader_error_names_server_and_object(monkeypatch):
    monkeypatch.setattr(kc, "raw_request", lambda *a, **k: (403, b"nope"))
    with pytest.raises(kc.ApiError) as err:
        kc.Reader(Api()).get("Pod", "p", "ns")
    assert str(err.value) == "GET pods ns/p on API server https://127.0.0.1:20443: HTTP 403: nope"


def test_from_params_retries_the_connection(monkeypatch):
    clock = Clock()
    attempts = []

    class Made:
        class client:  # noqa: N801
            client = Api()

    def get_api_client(**_):
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionRefusedError(111, "Connection refused")
        return Made

    monkeypatch.setattr(kc, "HAS_K8S", True)
    monkeypatch.setattr(kc, "get_api_client", get_api_client, raising=False)
    monkeypatch.setattr(kc, "AUTH_ARG_SPEC", {"host": {}})
    kc._CLIENTS.clear()
    reader = kc.Reader.from_params({"host": "https://x"}, connect_budget=10, clock=clock, sleep=clock.sleep)
    assert reader.server == "https://127.0.0.1:20443" and len(attempts) == 3
    kc._CLIENTS.clear()
    attempts.clear()
    with pytest.raises(kc.ApiError, match=r"cannot connect to the Kubernetes API server \(https://y\): ConnectionRefusedError"):
        kc.Reader.from_params({"host": "https://y"}, connect_budget=0, clock=clock, sleep=clock.sleep)
    kc._CLIENTS.clear()


def test_stack_wait_goes_on_through_an_outage(monkeypatch):
    """The API server is gone for three polls, then the stack is Ready: the wait succeeds and
    reports the outage."""
    polls = []

    class FakeReader:
        server = "https://127.0.0.1:20443"
        retry_budget = None

        def list(self, kind, namespace=None, label_selector=None, field_selector=None):
            if kind == "Deployment":
                polls.append(1)
                if len(polls) <= 3:
                    raise kc.TransientError("GET deployments in ns on API server https://127.0.0.1:20443: refused")
                return [{"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1},
                         "status": {"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "availableReplicas": 1,
                                    "observedGeneration": 1}}]
            return []

    monkeypatch.setattr(stack_wait.Reader, "from_params", classmethod(lambda cls, p, connect_budget=0: FakeReader()))
    res = stack_wait.execute({"namespace": "ns", "job_id": None, "expected_pods": 0, "wait_timeout": 30,
                              "wait_sleep": 0.01, "log_lines": 5})
    assert res["ready"] and not res.get("failed")
    assert len(res["api_errors"]) == 3 and "API server https://127.0.0.1:20443" in res["api_errors"][0]


def test_stack_wait_times_out_naming_the_outage(monkeypatch):
    class DeadReader:
        server = "https://127.0.0.1:20443"
        retry_budget = None

        def list(self, *a, **k):
            raise kc.TransientError("GET deployments in ns on API server https://127.0.0.1:20443: refused")

    monkeypatch.setattr(stack_wait.Reader, "from_params", classmethod(lambda cls, p, connect_budget=0: DeadReader()))
    res = stack_wait.execute({"namespace": "ns", "job_id": None, "expected_pods": 1, "wait_timeout": 0.05,
                              "wait_sleep": 0.01, "log_lines": 5})
    assert res["failed"] and "API server https://127.0.0.1:20443" in res["msg"]
    assert "the API server was unreachable" in res["msg"]


class VersionedReader(kc.Reader):
    """A Reader whose API serves only the given paths (everything else 404)."""

    def __init__(self, served):
        self.served = served
        self.asked = []

    def _call(self, path, query=None, response_type="object"):
        self.asked.append(path)
        if path not in self.served:
            raise kc.NotFound(path)
        return self.served[path]


@pytest.mark.parametrize("version", ["v1alpha2", "v1alpha1"])
def test_list_finds_a_kind_at_an_older_served_version(version):
    """A cluster serving RoleBasedGroup only at v1alpha1 (an older RBG) still shows the stack's
    objects, with the version they were found at (what uninstall deletes them by)."""
    path = "/apis/workloads.x-k8s.io/%s/namespaces/ns/rolebasedgroups" % version
    reader = VersionedReader({path: {"items": [{"metadata": {"name": "dynamo"}}]}})
    items = reader.list("RoleBasedGroup", "ns")
    assert [(i["metadata"]["name"], i["kind"], i["apiVersion"]) for i in items] == [
        ("dynamo", "RoleBasedGroup", "workloads.x-k8s.io/" + version)]
    assert reader.asked[-1] == path


def test_list_of_a_kind_served_at_no_version_is_empty():
    reader = VersionedReader({})
    assert reader.list("RoleBasedGroup", "ns") == []
    assert reader.asked == ["/apis/workloads.x-k8s.io/v1alpha2/namespaces/ns/rolebasedgroups",
                            "/apis/workloads.x-k8s.io/v1alpha1/namespaces/ns/rolebasedgroups"]
    assert reader.list("Deployment", "ns") == []
