# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""RoleBasedGroup's API, as its source says (github.com/sgl-project/rbg, module sigs.k8s.io/rbgs;
read at commit 993491fb, August 2026). Facts, not code of theirs.

- Group ``workloads.x-k8s.io``, kind ``RoleBasedGroup``, plural ``rolebasedgroups``; served
  versions ``v1alpha2`` (storage, current) and ``v1alpha1`` (older installs; a conversion webhook
  turns it into v1alpha2).
- v1alpha1 role: ``{name, replicas, dependencies, workload: {apiVersion, kind}, template, ...}``
  (``api/workloads/v1alpha1/rolebasedgroup_types.go``).
- v1alpha2 role: ``{name, labels, annotations, replicas, dependencies, standalonePattern:
  {template}, ...}``; the workload kind moved to the role annotation
  ``rbg.workloads.x-k8s.io/role-workload-type`` (``apps/v1/StatefulSet``, ``apps/v1/Deployment``,
  default ``workloads.x-k8s.io/v1alpha2/RoleInstanceSet``; ``api/workloads/constants``,
  ``v1alpha1/rolebasedgroup_conversion.go`` writes it from ``workload``).
- The controller names a role's workload ``<group>-<role>`` (cut to 63 characters,
  ``GetWorkloadName``), selects its pods with ``rbg.workloads.x-k8s.io/group-name``,
  ``role-name`` and ``group-uid`` (``GetCommonLabelsFromRole``) and merges the role's ``labels``
  into the workload's.
- Start order (``pkg/dependency/dependency.go``, ``reconcileRoles``): roles are sorted by
  ``dependencies`` (names of roles of the same group; a cycle or an unknown name is an error) and
  a role's workload is made or updated only when every role it depends on is ready (a StatefulSet
  role: ``readyReplicas == spec.replicas``). Only roles of the group can be dependencies: etcd and
  NATS, separate workloads as in the users' document, are waited for by the stack itself.
"""
from __future__ import annotations

GROUP = "workloads.x-k8s.io"
KIND = "RoleBasedGroup"
PLURAL = "rolebasedgroups"
CRD_NAME = PLURAL + "." + GROUP
#: The versions we render, preferred first (the storage version of current RBG first).
VERSIONS = ("v1alpha2", "v1alpha1")
#: The v1alpha2 role annotation that names the role's workload kind.
WORKLOAD_TYPE_ANNOTATION = "rbg.workloads.x-k8s.io/role-workload-type"
#: The workload we ask for: a StatefulSet per role (v1alpha1's default; stable pod names, and the
#: stack's waiter and status read StatefulSets).
WORKLOAD = {"apiVersion": "apps/v1", "kind": "StatefulSet"}
#: Labels the controller puts on a role's workload and pods.
GROUP_NAME_LABEL = "rbg.workloads.x-k8s.io/group-name"
ROLE_NAME_LABEL = "rbg.workloads.x-k8s.io/role-name"
#: Env the controller injects into every container.
ENV_GROUP_NAME = "RBG_GROUP_NAME"
ENV_ROLE_NAME = "RBG_ROLE_NAME"


def workload_name(group, role):
    """The name RBG gives a role's workload."""
    return ("%s-%s" % (group, role))[:63].rstrip("-")


def pick_version(served):
    """The version to render among ``served`` (the versions discovery lists for the group, or the
    CRD's served versions), or None when it serves none we know."""
    for version in VERSIONS:
        if version in (served or ()):
            return version
    return None


def role_object(version, name, replicas, template, dependencies=None, labels=None):
    """One entry of ``spec.roles`` in ``version``."""
    role = {"name": name, "replicas": replicas}
    if labels:
        role["labels"] = dict(labels)
    if dependencies:
        role["dependencies"] = list(dependencies)
    if version == "v1alpha1":
        role["workload"] = dict(WORKLOAD)
        role["template"] = template
        return role
    role["annotations"] = {WORKLOAD_TYPE_ANNOTATION: "%s/%s" % (WORKLOAD["apiVersion"], WORKLOAD["kind"])}
    role["standalonePattern"] = {"template": template}
    return role
