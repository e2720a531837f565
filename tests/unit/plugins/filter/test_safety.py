# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The safety filters the roles' Jinja uses (the rules themselves: test__platform.py, test__node_prepare.py)."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.filter import safety
from ansible_collections.pdserve.cluster.plugins.filter.stack import stale_objects, uninstall_objects


def test_system_path_rule_filter():
    assert safety.system_path_rule("/etc/m").endswith("it is below /etc")
    assert safety.system_path_rule("/data/m") == ""


def test_weight_path_problem_system_rule_then_the_role_lists():
    assert safety.weight_path_problem("/usr/m", ["/home"], ["/var/lib/kubelet"]).endswith("it is below /usr")
    assert safety.weight_path_problem("/home/", ["/home"], []) == "is a dangerous path (one of /home)"
    assert safety.weight_path_problem("/var/lib/kubelet/x", [], ["/var/lib/kubelet"]) == \
        "is below /var/lib/kubelet, a system tree a weight mount must stay out of"
    assert safety.weight_path_problem("/data/w", ["/home"], ["/var/lib/kubelet"]) == ""
    assert safety.weight_path_problem("", ["/"], []) == ""
    assert safety.weight_path_problem("data", ["/"], []) == ""


def test_outside_namespace():
    objects = [{"kind": "Namespace", "metadata": {"name": "ns"}},
               {"kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ns"}},
               {"kind": "Role", "metadata": {"name": "b", "namespace": "kube-system"}},
               {"kind": "ClusterRole", "metadata": {"name": "c"}}]
    assert [o["metadata"]["name"] for o in safety.outside_namespace(objects, "ns")] == ["ns", "b", "c"]


def test_uninstall_and_prune_leave_what_is_not_ours():
    found = [{"kind": "ConfigMap", "apiVersion": "v1", "name": "motor-config", "namespace": "ns", "stack": "pd_hybrid",
              "ours": False},
             {"kind": "Deployment", "apiVersion": "apps/v1", "name": "union-0", "namespace": "ns", "stack": "pd_hybrid",
              "ours": True}]
    assert [o["metadata"]["name"] for o in uninstall_objects(found, purge=True)] == ["union-0"]
    assert [o["metadata"]["name"] for o in stale_objects(found, [], "pd_hybrid")] == ["union-0"]
