"""module_utils/_kube/apply.py and _runner/stack_apply.py against an in-memory API server that
applies as server-side apply does for these cases (a changed object gets a new resourceVersion,
an unchanged one keeps its own; dry run stores nothing)."""
from __future__ import annotations

import copy
import json
import threading

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._kube import apply as _apply
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_apply


class FakeServer:
    def __init__(self):
        self.store = {}
        self.rv = 0
        self.calls = []
        self.lock = threading.Lock()
        self.fail = {}

    def __call__(self, api, method, path, query=None, headers=None, body=None, budget=30.0):
        with self.lock:
            self.calls.append((method, path, tuple(query or ())))
            if method == "GET" and path == "/apis/example.com/v1":
                return 200, json.dumps({"resources": [{"name": "widgets", "kind": "Widget", "namespaced": True},
                                                      {"name": "widgets/status", "kind": "Widget", "namespaced": True}]})
            if method == "GET" and path.startswith("/apis/") and path.count("/") == 3:
                return 404, b""
            if method == "GET":
                obj = self.store.get(path)
                return (200, json.dumps(obj)) if obj else (404, b'{"message": "not found"}')
            assert method == "PATCH" and headers["Content-Type"] == _apply.APPLY_CONTENT_TYPE
            assert ("fieldManager", "pdserve") in query and ("force", "true") in query
            if path in self.fail:
                return self.fail[path], json.dumps({"message": "admission webhook said no"})
            applied = json.loads(body)
            live = copy.deepcopy(self.store.get(path) or {"metadata": {}})
            new = copy.deepcopy(applied)
            new["metadata"] = dict(live["metadata"], **applied["metadata"])
            if self.store.get(path) and {k: v for k, v in new.items()} == live:
                return 200, json.dumps(live)
            self.rv += 1
            new["metadata"]["resourceVersion"] = str(self.rv)
            if ("dryRun", "All") not in query:
                self.store[path] = new
            return 200, json.dumps(new)


@pytest.fixture()
def server(monkeypatch):
    fake = FakeServer()
    monkeypatch.setattr(_apply, "request_with_retry", fake)
    return fake


NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "s", "labels": {"a": "b"}}}
SA = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa", "namespace": "s"}}
DEP = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "s"}, "spec": {"replicas": 1}}
WIDGET = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "s"}, "spec": {}}


def test_waves_put_namespaces_first_and_workloads_last():
    assert [[i for i, _ in w] for w in _apply.waves([DEP, SA, NS, WIDGET])] == [[2], [1], [0, 3]]


def test_first_apply_then_no_op_then_change(server):
    results, errors = _apply.apply_all(None, [DEP, SA, NS], "pdserve")
    assert errors == [] and [r["changed"] for r in results] == [True, True, True]
    assert [r["created"] for r in results] == [True, True, True]
    assert [r["kind"] for r in results] == ["Deployment", "ServiceAccount", "Namespace"]  # input order
    # the namespace was applied before the objects in it
    patches = [c[1] for c in server.calls if c[0] == "PATCH"]
    assert patches.index("/api/v1/namespaces/s") < patches.index("/api/v1/namespaces/s/serviceaccounts/sa")
    assert patches.index("/api/v1/namespaces/s/serviceaccounts/sa") < patches.index("/apis/apps/v1/namespaces/s/deployments/d")
    results, errors = _apply.apply_all(None, [DEP, SA, NS], "pdserve")
    assert errors == [] and not any(r["changed"] for r in results)
    scaled = copy.deepcopy(DEP)
    scaled["spec"]["replicas"] = 4
    results, _ = _apply.apply_all(None, [scaled], "pdserve")
    assert results[0]["changed"] and results[0]["diff"]["before"]["spec"] == {"replicas": 1}
    assert results[0]["diff"]["after"]["spec"] == {"replicas": 4}


def test_check_mode_is_the_servers_dry_run(server):
    results, _ = _apply.apply_all(None, [NS], "pdserve", check_mode=True)
    assert results[0]["changed"] and server.store == {}
    assert all(("dryRun", "All") in c[2] for c in server.calls if c[0] == "PATCH")


def test_a_kind_outside_the_known_paths_is_discovered_once(server):
    other = copy.deepcopy(WIDGET)
    other["metadata"]["name"] = "w2"
    results, errors = _apply.apply_all(None, [WIDGET, other], "pdserve")
    assert errors == [] and all(r["changed"] for r in results)
    assert [c for c in server.calls if c[1] == "/apis/example.com/v1"] == [("GET", "/apis/example.com/v1", ())]
    assert "/apis/example.com/v1/namespaces/s/widgets/w2" in server.store


def test_unknown_kind_and_refused_apply_are_all_reported_and_stop_later_waves(server):
    server.fail["/api/v1/namespaces/s/serviceaccounts/sa"] = 422
    bad = {"apiVersion": "nowhere.io/v1", "kind": "Thing", "metadata": {"name": "t", "namespace": "s"}}
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "s"}}
    results, errors = _apply.apply_all(None, [NS, SA, cm, bad, DEP], "pdserve")
    assert len(errors) == 1 and "ServiceAccount s/sa" in errors[0] and "admission webhook said no" in errors[0]
    assert results[2]["changed"] and results[3] is None and results[4] is None  # wave 3 not applied


def test_runner_reports_diff_and_refuses_nameless_objects(server, monkeypatch):
    class Reader:
        api = None
        retry_budget = 1.0
        server = "https://api.example"

    monkeypatch.setattr(stack_apply.Reader, "from_params", classmethod(lambda cls, params: Reader()))
    base = {"field_manager": "pdserve", "force_conflicts": True}
    out = stack_apply.execute(dict(base, objects=[NS, SA]), check_mode=False, diff=True)
    assert out["changed"] and [d["before_header"] for d in out["diff"]] == ["Namespace s (absent)", "ServiceAccount s/sa (absent)"]
    out = stack_apply.execute(dict(base, objects=[NS, SA]), check_mode=False, diff=True)
    assert not out["changed"] and out["diff"] == []
    out = stack_apply.execute(dict(base, objects=[{"kind": "ConfigMap", "metadata": {}}]), check_mode=False)
    assert out["failed"] and "objects[0]: apiVersion, metadata.name is required" in out["msg"]
    assert stack_apply.execute(dict(base, objects=[]), check_mode=False) == {"changed": False, "result": {"results": []}}
