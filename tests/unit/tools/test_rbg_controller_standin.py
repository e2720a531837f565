# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The sandbox's TEST-ONLY RoleBasedGroup controller stand-in: what it makes of a group (no API)."""
from __future__ import annotations

import importlib.util
import pathlib

import pytest

pytest.importorskip("kubernetes")

SCRIPT = pathlib.Path(__file__).resolve().parents[3] / "tools" / "sandbox" / "rbg_controller.py"
spec = importlib.util.spec_from_file_location("rbg_controller", SCRIPT)
rbg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rbg)

GROUP = {"metadata": {"name": "dynamo-pd", "namespace": "ns", "uid": "u-1"},
         "spec": {"roles": [
             {"name": "prefill", "replicas": 2, "dependencies": ["processor"], "labels": {"a": "b"},
              "annotations": {"rbg.workloads.x-k8s.io/role-workload-type": "apps/v1/StatefulSet"},
              "standalonePattern": {"template": {"metadata": {"labels": {"x": "y"}},
                                                 "spec": {"containers": [{"name": "w", "env": [
                                                     {"name": "RBG_ROLE_NAME", "value": "old"}]}]}}}},
             {"name": "processor", "replicas": 1, "workload": {"apiVersion": "apps/v1", "kind": "StatefulSet"},
              "template": {"spec": {"containers": [{"name": "p"}]}}},
         ]}}


def test_dependency_order_and_errors():
    assert [r["name"] for r in rbg.dependency_order(GROUP["spec"]["roles"])] == ["processor", "prefill"]
    with pytest.raises(ValueError, match="not found in rbg"):
        rbg.dependency_order([{"name": "a", "dependencies": ["b"]}])
    with pytest.raises(ValueError, match="cycle"):
        rbg.dependency_order([{"name": "a", "dependencies": ["b"]}, {"name": "b", "dependencies": ["a"]}])


def test_a_role_becomes_a_statefulset_and_a_headless_service():
    sts, svc = rbg.desired(GROUP, GROUP["spec"]["roles"][0])
    assert sts["metadata"]["name"] == "dynamo-pd-prefill"
    assert sts["metadata"]["labels"]["a"] == "b"
    selector = sts["spec"]["selector"]["matchLabels"]
    assert selector["rbg.workloads.x-k8s.io/group-name"] == "dynamo-pd"
    assert selector["rbg.workloads.x-k8s.io/role-name"] == "prefill"
    assert len(selector["rbg.workloads.x-k8s.io/group-uid"]) == 40
    labels = sts["spec"]["template"]["metadata"]["labels"]
    assert labels["x"] == "y" and all(labels[k] == v for k, v in selector.items())
    env = sts["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "RBG_GROUP_NAME", "value": "dynamo-pd"}, {"name": "RBG_ROLE_NAME", "value": "prefill"}]
    assert sts["spec"]["serviceName"] == svc["metadata"]["name"] == "s-dynamo-pd-prefill"
    assert svc["spec"]["clusterIP"] == "None"
    assert sts["metadata"]["ownerReferences"][0]["uid"] == "u-1"
    # v1alpha1 shape: workload + template
    assert rbg.role_kind(GROUP["spec"]["roles"][1]) == "apps/v1/StatefulSet"
    assert rbg.desired(GROUP, GROUP["spec"]["roles"][1])[0]["spec"]["template"]["spec"]["containers"][0]["name"] == "p"
