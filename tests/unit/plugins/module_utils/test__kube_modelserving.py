# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Kthena's ModelServing in the shared Kubernetes code: readiness (Kthena's status fields,
pkg/apis/workload/v1alpha1 of kthena v1.0.0), the pod templates Pod Security judges, the roles
status summarises from the ModelServing and the pods Kthena labels."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.pod_security import pod_templates, required_level
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.waiter import workload_ready
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.stack_info import instance_of, summarise_roles


def _role(name, count):
    return {"name": name, "replicas": count, "workerReplicas": 0,
            "entryTemplate": {"metadata": {"labels": {"app.kubernetes.io/component": name}},
                              "spec": {"containers": [{"name": name, "image": "x"}],
                                       "volumes": [{"name": "m", "hostPath": {"path": "/models"}}]}}}


def _ms(replicas=1, available=None, generation=2, observed=2, prefill=1):
    role = _role
    status = {"observedGeneration": observed}
    if available is not None:
        status["availableReplicas"] = available
    return {"kind": "ModelServing", "metadata": {"name": "ms", "namespace": "ns", "generation": generation},
            "spec": {"replicas": replicas, "template": {"roles": [role("prefill", prefill), role("decode", 1)]}},
            "status": status}


def test_model_serving_ready_when_every_serving_group_is_available():
    assert workload_ready(_ms(replicas=2, available=2)) == (True, "2/2 serving groups ready")
    assert workload_ready(_ms(replicas=2, available=1))[0] is False
    assert workload_ready(_ms(replicas=1))[0] is False
    assert workload_ready(_ms(available=1, generation=3, observed=2))[0] is False


def test_pod_security_sees_each_roles_entry_template():
    where = [w for w, _spec in pod_templates([_ms()])]
    assert len(where) == 2 and all("entryTemplate" in w for w in where)
    assert required_level([_ms()])[0] == "privileged"


def _pod(role, group="ms-0", index=0, ready=True):
    return {"metadata": {"name": "%s-%s-%d-0" % (group, role, index),
                         "labels": {"app.kubernetes.io/component": role, "modelserving.volcano.sh/group-name": group,
                                    "modelserving.volcano.sh/role-id": "%s-%d" % (role, index)}},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
            "spec": {}}


def test_status_counts_the_roles_of_a_model_serving_pod_by_pod():
    pods = [_pod("prefill", index=0), _pod("prefill", index=1, ready=False), _pod("decode")]
    table = {r["role"]: r for r in summarise_roles([_ms(replicas=2, prefill=2)], pods)}
    assert (table["prefill"]["desired"], table["prefill"]["ready"]) == (4, 1)
    assert (table["decode"]["desired"], table["decode"]["ready"]) == (2, 1)
    assert instance_of(pods[1]) == "ms-0/prefill-1"
