"""cluster_preflight, stack_wait, stack_info and stack_logs against the real sandbox API."""
from __future__ import annotations

import json

from kubernetes import client

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import INSTANCE, INSTANCE_INDEX, NPU_RESOURCE, stack_labels
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import stack_selector
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import Reader
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import cluster_preflight, stack_info, stack_wait

from conftest import wait_until


def deployment(name, ns, npus, selector, replicas=1, component="union", index=None, image="img:1"):
    labels = dict(stack_labels(ns, component))
    if index is not None:
        labels[INSTANCE_INDEX] = str(index)
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {
                         "nodeSelector": selector,
                         "containers": [{"name": "engine", "image": image,
                                         "resources": {"requests": {NPU_RESOURCE: str(npus)},
                                                       "limits": {NPU_RESOURCE: str(npus)}}}]}}}}


def preflight_params(ns, groups, crds=()):
    return {"namespace": ns, "job_id": None, "resource": NPU_RESOURCE, "groups": groups,
            "required_crds": [{"name": c, "hint": "install it"} for c in crds]}


def test_reader_lists_sandbox_nodes_with_npus(api):
    nodes = Reader(api).list("Node", label_selector="accelerator-type=module-a3-16")
    assert nodes and all(n["status"]["allocatable"][NPU_RESOURCE] == "16" for n in nodes)
    assert Reader(api).get("Namespace", "no-such-namespace-x") is None


def test_preflight_passes_and_fails_with_the_pool_named(api, namespace, a3_pool):
    reader = Reader(api)
    pool, _nodes = a3_pool
    ok = cluster_preflight.preflight(reader, preflight_params(
        namespace, [{"name": "union", "selector": pool, "npus_per_pod": 16, "pods": 2}],
        crds=["inferservicesets.mindcluster.huawei.com"]))
    assert ok["errors"] == [] and ok["namespace_exists"]
    bad = cluster_preflight.preflight(reader, preflight_params(
        namespace, [{"name": "union", "selector": pool, "npus_per_pod": 17, "pods": 1}], crds=["nothing.example.com"]))
    assert bad["errors"][0] == "CRD nothing.example.com is not installed: install it"
    assert "node pool accelerator-type=module-a3-16,pdserve.io/test-pool=%s: a union pod needs 17" % namespace \
        in bad["errors"][1], bad["errors"]


def test_preflight_counts_other_pods_but_not_the_stacks_own(api, namespace, a3_pool):
    apps = client.AppsV1Api(api)
    pool, nodes = a3_pool
    # Another tenant takes 15 of 16 NPUs on every node of the pool...
    other = deployment("hog", namespace, 15, pool, replicas=len(nodes))
    other["metadata"]["labels"][INSTANCE] = "someone-else"
    other["spec"]["template"]["metadata"]["labels"][INSTANCE] = "someone-else"
    other["spec"]["selector"]["matchLabels"][INSTANCE] = "someone-else"
    apps.create_namespaced_deployment(namespace, other)
    wait_until(lambda: sorted(p["spec"].get("nodeName") or "" for p in Reader(api).list("Pod", namespace)) == nodes)
    res = cluster_preflight.preflight(Reader(api), preflight_params(
        namespace, [{"name": "union", "selector": pool, "npus_per_pod": 2, "pods": 1}]))
    assert any("most any of its" in e and "has free is 1" in e for e in res["errors"]), res["errors"]
    # ...but pods of the stack itself (its job_id) are not counted: a redeploy replaces them.
    params = preflight_params(namespace, [{"name": "union", "selector": pool, "npus_per_pod": 16, "pods": 1}])
    params["job_id"] = "someone-else"
    assert cluster_preflight.preflight(Reader(api), params)["errors"] == []


def test_stack_wait_ready_and_diagnosis(api, namespace, a3_pool):
    apps = client.AppsV1Api(api)
    pool, _nodes = a3_pool
    apps.create_namespaced_deployment(namespace, deployment("union-0", namespace, 2, pool, index=0))
    reader = Reader(api)
    sel = stack_selector(namespace)
    state = wait_until(lambda: (lambda w, p: (w, p) if stack_wait.is_ready(w, p, 1) else None)(
        *stack_wait.snapshot(reader, namespace, sel)))
    assert state[0][0]["name"] == "union-0"
    # a pod that cannot fit: diagnosis names the scheduler's reason
    apps.create_namespaced_deployment(namespace, deployment("union-1", namespace, 17, pool, index=1))

    def diagnosed():
        w, p = stack_wait.snapshot(reader, namespace, sel)
        lines = stack_wait.diagnose(reader, namespace, w, p, 2, 20)
        done = any("Unschedulable" in ln for ln in lines) and any("union-1: 0/1 pods ready" in ln for ln in lines)
        return lines if done else None

    lines = wait_until(diagnosed)
    assert lines[0] == "1 of 2 expected pods are Ready (2 exist)"
    assert any("Deployment union-1: 0/1 pods ready" in ln for ln in lines), lines
    assert any("Insufficient huawei.com/Ascend910" in ln for ln in lines)


def test_stack_info_reads_objects_roles_and_baseline(api, namespace, a3_pool):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    pool, nodes = a3_pool
    for i in range(2):
        apps.create_namespaced_deployment(namespace, deployment("union-%d" % i, namespace, 2, pool, index=i))
    labels = dict(stack_labels(namespace, "config"), **{"pdserve.io/stack": "pd_hybrid"})
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "motor-config", "labels": labels},
                                                  "data": {"user_config.json": json.dumps({"a": 1}), "env.json": "{}"}})
    reader = Reader(api)

    def two_ready():
        info = stack_info.read_stack(reader, namespace, namespace, ["Deployment", "ConfigMap"], "motor-config")
        union = [r for r in info["roles"] if r["role"] == "union"]
        return info if union and union[0]["ready"] == 2 else None

    info = wait_until(two_ready)
    assert info["baseline"] == {"user_config": {"a": 1}, "env_config": {}}
    kinds = sorted((o["kind"], o["name"]) for o in info["objects"])
    assert kinds == [("ConfigMap", "motor-config"), ("Deployment", "union-0"), ("Deployment", "union-1")]
    cm = [o for o in info["objects"] if o["kind"] == "ConfigMap"][0]
    assert cm["stack"] == "pd_hybrid" and cm["owned"] is False
    assert {p["node"] for p in info["roles"][0]["pods"]} <= set(nodes)


def test_light_client_answers_as_the_kubernetes_client(api, kubeconfig, namespace):
    """module_utils/_kube/light.py against the real API server: the same reads as the kubernetes
    package's client, a write through it seen by the other, errors as statuses."""
    from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import AUTH_ARG_SPEC
    from ansible_collections.pdserve.cluster.plugins.module_utils._kube.light import LightApi

    options = dict.fromkeys(AUTH_ARG_SPEC)
    options["kubeconfig"] = kubeconfig
    light_api = LightApi.from_options(options)
    assert light_api is not None, "the sandbox's kubeconfig (client certificate, CA file) is one the light client reads"
    light, heavy = Reader(light_api), Reader(api)
    assert light.server == heavy.server
    assert sorted(n["metadata"]["uid"] for n in light.list("Node")) == sorted(n["metadata"]["uid"] for n in heavy.list("Node"))
    assert light.get("Namespace", namespace)["metadata"]["uid"] == heavy.get("Namespace", namespace)["metadata"]["uid"]
    assert light.get("ConfigMap", "no-such-map", namespace) is None
    status, body = light.send("POST", "/api/v1/namespaces/%s/configmaps" % namespace,
                              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "light"}, "data": {"k": "v é"}})
    assert status == 201, body
    assert heavy.get("ConfigMap", "light", namespace)["data"] == {"k": "v é"}
    status, body = light.send("POST", "/api/v1/namespaces/%s/configmaps" % namespace,
                              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "light"}})
    assert status == 409 and body["reason"] == "AlreadyExists"
    # one kept-alive connection serves many requests
    for _ in range(5):
        assert light.get("ConfigMap", "light", namespace)["metadata"]["name"] == "light"
