# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""stack_guard's decision on objects already read (its API reads run in molecule safety)."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_guard

OURS = {"app.kubernetes.io/managed-by": "pdserve"}
HOSTPATH_DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "union-0", "namespace": "ns"},
                   "spec": {"replicas": 1, "template": {"spec": {
                       "containers": [{"name": "union", "image": "i:1"}],
                       "volumes": [{"name": "weights", "hostPath": {"path": "/mnt/w"}}]}}}}


def params(**kw):
    out = {"namespace": "ns", "objects": [HOSTPATH_DEPLOY], "extra": [], "labels": {"l": "v"}, "adopt": False,
           "scale": False}
    out.update(kw)
    return out


def foreign_cm():
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "motor-config", "namespace": "ns", "resourceVersion": "5",
                         "managedFields": [{"manager": "kubectl-create"}]}}


def test_guard_refuses_foreign_objects_unless_adopt():
    ns = {"kind": "Namespace", "metadata": {"name": "ns", "labels": {}}}
    result = stack_guard.guard(ns, [foreign_cm()], params())
    assert result["failed"] and result["errors"] == [
        "ConfigMap ns/motor-config exists and is not ours (managed-by label <none>, field managers kubectl-create): "
        "pdserve would take it over; remove or rename it, or set pdserve_adopt: true to adopt it"]
    assert result["msg"].startswith("refused before any write (1 problem(s)): ConfigMap ns/motor-config")
    assert result["live"] == [{"kind": "ConfigMap", "namespace": "ns", "name": "motor-config", "resourceVersion": "5",
                               "ours": False, "managers": ["kubectl-create"]}]
    adopted = stack_guard.guard(ns, [foreign_cm()], params(adopt=True))
    assert "failed" not in adopted and adopted["namespace"]["render"] is False


def test_guard_lists_every_problem_at_once():
    ns = {"kind": "Namespace", "metadata": {"name": "ns", "labels": {"pod-security.kubernetes.io/enforce": "baseline"},
                                            "managedFields": [{"manager": "kubectl-label"}]}}
    live = dict(HOSTPATH_DEPLOY, metadata=dict(HOSTPATH_DEPLOY["metadata"], labels=OURS,
                                               managedFields=[{"manager": "pdserve"}]))
    rendered = dict(HOSTPATH_DEPLOY, spec=dict(HOSTPATH_DEPLOY["spec"], template={"spec": dict(
        HOSTPATH_DEPLOY["spec"]["template"]["spec"], containers=[{"name": "union", "image": "i:2"}])}))
    result = stack_guard.guard(ns, [foreign_cm(), live], params(objects=[rendered], scale=True))
    assert len(result["errors"]) == 3
    assert result["errors"][1].startswith("namespace ns: label pod-security.kubernetes.io/enforce=baseline")
    assert result["errors"][2] == ("Deployment ns/union-0: spec.template.spec.containers[union].image: i:1 -> i:2 "
                                   "differs from the deployed stack; a scale may change only the instance counts")


def test_guard_check_mode_on_a_new_namespace_reports_what_it_would_make():
    cluster_role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "cr"}}
    result = stack_guard.guard(None, [], params(objects=[HOSTPATH_DEPLOY, cluster_role]), check_mode=True, diff=True)
    assert result["changed"] and result["new_in_namespace"] == ["Deployment union-0"]
    assert result["diff"][0]["before"] == {} and result["diff"][0]["after"] == HOSTPATH_DEPLOY
    assert "namespace ns does not exist yet" in result["diff"][0]["before_header"]
    assert result["namespace"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert stack_guard.guard(None, [], params(), check_mode=False)["changed"] is False


def test_rest_path_known_and_other_kinds():
    assert stack_guard.rest_path({"kind": "ConfigMap", "metadata": {"name": "a", "namespace": "n"}}) == \
        "/api/v1/namespaces/n/configmaps/a"
    assert stack_guard.rest_path({"kind": "ClusterRole", "metadata": {"name": "a"}}) == \
        "/apis/rbac.authorization.k8s.io/v1/clusterroles/a"
    assert stack_guard.rest_path({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                  "metadata": {"name": "p", "namespace": "n"}}) == \
        "/apis/policy/v1/namespaces/n/poddisruptionbudgets/p"
    assert stack_guard.rest_path({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "e", "namespace": "n"}}) == \
        "/api/v1/namespaces/n/endpoints/e"
    assert stack_guard.rest_path({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                                  "metadata": {"name": "i", "namespace": "n"}}) == \
        "/apis/networking.k8s.io/v1/namespaces/n/ingresses/i"
