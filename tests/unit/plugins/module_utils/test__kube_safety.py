# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Ownership, Pod Security and the scale guard on workloads (module_utils/_kube/)."""
from __future__ import annotations

import copy

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.ownership import (
    foreign_objects, is_ours, managers, ownership_conflicts,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.pod_security import (
    ENFORCE, namespace_plan, pod_level, pod_security_problems, required_level,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.workload_diff import workload_diff

OURS = {"app.kubernetes.io/managed-by": "pdserve"}


def obj(kind, name, namespace="ns", labels=None, managers=("pdserve",), **extra):
    meta = {"name": name, "labels": dict(labels or {}),
            "managedFields": [{"manager": m, "operation": "Apply"} for m in managers]}
    if namespace:
        meta["namespace"] = namespace
    out = {"apiVersion": "v1", "kind": kind, "metadata": meta}
    out.update(extra)
    return out


# --- ownership -------------------------------------------------------------------------------

def test_is_ours_needs_label_and_manager():
    assert is_ours(obj("ConfigMap", "a", labels=OURS))
    assert not is_ours(obj("ConfigMap", "a", labels=OURS, managers=("kubectl-client-side-apply",)))
    assert not is_ours(obj("ConfigMap", "a", managers=("pdserve",)))
    assert not is_ours(obj("ConfigMap", "a", labels={"app.kubernetes.io/managed-by": "Helm"}))
    assert managers(obj("Role", "r", managers=("a", "b", "a"))) == ["a", "b"]


def test_ownership_conflicts_name_kind_namespace_name_and_managers():
    live = [obj("ConfigMap", "motor-config", managers=("kubectl-create",)),
            obj("Role", "pdserve-motor", labels={"team": "x"}, managers=()),
            obj("ServiceAccount", "mine", labels=OURS),
            obj("Namespace", "ns", namespace=None, managers=("kubectl-create",))]
    errors = ownership_conflicts(live)
    assert len(errors) == 2
    assert errors[0].startswith("ConfigMap ns/motor-config exists and is not ours (managed-by label <none>, "
                                "field managers kubectl-create)")
    assert "pdserve_adopt: true" in errors[0]
    assert errors[1].startswith("Role ns/pdserve-motor exists and is not ours (managed-by label <none>, "
                                "field managers <none>)")


def test_foreign_objects_skip_cluster_made_owned_and_ours():
    live = [obj("ServiceAccount", "default", managers=()), obj("ConfigMap", "kube-root-ca.crt", managers=()),
            obj("ConfigMap", "motor-config", labels=OURS),
            obj("Service", "iss-svc", managers=("operator",), ownerReferences=[{"kind": "InferServiceSet"}]),
            obj("Role", "pdserve-motor", managers=("kubectl",)), obj("Secret", "theirs", managers=("helm",))]
    live[3]["metadata"]["ownerReferences"] = [{"kind": "InferServiceSet"}]
    assert foreign_objects(live, [("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")]) == [
        "Role ns/pdserve-motor (managed-by label <none>, field managers kubectl)",
        "Secret ns/theirs (managed-by label <none>, field managers helm)"]


# --- Pod Security ------------------------------------------------------------------------------

RESTRICTED_POD = {
    "securityContext": {"runAsNonRoot": True, "runAsUser": 1001, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [{"name": "c",
                    "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}],
    "volumes": [{"name": "cfg", "configMap": {"name": "x"}}, {"name": "tmp", "emptyDir": {}},
                {"name": "tls", "secret": {"secretName": "s"}}],
}


def with_change(path, value):
    spec = copy.deepcopy(RESTRICTED_POD)
    node = spec
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
    node[keys[-1]] = value
    return spec


def test_pod_levels():
    assert pod_level(RESTRICTED_POD) == "restricted"
    root = with_change("securityContext.runAsNonRoot", False)
    assert pod_level(root) == "baseline"
    assert pod_security_problems(root)["restricted"] == ["container c does not run with runAsNonRoot: true"]
    host = copy.deepcopy(RESTRICTED_POD)
    host["volumes"].append({"name": "weights", "hostPath": {"path": "/mnt/w"}})
    assert pod_level(host) == "privileged"
    assert pod_security_problems(host)["baseline"] == ["hostPath volume weights (/mnt/w)"]


@pytest.mark.parametrize("path,value,level,text", [
    ("hostNetwork", True, "privileged", "hostNetwork: true"),
    ("containers.0.securityContext.privileged", True, "privileged", "container c privileged"),
    ("containers.0.securityContext.capabilities.add", ["SYS_ADMIN"], "privileged", "adds capabilities SYS_ADMIN"),
    ("containers.0.securityContext.capabilities.add", ["CHOWN"], "baseline", "other than NET_BIND_SERVICE"),
    ("containers.0.ports", [{"containerPort": 80, "hostPort": 80}], "privileged", "uses a hostPort"),
    ("securityContext.seccompProfile", {"type": "Unconfined"}, "privileged", "seccompProfile Unconfined"),
    ("securityContext.seccompProfile", {}, "baseline", "no RuntimeDefault or Localhost seccompProfile"),
    ("containers.0.securityContext.allowPrivilegeEscalation", True, "baseline", "allowPrivilegeEscalation: false"),
    ("containers.0.securityContext.capabilities.drop", [], "baseline", "does not drop ALL"),
    ("securityContext.runAsUser", 0, "baseline", "pod runAsUser 0"),
])
def test_pod_level_per_rule(path, value, level, text):
    spec = with_change(path, value)
    assert pod_level(spec) == level
    assert any(text in p for p in pod_security_problems(spec)["restricted"])


def test_required_level_is_the_least_strict_pod_and_names_the_pods():
    engine = copy.deepcopy(RESTRICTED_POD)
    engine["volumes"].append({"name": "hccn-conf", "hostPath": {"path": "/etc/hccn.conf"}})
    objects = [
        {"kind": "Deployment", "metadata": {"name": "controller", "namespace": "ns"},
         "spec": {"template": {"spec": with_change("securityContext.runAsNonRoot", None)}}},
        {"kind": "InferServiceSet", "metadata": {"name": "vllm", "namespace": "ns"},
         "spec": {"template": {"roles": [{"name": "union", "spec": {"template": {"spec": engine}}}]}}},
        {"kind": "ConfigMap", "metadata": {"name": "x", "namespace": "ns"}},
    ]
    level, pods = required_level(objects)
    assert level == "privileged"
    assert pods == {"Deployment ns/controller": ("baseline", ["container c does not run with runAsNonRoot: true"]),
                    "InferServiceSet ns/vllm role union": ("privileged", ["hostPath volume hccn-conf (/etc/hccn.conf)"])}
    assert required_level(objects[2:]) == ("restricted", {})


def _deploy(spec):
    return [{"kind": "Deployment", "metadata": {"name": "engine", "namespace": "ns"},
             "spec": {"template": {"spec": spec}}}]


def _ns(labels, managers_of_enforce=(), ours=False):
    fields = [{"manager": m, "fieldsV1": {"f:metadata": {"f:labels": {"f:pod-security.kubernetes.io/enforce": {}}}}}
              for m in managers_of_enforce]
    if ours:
        fields.append({"manager": "pdserve", "fieldsV1": {"f:metadata": {"f:labels": {"f:app.kubernetes.io/managed-by": {}}}}})
        labels = dict(labels, **OURS)
    return {"kind": "Namespace", "metadata": {"name": "ns", "labels": labels, "managedFields": fields}}


HOST = copy.deepcopy(RESTRICTED_POD)
HOST["volumes"].append({"name": "weights", "hostPath": {"path": "/mnt/w"}})


def test_namespace_plan_new_namespace_gets_the_level_the_pods_need():
    plan = namespace_plan(None, _deploy(HOST), "ns", {"team": "a"})
    assert plan["render"] and not plan["exists"] and plan["errors"] == []
    assert plan["labels"] == {"team": "a", ENFORCE: "privileged", "pod-security.kubernetes.io/audit": "restricted",
                              "pod-security.kubernetes.io/warn": "privileged"}
    assert namespace_plan(None, _deploy(RESTRICTED_POD), "ns", {})["labels"][ENFORCE] == "restricted"


def test_namespace_plan_foreign_namespace_is_used_as_it_is():
    plan = namespace_plan(_ns({}, ()), _deploy(HOST), "ns", {})
    assert not plan["render"] and plan["errors"] == []
    plan = namespace_plan(_ns({ENFORCE: "privileged"}, ("kubectl-label",)), _deploy(HOST), "ns", {})
    assert not plan["render"] and plan["errors"] == []


@pytest.mark.parametrize("enforce", ["restricted", "baseline"])
def test_namespace_plan_foreign_stricter_label_refuses_naming_namespace_label_and_pods(enforce):
    plan = namespace_plan(_ns({ENFORCE: enforce}, ("kubectl-label",)), _deploy(HOST), "ns", {})
    assert plan["errors"] == [
        "namespace ns: label pod-security.kubernetes.io/enforce=%s (set by kubectl-label) refuses pods of this "
        "stack and pdserve never lowers it: Deployment ns/engine needs privileged (hostPath volume weights (/mnt/w))"
        % enforce]


def test_namespace_plan_baseline_namespace_admits_baseline_pods():
    root = with_change("securityContext.runAsNonRoot", None)
    assert namespace_plan(_ns({ENFORCE: "baseline"}, ("x",)), _deploy(root), "ns", {})["errors"] == []
    assert namespace_plan(_ns({ENFORCE: "restricted"}, ("x",)), _deploy(root), "ns", {})["errors"]


def test_namespace_plan_ours_keeps_a_label_someone_else_set_and_sets_its_own():
    mine = namespace_plan(_ns({ENFORCE: "restricted"}, ("pdserve",), ours=True), _deploy(HOST), "ns", {})
    assert mine["render"] and mine["errors"] == [] and mine["labels"][ENFORCE] == "privileged"
    theirs = namespace_plan(_ns({ENFORCE: "restricted"}, ("kubectl-label",), ours=True), _deploy(HOST), "ns", {})
    assert theirs["labels"][ENFORCE] == "restricted" and len(theirs["errors"]) == 1
    fine = namespace_plan(_ns({ENFORCE: "privileged"}, ("kubectl-label",), ours=True),
                          _deploy(RESTRICTED_POD), "ns", {})
    assert fine["errors"] == [] and fine["labels"][ENFORCE] == "privileged"


# --- scale diff ----------------------------------------------------------------------------------

def engine(instances=1, shm="64Gi", image="img:1"):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "union-0", "namespace": "ns", "labels": {"a": "b"}},
            "spec": {"replicas": instances, "template": {"spec": {
                "containers": [{"name": "union", "image": image}],
                "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": shm}}]}}}}


def live_of(rendered):
    live = copy.deepcopy(rendered)
    live["metadata"].update(resourceVersion="7", uid="u", labels=dict(live["metadata"]["labels"], extra="x"))
    live["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log"
    live["spec"]["progressDeadlineSeconds"] = 600
    live["status"] = {"replicas": 1}
    return live


def test_workload_diff_allows_counts_and_server_defaults():
    assert workload_diff([live_of(engine(1))], [engine(3)]) == []
    iss = {"kind": "InferServiceSet", "metadata": {"name": "vllm", "namespace": "ns"},
           "spec": {"replicas": 1, "template": {"roles": [{"name": "union", "replicas": 2}]}}}
    iss4 = copy.deepcopy(iss)
    iss4["spec"]["template"]["roles"][0]["replicas"] = 4
    assert workload_diff([iss], [iss4]) == []


def test_workload_diff_names_every_other_field():
    assert workload_diff([live_of(engine(1))], [engine(2, shm="1Gi", image="img:2")]) == [
        "Deployment ns/union-0: spec.template.spec.containers[union].image: img:1 -> img:2",
        "Deployment ns/union-0: spec.template.spec.volumes[shm].emptyDir.sizeLimit: 64Gi -> 1Gi"]


def test_workload_diff_skips_new_objects_and_configmaps():
    cm = {"kind": "ConfigMap", "metadata": {"name": "motor-config", "namespace": "ns"}, "data": {"a": "1"}}
    cm2 = copy.deepcopy(cm)
    cm2["data"]["a"] = "2"
    other = engine()
    other["metadata"]["name"] = "union-1"
    assert workload_diff([cm], [cm2, other]) == []
