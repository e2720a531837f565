# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Safety rules of pdserve.cluster (private: not a public API). Pure functions, standard
library only (shipped to managed hosts with the modules that use it).

- Ownership (:func:`is_ours`, :func:`ownership_conflicts`): an object is ours when it carries
  the label ``app.kubernetes.io/managed-by=pdserve`` and the field manager ``pdserve``.
- Pod Security Standards (:func:`pod_security_problems`, :func:`pod_level`,
  :func:`namespace_plan`): which level our pods need and what a namespace allows.
- The scale guard on rendered workloads (:func:`workload_diff`).
- Purge (:func:`foreign_objects`).

The system-path rule for weight / model paths lives in ``_platform`` (:func:`~._platform.system_path_rule`).
"""
from __future__ import annotations

import re

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import MANAGED_BY, MANAGER


# ---------------------------------------------------------------------------------- ownership
def _meta(obj):
    return obj.get("metadata") or {}


def managers(obj):
    """The field managers of a live object (metadata.managedFields), in order, without repeats."""
    out = []
    for entry in _meta(obj).get("managedFields") or []:
        name = entry.get("manager")
        if name and name not in out:
            out.append(name)
    return out


def is_ours(obj):
    """Whether a live object is ours: our managed-by label and our field manager."""
    return ((_meta(obj).get("labels") or {}).get(MANAGED_BY) == MANAGER) and MANAGER in managers(obj)


def describe(obj):
    """``Kind namespace/name`` of an object."""
    meta = _meta(obj)
    where = "%s/%s" % (meta["namespace"], meta.get("name")) if meta.get("namespace") else meta.get("name")
    return "%s %s" % (obj.get("kind"), where)


def _owner_text(obj):
    label = (_meta(obj).get("labels") or {}).get(MANAGED_BY)
    return "managed-by label %s, field managers %s" % (
        label if label is not None else "<none>", ", ".join(managers(obj)) or "<none>")


def ownership_conflicts(live_objects):
    """Errors for the live objects (of the names we would apply) that are not ours."""
    return ["%s exists and is not ours (%s): pdserve would take it over; remove or rename it, or set "
            "pdserve_adopt: true to adopt it" % (describe(obj), _owner_text(obj))
            for obj in live_objects if obj and obj.get("kind") != "Namespace" and not is_ours(obj)]


def foreign_objects(live_objects, ignore=()):
    """``Kind namespace/name (owner)`` of the live objects that are not ours (purge refuses to
    delete a namespace holding them). ``ignore`` lists ``(kind, name)`` the cluster makes in
    every namespace (the default ServiceAccount, kube-root-ca.crt); objects a controller owns
    (ownerReferences) follow their owner and are not listed."""
    skip = set(tuple(i) for i in ignore)
    out = []
    for obj in live_objects:
        meta = _meta(obj)
        if (obj.get("kind"), meta.get("name")) in skip or meta.get("ownerReferences") or is_ours(obj):
            continue
        out.append("%s (%s)" % (describe(obj), _owner_text(obj)))
    return sorted(out)


# ------------------------------------------------------------------------ Pod Security Standards
LEVELS = ("privileged", "baseline", "restricted")
ENFORCE = "pod-security.kubernetes.io/enforce"
#: Capabilities baseline lets a container add (Pod Security Standards, v1.30).
BASELINE_CAPS = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                 "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                      "projected", "secret"}


def _containers(spec):
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(key) or []:
            yield container


def pod_security_problems(spec):
    """What keeps a pod spec from the baseline and restricted levels:
    ``{"baseline": [...], "restricted": [...]}`` (restricted's list includes baseline's)."""
    base, restr = [], []
    psc = spec.get("securityContext") or {}
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            base.append("%s: true" % key)
    for vol in spec.get("volumes") or []:
        kinds = [k for k in vol if k != "name"]
        if "hostPath" in kinds:
            base.append("hostPath volume %s (%s)" % (vol.get("name"), (vol.get("hostPath") or {}).get("path")))
        elif kinds and kinds[0] not in RESTRICTED_VOLUMES:
            restr.append("volume %s of type %s" % (vol.get("name"), kinds[0]))
    if ((psc.get("seccompProfile") or {}).get("type")) == "Unconfined":
        base.append("pod seccompProfile Unconfined")
    pod_seccomp = (psc.get("seccompProfile") or {}).get("type") in ("RuntimeDefault", "Localhost")
    pod_nonroot = psc.get("runAsNonRoot") is True
    if psc.get("runAsUser") == 0:
        restr.append("pod runAsUser 0")
    for c in _containers(spec):
        name = c.get("name")
        sc = c.get("securityContext") or {}
        caps = sc.get("capabilities") or {}
        if sc.get("privileged"):
            base.append("container %s privileged" % name)
        extra = sorted(set(caps.get("add") or []) - BASELINE_CAPS)
        if extra:
            base.append("container %s adds capabilities %s" % (name, ", ".join(extra)))
        if any(p.get("hostPort") for p in c.get("ports") or []):
            base.append("container %s uses a hostPort" % name)
        if sc.get("procMount") not in (None, "Default"):
            base.append("container %s procMount %s" % (name, sc.get("procMount")))
        seccomp = (sc.get("seccompProfile") or {}).get("type")
        if seccomp == "Unconfined":
            base.append("container %s seccompProfile Unconfined" % name)
        if sc.get("allowPrivilegeEscalation") is not False:
            restr.append("container %s does not set allowPrivilegeEscalation: false" % name)
        if "ALL" not in (caps.get("drop") or []):
            restr.append("container %s does not drop ALL capabilities" % name)
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            restr.append("container %s adds capabilities other than NET_BIND_SERVICE" % name)
        if not (sc.get("runAsNonRoot") is True or (pod_nonroot and sc.get("runAsNonRoot") is not False)):
            restr.append("container %s does not run with runAsNonRoot: true" % name)
        if sc.get("runAsUser") == 0:
            restr.append("container %s runAsUser 0" % name)
        if not (seccomp in ("RuntimeDefault", "Localhost") or (pod_seccomp and seccomp is None)):
            restr.append("container %s has no RuntimeDefault or Localhost seccompProfile" % name)
    return {"baseline": base, "restricted": base + restr}


def pod_level(spec):
    """The strictest Pod Security level a pod spec satisfies."""
    problems = pod_security_problems(spec)
    if not problems["restricted"]:
        return "restricted"
    if not problems["baseline"]:
        return "baseline"
    return "privileged"


def pod_templates(objects):
    """``(where, pod spec)`` of every pod the rendered ``objects`` make: Pods, Deployments,
    StatefulSets, DaemonSets, Jobs and each role of an InferServiceSet."""
    out = []
    for obj in objects:
        kind, spec = obj.get("kind"), obj.get("spec") or {}
        if kind == "Pod":
            out.append((describe(obj), spec))
        elif kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
            out.append((describe(obj), (spec.get("template") or {}).get("spec") or {}))
        elif kind == "InferServiceSet":
            for role in (spec.get("template") or {}).get("roles") or []:
                out.append(("%s role %s" % (describe(obj), role.get("name")),
                            ((role.get("spec") or {}).get("template") or {}).get("spec") or {}))
    return out


def required_level(objects):
    """The least strict Pod Security level the pods of ``objects`` need, and per pod that is
    not restricted its level and what keeps it from the next stricter level:
    ``(level, {where: (pod level, [problems])})``."""
    level = "restricted"
    pods = {}
    for where, spec in pod_templates(objects):
        mine = pod_level(spec)
        if LEVELS.index(mine) < LEVELS.index(level):
            level = mine
        if mine != "restricted":
            pods[where] = (mine, pod_security_problems(spec)["restricted" if mine == "baseline" else "baseline"])
    return level, pods


def _label_owners(obj, key):
    """Field managers of a label of a live object (from managedFields)."""
    owners = []
    for entry in _meta(obj).get("managedFields") or []:
        labels = (((entry.get("fieldsV1") or {}).get("f:metadata") or {}).get("f:labels") or {})
        if "f:" + key in labels and entry.get("manager") not in owners:
            owners.append(entry.get("manager"))
    return owners


def namespace_plan(live_ns, objects, namespace, labels):
    """What to do with the stack's namespace before any write.

    ``live_ns`` is the live Namespace (None when absent), ``objects`` the rendered objects,
    ``labels`` our common labels. Returns a dict: ``render`` (whether our Namespace object is
    applied), ``labels`` (its labels: ours plus the Pod Security level our pods need),
    ``level`` (that level), ``pods`` (per pod that is not restricted: its level and why),
    ``errors``, ``exists``, ``ours``.

    Never lowers an enforce label someone else set: an existing namespace that is not ours is
    used as it is (never relabelled); in ours, an enforce label another field manager set is
    kept. When that level would refuse our pods: an error naming the namespace, the label and
    the pods that need more.
    """
    level, pods = required_level(objects)
    ours = dict(labels)
    ours.update({ENFORCE: level, "pod-security.kubernetes.io/audit": "restricted",
                 "pod-security.kubernetes.io/warn": level})
    plan = {"render": True, "labels": ours, "level": level, "pods": pods, "errors": [],
            "exists": live_ns is not None, "ours": bool(live_ns) and is_ours(live_ns)}
    if live_ns is None:
        return plan
    current = (_meta(live_ns).get("labels") or {}).get(ENFORCE)
    others = [m for m in _label_owners(live_ns, ENFORCE) if m != MANAGER]
    if not plan["ours"]:
        plan["render"] = False
    elif current is not None and others:
        ours[ENFORCE] = current
    if (not plan["ours"] or others) and current in LEVELS and LEVELS.index(current) > LEVELS.index(level):
        needs = ["%s needs %s (%s)" % (where, pod_lvl, "; ".join(problems))
                 for where, (pod_lvl, problems) in sorted(pods.items())
                 if LEVELS.index(pod_lvl) < LEVELS.index(current)]
        plan["errors"].append(
            "namespace %s: label %s=%s (set by %s) refuses pods of this stack and pdserve never lowers it: %s"
            % (namespace, ENFORCE, current, ", ".join(others) or "someone else", "; ".join(needs)))
    return plan


# ------------------------------------------------------------------------------- scale guard
#: Paths (dotted, list indexes as [*]) that may differ on a scale: the instance and replica counts.
SCALE_PATHS = ("spec.replicas", "spec.template.roles[*].replicas")
#: Where a stack stores the instance counts outside the workloads (compared by the config guard).
_SKIP_KINDS = ("ConfigMap", "Secret", "Namespace")


def _pattern(path):
    return re.sub(r"\[[^\]]*\]", "[*]", path)


def _subset_diff(want, have, path, out):
    """Differences where ``have`` (live, with server defaults) lacks or changes what ``want``
    (rendered) says."""
    if isinstance(want, dict):
        if not isinstance(have, dict):
            out.append((path, have, want))
            return
        for key in sorted(want):
            _subset_diff(want[key], have.get(key, _ABSENT), "%s.%s" % (path, key) if path else key, out)
    elif isinstance(want, list):
        if not isinstance(have, list) or len(have) != len(want):
            out.append((path, have, want))
            return
        for index, (w, h) in enumerate(zip(want, have)):
            # list items by name where they have one (volumes[shm], containers[union])
            name = w.get("name") if isinstance(w, dict) and isinstance(w.get("name"), str) else index
            _subset_diff(w, h, "%s[%s]" % (path, name), out)
    elif not _same_scalar(want, have):
        out.append((path, have, want))


def _same_scalar(a, b):
    if a == b and type(a) is type(b):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return a == b
    return str(a) == str(b) and not isinstance(a, bool) and not isinstance(b, bool) and b is not _ABSENT


class _Absent:
    def __repr__(self):
        return "<absent>"


_ABSENT = _Absent()


def workload_diff(live_objects, rendered, allowed=SCALE_PATHS):
    """Differences between the rendered objects and the live ones of the same kind and name,
    apart from the instance / replica counts (``allowed``). Objects on one side only (an
    instance Deployment scaled in or away) and ConfigMaps / Secrets (the config guard compares
    the configuration) are not compared. Returns ``["Kind ns/name: field: live -> rendered"]``."""
    live = {(o.get("kind"), _meta(o).get("namespace") or "", _meta(o).get("name")): o for o in live_objects if o}
    out = []
    for obj in rendered:
        meta = _meta(obj)
        if obj.get("kind") in _SKIP_KINDS:
            continue
        have = live.get((obj.get("kind"), meta.get("namespace") or "", meta.get("name")))
        if have is None:
            continue
        diffs = []
        for part in ("spec", "data"):
            if part in obj:
                _subset_diff(obj[part], have.get(part, _ABSENT), part, diffs)
        for part in ("labels", "annotations"):
            if meta.get(part):
                _subset_diff(meta[part], _meta(have).get(part) or {}, "metadata." + part, diffs)
        for path, old, new in diffs:
            if _pattern(path) in allowed:
                continue
            out.append("%s: %s: %s -> %s" % (describe(obj), path, _short(old), _short(new)))
    return out


def _short(value, limit=120):
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit] + "..."
