# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""global_ranktable's execute() against a fake API reader."""
from __future__ import annotations

import json

from ansible_collections.pdserve.cluster.plugins.module_utils import _motor as mo
from ansible_collections.pdserve.cluster.plugins.module_utils._motor import ranktable as mr
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import global_ranktable as gr

DERIVED = mo.render({"image": "m:1", "model_name": "llama3-8b", "model_weight_path": "/w", "p_instances": 1,
                     "d_instances": 1, "world_size": 1, "job_id": "ns"})["derived"]


def pod(name, component, ip, devices=None):
    ann = {}
    if devices is not None:
        ann[mr.CONFIG_ANNOTATION] = json.dumps({"server_id": "127.0.0.9", "devices": [
            {"device_id": str(d), "device_ip": "192.0.0.%d" % (d + 1)} for d in devices]})
    return {"metadata": {"name": name, "labels": {"app.kubernetes.io/component": component}, "annotations": ann},
            "spec": {"nodeName": "n1"}, "status": {"phase": "Running", "podIP": ip, "hostIP": "127.0.0.9"}}


class FakeReader:
    def __init__(self, pods, cm_text=None):
        self.pods, self.cm_text, self.lists = pods, cm_text, []

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        self.lists.append((kind, namespace, label_selector))
        return self.pods

    def get(self, kind, name, namespace=None):
        if self.cm_text is None:
            return None
        return {"data": {"global_ranktable.json": self.cm_text}}


def params(**changes):
    p = {"namespace": "ns", "job_id": None, "derived": DERIVED, "device_ips": {}, "wait": False, "wait_timeout": 0,
         "wait_sleep": 0.0, "config_map": "global-ranktable", "key": "global_ranktable.json"}
    p.update(changes)
    return p


def run(monkeypatch, reader, **changes):
    monkeypatch.setattr(gr.Reader, "from_params", classmethod(lambda cls, p: reader))
    return gr.execute(params(**changes))


PODS = [pod("c", "controller", "10.0.0.1"), pod("o", "coordinator", "10.0.0.2"),
        pod("s0", "server", "10.0.0.3", [0]), pod("s1", "server", "10.0.0.4", [1])]


def test_complete_stack_gives_the_completed_table_and_reads_only_its_pods(monkeypatch):
    reader = FakeReader(PODS, cm_text='{"status": "initializing"}')
    out = run(monkeypatch, reader)
    assert out["complete"] and out["status"] == "completed" and not out.get("failed")
    assert json.loads(out["text"])["status"] == "completed"
    assert out["current_status"] == "initializing"
    assert [s["pod"] for s in out["servers"]] == ["s0", "s1"]
    assert reader.lists == [("Pod", "ns", "app.kubernetes.io/instance=ns,app.kubernetes.io/managed-by=pdserve,"
                                          "app.kubernetes.io/part-of=pdserve")]


def test_incomplete_without_wait_is_not_a_failure(monkeypatch):
    out = run(monkeypatch, FakeReader(PODS[:3]))
    assert not out["complete"] and not out.get("failed")
    assert out["status"] == "initializing" and out["current_text"] == ""


def test_incomplete_after_waiting_fails_listing_what_is_missing(monkeypatch):
    out = run(monkeypatch, FakeReader(PODS[:3]), wait=True)
    assert out["failed"] and "server: 1 pod(s), want 2" in out["msg"]


def test_an_invalid_table_fails_with_every_error(monkeypatch):
    pods = PODS[:3] + [pod("s1", "server", "10.0.0.4", [0])]   # device 0 twice on one host
    out = run(monkeypatch, FakeReader(pods))
    assert out["failed"] and out["errors"] and "invalid global ranktable" in out["msg"]
