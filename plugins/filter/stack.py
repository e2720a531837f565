# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Filters the stack roles use between the validated config, the templates and the API."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: stack
short_description: Helpers between the validated configuration and the Kubernetes objects of a stack
version_added: 0.1.0
description:
  - C(capacity_groups) turns C(validate_config)'s derived values into the pod groups C(cluster_preflight) checks.
  - C(expected_pods) counts the pods a stack runs when Ready.
  - C(stale_objects) picks the objects a stack made earlier and no longer renders, highest instance first.
  - C(to_manifests) writes objects as one multi-document YAML text, in a stable order.
  - C(pymotor_cert_dns_names) lists the Service names of the controller and coordinator, for their certificates.
  - C(pymotor_default) returns one default of the MindIE-PyMotor pod settings (C(image_pull_policy),
    C(seccomp_profile), C(upstream_scripts_dir), ...), for the role defaults that expose them.
  - C(motor_pod_probes) tells whether a MindIE Motor pod gets its probes (TLS removes the controller's and
    coordinator's unless the role keeps them).
  - C(pymotor_contract) computes the MindIE-PyMotor pod contract (entry points, environment, Services,
    probes, resources, security context, RBAC) from C(validate_config)'s result and the stack's settings.
author:
  - pdserve.cluster developers
"""

import copy

from ansible.errors import AnsibleFilterError

from ansible_collections.pdserve.cluster.plugins.module_utils._control.manifests import to_manifests
from ansible_collections.pdserve.cluster.plugins.module_utils._motor import derive as _motor_derive
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor import (
    contract as _pymotor_contract,
    contract_facts as _pymotor_facts,
    services as _pymotor_services,
)
from ansible_collections.pdserve.cluster.plugins.plugin_utils._data import plain
# Delete order for stale objects: workloads first (so pods stop), then what they used.
DELETE_ORDER = ["InferServiceSet", "ModelServing", "RoleBasedGroup", "Deployment", "StatefulSet", "Service", "ConfigMap",
                "RoleBinding", "Role", "ServiceAccount", "ClusterRoleBinding", "ClusterRole", "PersistentVolumeClaim",
                "PersistentVolume"]
#: Kinds an uninstall keeps unless it purges: the model volume (reloading weights is slow).
KEPT_UNLESS_PURGE = ("Secret", "PersistentVolumeClaim", "PersistentVolume")


def _engine_roles(derived, roles=None):
    for name, role in (derived.get("roles") or {}).items():
        if roles is not None and name not in roles:
            continue
        yield name, role


def capacity_groups(derived, roles=None, engine_scheduling=None):
    """Pod groups for cluster_preflight: one per role that asks for accelerators.

    ``engine_scheduling`` (``{"node_selector": {...}, "tolerations": [...]}``, the stack's
    ``pdserve_node_selector.engine`` / ``pdserve_tolerations.engine``) is what the pod contract
    adds to every engine pod: its labels join the role's node selector, its tolerations let the
    preflight count tainted nodes the pods tolerate.
    """
    extra = engine_scheduling or {}
    extra_selector = extra.get("node_selector") or {}
    tolerations = list(extra.get("tolerations") or [])
    if derived.get("mode") == "single_container":
        total = sum(r.get("total_npus", 0) for _, r in _engine_roles(derived, roles))
        return [{"name": "single-container", "selector": dict(derived.get("node_selector") or {}, **extra_selector),
                 "npus_per_pod": total, "pods": 1, "tolerations": tolerations}]
    groups = []
    for name, role in sorted(_engine_roles(derived, roles)):
        if not role.get("npus_per_pod"):
            continue
        groups.append({
            "name": name,
            "selector": dict(role.get("node_selector") or derived.get("node_selector") or {}, **extra_selector),
            "npus_per_pod": role["npus_per_pod"],
            "pods": role["instances"] * role["pods_per_instance"],
            "tolerations": tolerations,
        })
    return groups


def expected_pods(derived, roles=None):
    """Pods the stack runs when every instance is up."""
    if derived.get("mode") == "single_container":
        return 1
    return sum(r["instances"] * r["pods_per_instance"] for _, r in _engine_roles(derived, roles))


def _key(kind, namespace, name):
    return (kind, namespace or "", name)


def stale_objects(found, rendered, stack_name):
    """Objects of ``stack_name`` found in the cluster (stack_info's ``objects``) that are not in
    ``rendered``; as minimal definitions for kubernetes.core.k8s state=absent. Namespaces are
    never stale (uninstall decides about them), nor are objects a controller made for us
    (owner references: an InferServiceSet's instance Deployments)."""
    want = set()
    for obj in rendered:
        meta = obj.get("metadata") or {}
        want.add(_key(obj.get("kind"), meta.get("namespace"), meta.get("name")))
    stale = [o for o in found
             if o.get("ours", True) and o.get("stack") == stack_name and o.get("kind") != "Namespace" and not o.get("owned")
             and _key(o["kind"], o.get("namespace"), o["name"]) not in want]
    stale.sort(key=lambda o: (DELETE_ORDER.index(o["kind"]) if o["kind"] in DELETE_ORDER else len(DELETE_ORDER),
                              -(o.get("instance_index") if o.get("instance_index") is not None else -1),
                              o["name"]))
    return [_minimal(o) for o in stale]


def uninstall_objects(found, purge=False):
    """What uninstall deletes: every object a stack rendered (not the namespace, which purge
    deletes on its own, nor what controllers own); with ``purge`` also what other roles of
    the collection made there (the PKI role's Secrets and ConfigMap) and the model volume (PVC,
    PV: kept otherwise). Only what is ours: our
    label and our field manager (``ours``, from stack_info)."""
    doomed = [o for o in found
              if o.get("ours", True) and o.get("kind") != "Namespace" and not o.get("owned")
              and (purge or (o.get("stack") and o.get("kind") not in KEPT_UNLESS_PURGE))]
    doomed.sort(key=lambda o: (DELETE_ORDER.index(o["kind"]) if o["kind"] in DELETE_ORDER else len(DELETE_ORDER),
                               -(o.get("instance_index") if o.get("instance_index") is not None else -1),
                               o["name"]))
    return [_minimal(o) for o in doomed]


def _minimal(o):
    meta = {"name": o["name"]}
    if o.get("namespace"):
        meta["namespace"] = o["namespace"]
    return {"apiVersion": o["apiVersion"], "kind": o["kind"], "metadata": meta}


def status_table(info, namespace=""):
    """stack_info's result as text lines: one table per role, then the endpoint."""
    if not info.get("namespace_exists"):
        return ["namespace %s does not exist: no stack deployed there" % namespace]
    lines = []
    for role in info.get("roles") or []:
        lines.append("%s: %s/%s instances ready (%s pod(s) per instance)" % (
            role["role"], role["ready"], role["desired"], role["pods_per_instance"]))
        pods = role.get("pods") or []
        if not pods:
            lines.append("  (no pods)")
            continue
        width = max(len(p["name"]) for p in pods)
        lines.append("  %-*s  %-4s  %-8s  %-5s  %-16s  %-15s  %s" % (
            width, "POD", "INST", "PHASE", "READY", "NODE", "POD IP", "RESTARTS / PROBLEM"))
        for p in pods:
            lines.append("  %-*s  %-4s  %-8s  %-5s  %-16s  %-15s  %s%s" % (
                width, p["name"], p["instance"], p.get("phase") or "-", "yes" if p["ready"] else "no",
                p.get("node") or "-", p.get("ip") or "-", p.get("restarts", 0),
                ("  " + p["problem"]) if p.get("problem") else ""))
    if not lines:
        lines.append("no workloads of the stack found in %s" % namespace)
    endpoint = info.get("endpoint") or {}
    if endpoint:
        lines.append("coordinator endpoint: %s (service %s, NodePort %s -> %s)" % (
            endpoint.get("url") or "no Ready node", endpoint.get("service"), endpoint.get("node_port"),
            endpoint.get("port")))
    return lines


def pymotor_cert_dns_names(config):
    """{component: [Service FQDN]} for the per-pod certificates (module_utils/_pymotor/services.py)."""
    return _pymotor_services.cert_dns_names(config)


def pymotor_contract(config, settings=None):
    """The MindIE-PyMotor pod contract (module_utils/_pymotor/contract.py) for the templates, on
    plain data: the contract copies its inputs (py-spy: deep copies of lazy template containers
    took 0.8 s of a 4 s PD hybrid run)."""
    return _pymotor_contract.build(plain(config), plain(settings))


def pymotor_default(name):
    """One default of the MindIE-PyMotor pod settings (module_utils/_pymotor/contract_facts.py)."""
    try:
        return copy.deepcopy(_pymotor_facts.DEFAULT_SETTINGS[name])
    except (KeyError, TypeError):
        raise AnsibleFilterError("pdserve.cluster.pymotor_default: unknown setting %r (known: %s)"
                                 % (name, ", ".join(sorted(_pymotor_facts.DEFAULT_SETTINGS))))


def motor_pod_probes(pod, keep_with_tls=False):
    """Whether a MindIE Motor pod gets its probes (module_utils/_motor/derive.py pod_probes)."""
    return _motor_derive.pod_probes(pod or {}, keep_with_tls)


class FilterModule:
    def filters(self):
        return {
            "capacity_groups": capacity_groups,
            "expected_pods": expected_pods,
            "stale_objects": stale_objects,
            "to_manifests": to_manifests,
            "uninstall_objects": uninstall_objects,
            "status_table": status_table,
            "pymotor_contract": pymotor_contract,
            "pymotor_cert_dns_names": pymotor_cert_dns_names,
            "motor_pod_probes": motor_pod_probes,
            "pymotor_default": pymotor_default,
        }
