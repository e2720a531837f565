#!/usr/bin/env python3
"""TEST-ONLY stand-in for RoleBasedGroup's controller (github.com/sgl-project/rbg) in the sandbox.

RBG's Go module is not served by the module proxy here, so the sandbox runs this small stand-in,
written from RBG's source (read at commit 993491fb; facts only, none of its code): for every
RoleBasedGroup (v1alpha2, or v1alpha1 objects kept as sent: the sandbox has no conversion webhook)

- roles are taken in dependency order (``pkg/dependency``: a dependency must name a role of the
  group, a cycle is an error) and a role's workload is made or updated only when every role it
  depends on is ready (its StatefulSet has ``readyReplicas == spec.replicas``); otherwise the
  reconcile stops there and is tried again, as ``reconcileRoles`` does;
- each role becomes a StatefulSet ``<group>-<role>`` (``GetWorkloadName``; the workload kind of
  the role annotation ``rbg.workloads.x-k8s.io/role-workload-type`` or v1alpha1's ``workload``;
  only StatefulSet is supported here) with the selector labels ``rbg.workloads.x-k8s.io/
  group-name``, ``role-name`` and ``group-uid`` (sha1 of ``<namespace>/<name>``), the role's
  ``labels`` merged into the workload's, the pod template's labels kept, the env ``RBG_GROUP_NAME``
  / ``RBG_ROLE_NAME`` added to every container, Parallel pod management, and a headless Service
  ``s-<group>-<role>`` as its service name;
- workloads of roles no longer declared are deleted; owner references let garbage collection
  remove the rest with the group;
- ``status.roleStatuses`` (replicas, readyReplicas, updatedReplicas) and a ``Ready`` condition.

Not done here (RBG does them): rolling-update strategies, restart policies, gang scheduling,
scaling adapters, LeaderWorkerSet / RoleInstanceSet / Deployment workloads, discovery ConfigMaps.
"""
from __future__ import annotations

import copy
import datetime
import hashlib
import json
import logging
import os
import sys

from kubernetes import client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _controller  # noqa: E402  (tools/sandbox/_controller.py, beside this script)
from kubernetes.client.rest import ApiException

GROUP, VERSION, PLURAL = "workloads.x-k8s.io", "v1alpha2", "rolebasedgroups"
PREFIX = "rbg.workloads.x-k8s.io/"
GROUP_LABEL, ROLE_LABEL, UID_LABEL = PREFIX + "group-name", PREFIX + "role-name", PREFIX + "group-uid"
WORKLOAD_TYPE = PREFIX + "role-workload-type"
MANAGER = "sandbox-rbg-controller-standin"
LOG = logging.getLogger("rbg-controller-standin")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _name(*parts: str) -> str:
    return "-".join(parts)[:63].rstrip("-")


def dependency_order(roles: list[dict]) -> list[dict]:
    """The roles sorted so that every role comes after its dependencies (ValueError on an unknown
    dependency or a cycle)."""
    by_name = {r["name"]: r for r in roles}
    order: list[dict] = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise ValueError("cycle detected for role '%s' (%s)" % (name, " -> ".join(path + [name])))
        state[name] = 1
        for dep in by_name[name].get("dependencies") or []:
            if dep not in by_name:
                raise ValueError("role [%s] with dependency role [%s] not found in rbg" % (name, dep))
            visit(dep, path + [name])
        state[name] = 2
        order.append(by_name[name])

    for role in sorted(by_name):
        visit(role, [])
    return order


def role_template(role: dict) -> dict:
    if "standalonePattern" in role:
        return copy.deepcopy((role["standalonePattern"] or {}).get("template") or {})
    return copy.deepcopy(role.get("template") or {})


def role_kind(role: dict) -> str:
    wt = (role.get("annotations") or {}).get(WORKLOAD_TYPE)
    if wt:
        return wt
    wl = role.get("workload")
    if wl:
        return "%s/%s" % (wl.get("apiVersion"), wl.get("kind"))
    return "workloads.x-k8s.io/v1alpha2/RoleInstanceSet"


def owner_ref(rbg: dict) -> dict:
    meta = rbg["metadata"]
    return {"apiVersion": "%s/%s" % (GROUP, VERSION), "kind": "RoleBasedGroup", "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}


def desired(rbg: dict, role: dict) -> list[dict]:
    """The StatefulSet and headless Service of one role."""
    meta = rbg["metadata"]
    name, ns = meta["name"], meta["namespace"]
    common = {GROUP_LABEL: name, ROLE_LABEL: role["name"],
              UID_LABEL: hashlib.sha1(("%s/%s" % (ns, name)).encode()).hexdigest()}
    template = role_template(role)
    tmeta = template.setdefault("metadata", {})
    tmeta["labels"] = dict(tmeta.get("labels") or {}, **common)
    env = [{"name": "RBG_GROUP_NAME", "value": name}, {"name": "RBG_ROLE_NAME", "value": role["name"]}]
    for container in (template.setdefault("spec", {}).get("containers") or []):
        known = {e["name"] for e in env}
        container["env"] = env + [e for e in container.get("env") or [] if e["name"] not in known]
    svc_name = _name("s", name, role["name"])
    sts = {
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": _name(name, role["name"]), "namespace": ns,
                     "labels": dict(role.get("labels") or {}, **common), "ownerReferences": [owner_ref(rbg)]},
        "spec": {"replicas": role.get("replicas", 1), "serviceName": svc_name, "podManagementPolicy": "Parallel",
                 "selector": {"matchLabels": common}, "template": template,
                 "minReadySeconds": role.get("minReadySeconds", 0)},
    }
    svc = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": svc_name, "namespace": ns, "labels": dict(common), "ownerReferences": [owner_ref(rbg)]},
        "spec": {"clusterIP": "None", "publishNotReadyAddresses": True, "selector": common},
    }
    return [sts, svc]


class Controller(_controller.Controller):
    def __init__(self) -> None:
        super().__init__()

    def apply(self, obj: dict) -> None:
        kind = obj["kind"]
        path = ("/apis/apps/v1/namespaces/{ns}/statefulsets/{name}" if kind == "StatefulSet"
                else "/api/v1/namespaces/{ns}/services/{name}").format(
            ns=obj["metadata"]["namespace"], name=obj["metadata"]["name"])
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

    def statefulsets(self, ns: str, name: str) -> dict:
        return {s.metadata.labels.get(ROLE_LABEL): s
                for s in self.apps.list_namespaced_stateful_set(ns, label_selector="%s=%s" % (GROUP_LABEL, name)).items}

    @staticmethod
    def ready(sts) -> bool:
        return sts is not None and (sts.status.ready_replicas or 0) == (sts.spec.replicas or 0) \
            and sts.status.observed_generation == sts.metadata.generation

    def reconcile(self, ns: str, name: str) -> None:
        try:
            rbg = self.custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name)
        except ApiException as exc:
            if exc.status == 404:
                return
            raise
        if rbg["metadata"].get("deletionTimestamp"):
            return
        roles = rbg["spec"].get("roles") or []
        message = ""
        try:
            order = dependency_order(roles)
        except ValueError as exc:
            order, message = [], "InvalidRoleDependency: %s" % exc
        current = self.statefulsets(ns, name)
        for role in order:
            kind = role_kind(role)
            if kind != "apps/v1/StatefulSet":
                message = "the sandbox stand-in makes StatefulSets only, role %s asks for %s" % (role["name"], kind)
                break
            waiting = [d for d in role.get("dependencies") or [] if not self.ready(current.get(d))]
            if waiting:
                message = "dependencies not met for role '%s': %s" % (role["name"], ", ".join(waiting))
                break
            for obj in desired(rbg, role):
                self.apply(obj)
            current = self.statefulsets(ns, name)
        declared = {r["name"] for r in roles}
        for role_name, sts in current.items():
            if role_name not in declared:
                LOG.info("deleting StatefulSet %s/%s (role %s no longer declared)", ns, sts.metadata.name, role_name)
                try:
                    self.apps.delete_namespaced_stateful_set(sts.metadata.name, ns, propagation_policy="Background")
                except ApiException as exc:
                    if exc.status != 404:
                        raise
        self.update_status(rbg, self.statefulsets(ns, name), message)
        if message:
            LOG.info("%s/%s: %s", ns, name, message)

    def update_status(self, rbg: dict, current: dict, message: str) -> None:
        ns, name = rbg["metadata"]["namespace"], rbg["metadata"]["name"]
        statuses = []
        for role in rbg["spec"].get("roles") or []:
            sts = current.get(role["name"])
            statuses.append({"name": role["name"], "replicas": (sts.status.replicas or 0) if sts else 0,
                             "readyReplicas": (sts.status.ready_replicas or 0) if sts else 0,
                             "updatedReplicas": (sts.status.updated_replicas or 0) if sts else 0})
        ready = not message and all(self.ready(current.get(r["name"])) and
                                    (current[r["name"]].spec.replicas == r.get("replicas", 1))
                                    for r in rbg["spec"].get("roles") or [])
        word = "True" if ready else "False"
        old = rbg.get("status") or {}
        old_cond = next((c for c in old.get("conditions") or [] if c.get("type") == "Ready"), {})
        status = {
            "observedGeneration": rbg["metadata"]["generation"],
            "roleStatuses": statuses,
            "conditions": [{
                "type": "Ready", "status": word, "reason": "AllRolesReady" if ready else "RolesNotReady",
                "message": message or ", ".join("%s %d/%d" % (s["name"], s["readyReplicas"], s["replicas"])
                                                for s in statuses),
                "lastTransitionTime": old_cond.get("lastTransitionTime") if old_cond.get("status") == word else _now(),
            }],
        }
        if old != status:
            self.custom.patch_namespaced_custom_object_status(GROUP, VERSION, ns, PLURAL, name, {"status": status})


def _watches(ctl):
    def by_label(obj):
        return obj.metadata.namespace, obj.metadata.labels[GROUP_LABEL]

    def by_name(obj):
        return obj["metadata"]["namespace"], obj["metadata"]["name"]

    return [("RoleBasedGroup", by_name, ctl.custom.list_cluster_custom_object, (GROUP, VERSION, PLURAL), {}),
            ("StatefulSet", by_label, ctl.apps.list_stateful_set_for_all_namespaces, (), {"label_selector": GROUP_LABEL})]


if __name__ == "__main__":
    sys.exit(_controller.main(Controller, _watches, "watching RoleBasedGroups (TEST-ONLY stand-in)"))
