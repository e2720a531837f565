#!/usr/bin/env python3
"""A small InferServiceSet controller for the sandbox.

MindCluster's operator is not open to build here, so the sandbox runs this stand-in, written
from the documented behaviour (shared/reference/facts.md): for every role of an
InferServiceSet and every instance index below the role's ``replicas`` it keeps one workload
(Deployment or StatefulSet) named ``<iss>-<service-index>-<role>-<instance>`` whose pods carry
the ``infer.huawei.com/*`` labels and the ``INSTANCE_INDEX`` / ``INSTANCE_ROLE`` /
``INFER_SERVICE_INDEX`` / ``INFER_SERVICE_NAME`` env; one Service per declared service named
``<service>-<iss>-<service-index>-<role>``; removes the workloads of instances scaled away
(highest index first) and of roles no longer declared; and reports ``status`` (replicas,
readyReplicas, per-role counts, a Ready condition). Owner references make deletion of the
InferServiceSet remove everything it made.

It is a developer tool: the collection never needs it on a real cluster.
"""
from __future__ import annotations

import copy
import datetime
import json
import logging
import os
import sys

from kubernetes import client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _controller  # noqa: E402  (tools/sandbox/_controller.py, beside this script)
from kubernetes.client.rest import ApiException

GROUP, VERSION, PLURAL = "mindcluster.huawei.com", "v1", "inferservicesets"
MANAGER = "sandbox-iss-controller"
LABEL = "infer.huawei.com/"
LOG = logging.getLogger("iss-controller")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def owner_ref(iss: dict) -> dict:
    meta = iss["metadata"]
    return {
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "InferServiceSet", "name": meta["name"],
        "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True,
    }


def desired_objects(iss: dict) -> list[dict]:
    """Every workload and Service the InferServiceSet asks for."""
    meta = iss["metadata"]
    name, ns = meta["name"], meta["namespace"]
    out = []
    for svc_index in range(iss["spec"].get("replicas", 1)):
        service_name = f"{name}-{svc_index}"
        for role in iss["spec"]["template"]["roles"]:
            rname = role["name"]
            workload = role.get("workload") or {"apiVersion": "apps/v1", "kind": "Deployment"}
            role_meta = role.get("metadata") or {}
            for inst in range(role.get("replicas", 1)):
                labels = {
                    LABEL + "inferserviceset-name": name,
                    LABEL + "inferservice-name": service_name,
                    LABEL + "inferservice-index": str(svc_index),
                    LABEL + "instanceset-name": f"{service_name}-{rname}",
                    LABEL + "instanceset-index": str(inst),
                    LABEL + "role-name": rname,
                }
                spec = copy.deepcopy(role["spec"])
                tmpl = spec.setdefault("template", {})
                tmeta = tmpl.setdefault("metadata", {})
                tmeta["labels"] = {**(tmeta.get("labels") or {}), **labels}
                spec["selector"] = {"matchLabels": labels}
                env = [
                    {"name": "INSTANCE_INDEX", "value": str(inst)},
                    {"name": "INSTANCE_ROLE", "value": rname},
                    {"name": "INFER_SERVICE_INDEX", "value": str(svc_index)},
                    {"name": "INFER_SERVICE_NAME", "value": service_name},
                ]
                for c in tmpl.get("spec", {}).get("containers", []):
                    known = {e["name"] for e in env}
                    c["env"] = env + [e for e in c.get("env", []) if e["name"] not in known]
                if workload["kind"] == "StatefulSet":
                    spec.setdefault("serviceName", f"{service_name}-{rname}-{inst}")
                out.append({
                    "apiVersion": workload["apiVersion"], "kind": workload["kind"],
                    "metadata": {
                        "name": f"{service_name}-{rname}-{inst}", "namespace": ns,
                        "labels": {**(role_meta.get("labels") or {}), **labels},
                        "annotations": role_meta.get("annotations") or {},
                        "ownerReferences": [owner_ref(iss)],
                    },
                    "spec": spec,
                })
            for svc in role.get("services") or []:
                smeta = svc.get("metadata") or {}
                sspec = copy.deepcopy(svc["spec"])
                sspec.setdefault("selector", {
                    LABEL + "inferserviceset-name": name, LABEL + "role-name": rname,
                    LABEL + "inferservice-index": str(svc_index),
                })
                out.append({
                    "apiVersion": "v1", "kind": "Service",
                    "metadata": {
                        "name": f"{svc['name']}-{service_name}-{rname}", "namespace": ns,
                        "labels": {**(smeta.get("labels") or {}), LABEL + "inferserviceset-name": name,
                                   LABEL + "role-name": rname},
                        "annotations": smeta.get("annotations") or {},
                        "ownerReferences": [owner_ref(iss)],
                    },
                    "spec": sspec,
                })
    return out


class Controller(_controller.Controller):
    def __init__(self) -> None:
        super().__init__()
        self.dynamic_paths = {
            "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments/{name}",
            "StatefulSet": "/apis/apps/v1/namespaces/{ns}/statefulsets/{name}",
            "Service": "/api/v1/namespaces/{ns}/services/{name}",
        }

    def apply(self, obj: dict) -> None:
        """Server-side apply of one object (JSON is YAML), with either generation of the client."""
        path = self.dynamic_paths[obj["kind"]].format(ns=obj["metadata"]["namespace"], name=obj["metadata"]["name"])
        query = [("fieldManager", MANAGER), ("force", "true")]
        headers = {"Content-Type": "application/apply-patch+yaml", "Accept": "application/json"}
        body = json.dumps(obj)
        if hasattr(self.api, "param_serialize"):
            response = self.api.call_api(*self.api.param_serialize(
                "PATCH", path, query_params=query, header_params=headers, body=body, auth_settings=["BearerToken"]))
            if not 200 <= response.status < 300:
                raise ApiException(status=response.status, reason=response.read()[:300])
        else:
            self.api.call_api(path, "PATCH", body=body, query_params=query, header_params=headers,
                              auth_settings=["BearerToken"], _preload_content=False)

    def owned(self, ns: str, name: str) -> list[tuple[str, str, dict]]:
        sel = f"{LABEL}inferserviceset-name={name}"
        found = []
        for kind, lister in (("Deployment", self.apps.list_namespaced_deployment),
                             ("StatefulSet", self.apps.list_namespaced_stateful_set),
                             ("Service", self.core.list_namespaced_service)):
            for item in lister(ns, label_selector=sel).items:
                found.append((kind, item.metadata.name, item))
        return found

    def reconcile(self, ns: str, name: str) -> None:
        try:
            iss = self.custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name)
        except ApiException as exc:
            if exc.status == 404:
                return  # garbage collection removes what it owned
            raise
        if iss["metadata"].get("deletionTimestamp"):
            return
        want = desired_objects(iss)
        wanted = {(o["kind"], o["metadata"]["name"]) for o in want}
        for obj in want:
            self.apply(obj)
        stale = [(k, n) for k, n, _ in self.owned(ns, name) if (k, n) not in wanted]
        # Scale in from the highest instance index down, like the operator does.
        stale.sort(key=lambda kn: kn[1], reverse=True)
        for kind, obj_name in stale:
            LOG.info("deleting %s %s/%s", kind, ns, obj_name)
            deleter = {"Deployment": self.apps.delete_namespaced_deployment,
                       "StatefulSet": self.apps.delete_namespaced_stateful_set,
                       "Service": self.core.delete_namespaced_service}[kind]
            try:
                deleter(obj_name, ns, propagation_policy="Background")
            except ApiException as exc:
                if exc.status != 404:
                    raise
        self.update_status(iss)

    def update_status(self, iss: dict) -> None:
        ns, name = iss["metadata"]["namespace"], iss["metadata"]["name"]
        ready_by_role: dict[str, int] = {}
        for kind, _, item in self.owned(ns, name):
            if kind == "Service":
                continue
            role = item.metadata.labels.get(LABEL + "role-name")
            want = item.spec.replicas if item.spec.replicas is not None else 1
            ok = (item.status.ready_replicas or 0) >= want and item.status.observed_generation == item.metadata.generation
            ready_by_role[role] = ready_by_role.get(role, 0) + (1 if ok else 0)
        roles = [{"name": r["name"], "replicas": r.get("replicas", 1), "readyReplicas": ready_by_role.get(r["name"], 0)}
                 for r in iss["spec"]["template"]["roles"]]
        all_ready = all(r["readyReplicas"] >= r["replicas"] for r in roles)
        old = iss.get("status") or {}
        old_cond = next((c for c in old.get("conditions", []) if c.get("type") == "Ready"), {})
        status_word = "True" if all_ready else "False"
        status = {
            "observedGeneration": iss["metadata"]["generation"],
            "replicas": iss["spec"].get("replicas", 1),
            "readyReplicas": iss["spec"].get("replicas", 1) if all_ready else 0,
            "roles": roles,
            "conditions": [{
                "type": "Ready", "status": status_word,
                "reason": "AllInstancesReady" if all_ready else "InstancesNotReady",
                "message": ", ".join(f"{r['name']} {r['readyReplicas']}/{r['replicas']}" for r in roles),
                "lastTransitionTime": old_cond.get("lastTransitionTime") if old_cond.get("status") == status_word else _now(),
            }],
        }
        if {k: v for k, v in old.items()} == status:
            return
        self.custom.patch_namespaced_custom_object_status(GROUP, VERSION, ns, PLURAL, name, {"status": status})


def _watches(ctl):
    owned = LABEL + "inferserviceset-name"

    def by_label(obj):
        return obj.metadata.namespace, obj.metadata.labels[owned]

    def by_name(obj):
        return obj["metadata"]["namespace"], obj["metadata"]["name"]

    return [("InferServiceSet", by_name, ctl.custom.list_cluster_custom_object, (GROUP, VERSION, PLURAL), {}),
            ("Deployment", by_label, ctl.apps.list_deployment_for_all_namespaces, (), {"label_selector": owned}),
            ("StatefulSet", by_label, ctl.apps.list_stateful_set_for_all_namespaces, (), {"label_selector": owned})]


if __name__ == "__main__":
    sys.exit(_controller.main(Controller, _watches, "watching InferServiceSets"))
