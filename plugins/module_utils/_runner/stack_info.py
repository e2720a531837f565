# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.stack_info module (private: not a public API).

Everything a pdserve stack has in the cluster, found by label, in one read.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

import json


from ansible_collections.pdserve.cluster.plugins.module_utils._kube.capacity import node_schedulable
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    COMPONENT,
    INSTANCE_INDEX,
    KTHENA_GROUP_LABEL,
    KTHENA_ROLE_ID_LABEL,
    STACK_LABEL,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import instance_index, stack_selector
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.waiter import pod_problem, pod_ready
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.ownership import foreign_objects, is_ours, managers
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import kube_argument_spec
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import (
    auth_argument_spec, NAMESPACED, PATHS, Reader)

ISS_INDEX = "infer.huawei.com/instanceset-index"
#: The ordinal of a StatefulSet's pod (a RoleBasedGroup role's pods: one instance each).
POD_INDEX = "apps.kubernetes.io/pod-index"
# Namespace of the Ascend device plugin's ConfigMaps, where a MindIE-PyMotor stack grants its
# controller read access (module_utils/_pymotor_contract.py rbac()).
DEVICE_INFO_NAMESPACE = "kube-system"
ROLE_ORDER = {"etcd": 0, "nats": 0, "controller": 0, "coordinator": 1, "processor": 1, "union": 2, "prefill": 3,
              "decode": 4}
#: ConfigMap keys read as the deployed baseline: key -> result key.
BASELINE_KEYS = (("user_config.json", "user_config"), ("env.json", "env_config"), ("pdserve-input.json", "input"))


def _labels(obj):
    return (obj.get("metadata") or {}).get("labels") or {}


def instance_of(obj):
    labels = _labels(obj)
    for key in (INSTANCE_INDEX, ISS_INDEX, POD_INDEX):
        if labels.get(key, "").isdigit():
            return int(labels[key])
    if labels.get(KTHENA_GROUP_LABEL) and labels.get(KTHENA_ROLE_ID_LABEL):
        # a Kthena pod: its serving group and the role replica in it (deepseek-pd-0/prefill-1)
        return "%s/%s" % (labels[KTHENA_GROUP_LABEL], labels[KTHENA_ROLE_ID_LABEL])
    return 0


def summarise_roles(objects, pods):
    """Per component: desired instances (ISS role replicas, else workloads), ready instances."""
    roles = {}
    for obj in objects:
        if obj["kind"] == "InferServiceSet":
            for role in obj["spec"]["template"]["roles"]:
                # a role's pods carry its name as component label (kv-pool -> kv_pool)
                name = (((role.get("metadata") or {}).get("labels") or {}).get(COMPONENT)
                        or role["name"])
                roles.setdefault(name, {"desired": 0, "pods_per_instance": 1})
                roles[name]["desired"] += role.get("replicas", 1) * (obj["spec"].get("replicas", 1))
                roles[name]["pods_per_instance"] = (role.get("spec") or {}).get("replicas", 1)
        elif obj["kind"] == "RoleBasedGroup":
            # each replica of a role is one instance of one pod (a StatefulSet per role)
            for role in (obj.get("spec") or {}).get("roles") or []:
                name = (role.get("labels") or {}).get(COMPONENT) or role["name"]
                roles.setdefault(name, {"desired": 0, "pods_per_instance": 1})
                roles[name]["desired"] += role.get("replicas", 1)
        elif obj["kind"] == "ModelServing":
            for role in obj["spec"]["template"]["roles"]:
                labels = ((role.get("entryTemplate") or {}).get("metadata") or {}).get("labels") or {}
                name = labels.get(COMPONENT) or role["name"]
                roles.setdefault(name, {"desired": 0, "pods_per_instance": 1})
                roles[name]["desired"] += role.get("replicas", 1) * (obj["spec"].get("replicas", 1))
                roles[name]["pods_per_instance"] = 1 + (role.get("workerReplicas") or 0)
    iss_roles = set(roles)
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet"):
            comp = _labels(obj).get(COMPONENT)
            if not comp or comp in iss_roles:
                continue
            entry = roles.setdefault(comp, {"desired": 0, "pods_per_instance": 1})
            entry["desired"] += 1
            entry["pods_per_instance"] = (obj.get("spec") or {}).get("replicas", 1)
    table = []
    for name in sorted(set(roles) | {_labels(p).get(COMPONENT) for p in pods} - {None},
                       key=lambda n: (ROLE_ORDER.get(n, 9), n)):
        entry = roles.get(name, {"desired": 0, "pods_per_instance": 1})
        mine = [p for p in pods if _labels(p).get(COMPONENT) == name]
        by_instance = {}
        for pod in mine:
            by_instance.setdefault(instance_of(pod), []).append(pod)
        ready = sum(1 for group in by_instance.values()
                    if len([p for p in group if pod_ready(p)]) >= entry["pods_per_instance"])
        table.append({
            "role": name,
            "desired": entry["desired"],
            "ready": ready,
            "pods_per_instance": entry["pods_per_instance"],
            "pods": [{
                "name": p["metadata"]["name"],
                "instance": instance_of(p),
                "node": (p.get("spec") or {}).get("nodeName"),
                "ip": (p.get("status") or {}).get("podIP"),
                "phase": (p.get("status") or {}).get("phase"),
                "ready": pod_ready(p),
                "restarts": sum(cs.get("restartCount", 0) for cs in (p.get("status") or {}).get("containerStatuses") or []),
                "problem": " ".join(x for x in pod_problem(p) if x),
            } for p in sorted(mine, key=lambda p: (instance_of(p), p["metadata"]["name"]))],
        })
    return table


def find_endpoint(objects, nodes, pods):
    # The inference NodePort first (port named infer); the observability NodePorts come after.
    objects = sorted(objects, key=lambda o: 0 if any(
        p.get("name") == "infer" for p in (o.get("spec") or {}).get("ports") or []) else 1)
    for svc in objects:
        spec = svc.get("spec") or {}
        if svc["kind"] != "Service" or spec.get("type") != "NodePort":
            continue
        for port in spec.get("ports") or []:
            if port.get("nodePort"):
                # Prefer a node running a coordinator pod, else any Ready node.
                hosts = [(p.get("status") or {}).get("hostIP") for p in pods
                         if _labels(p).get(COMPONENT) == "coordinator" and (p.get("status") or {}).get("hostIP")]
                if not hosts:
                    hosts = [a["address"] for n in nodes if node_schedulable(n)[0]
                             for a in (n.get("status") or {}).get("addresses") or [] if a.get("type") == "InternalIP"]
                host = hosts[0] if hosts else None
                return {"service": svc["metadata"]["name"], "host": host, "node_port": port["nodePort"],
                        "port": port.get("port"), "url": "http://%s:%s" % (host, port["nodePort"]) if host else None}
    return {}


#: What the cluster makes in every namespace: not "foreign" to a purge.
CLUSTER_MADE = (("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt"))


def read_stack(reader, namespace, job_id, kinds, config_map, foreign=False):
    selector = stack_selector(job_id)
    ns_obj = reader.get("Namespace", namespace)
    namespace_exists = ns_obj is not None
    objects = []
    for kind in kinds:
        if kind not in PATHS:
            raise ValueError("unknown kind %s" % kind)
        if kind in NAMESPACED and not namespace_exists:
            continue
        for obj in reader.list(kind, namespace if kind in NAMESPACED else None, label_selector=selector):
            objects.append(obj)
        if kind in ("Role", "RoleBinding") and namespace != DEVICE_INFO_NAMESPACE:
            # the controller's read access to the device plugin's ConfigMaps lives there
            objects += reader.list(kind, DEVICE_INFO_NAMESPACE, label_selector=selector)
    pods = reader.list("Pod", namespace, label_selector=selector) if namespace_exists else []
    baseline = {}
    cm = reader.get("ConfigMap", config_map, namespace) if namespace_exists else None
    if cm:
        data = cm.get("data") or {}
        for key, out in BASELINE_KEYS:
            if key in data:
                try:
                    baseline[out] = json.loads(data[key])
                except ValueError as exc:
                    raise ValueError("ConfigMap %s/%s: %s is not valid JSON: %s" % (namespace, config_map, key, exc))
    nodes = reader.list("Node") if any(o["kind"] == "Service" for o in objects) else []
    return {
        "namespace_exists": namespace_exists,
        "namespace_ours": bool(ns_obj) and is_ours(ns_obj),
        "objects": [{
            "kind": o["kind"], "apiVersion": o["apiVersion"], "name": o["metadata"]["name"],
            "namespace": o["metadata"].get("namespace"), "component": _labels(o).get(COMPONENT),
            "instance_index": instance_index(o), "stack": _labels(o).get(STACK_LABEL),
            "owned": bool((o.get("metadata") or {}).get("ownerReferences")),
            "ours": is_ours(o), "managers": managers(o),
            "resourceVersion": (o.get("metadata") or {}).get("resourceVersion"),
        } for o in objects],
        "foreign": foreign_objects(
            [o for kind in kinds if kind in NAMESPACED for o in reader.list(kind, namespace)], CLUSTER_MADE)
        if foreign and namespace_exists else [],
        "roles": summarise_roles(objects, pods),
        "endpoint": find_endpoint(objects, nodes, pods),
        "baseline": baseline,
    }


def ARGUMENT_SPEC():
    return kube_argument_spec(
        auth_argument_spec(),
        kinds=dict(type="list", elements="str", default=[
            "InferServiceSet", "ModelServing", "RoleBasedGroup", "Deployment", "StatefulSet", "Service", "ConfigMap",
            "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "Secret", "PersistentVolumeClaim",
            "PersistentVolume"]),
        config_map=dict(type="str", default="motor-config"),
        foreign=dict(type="bool", default=False),
    )


def execute(params, check_mode=False):
    try:
        reader = Reader.from_params(params, connect_budget=30.0)
        result = read_stack(reader, params["namespace"], params["job_id"] or params["namespace"],
                            params["kinds"], params["config_map"], params["foreign"])
    except Exception as exc:
        return dict(failed=True, changed=False, msg="could not read stack %s: %s" % (params["namespace"], exc))
    result["changed"] = False
    result["api_server"] = reader.server
    return result
