# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Pod Security Standards (private: not a public API): which level our pods need and what the
stack's namespace allows; never lowers an enforce label someone else set."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import FIELD_MANAGER
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import describe, meta as _meta
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.ownership import is_ours, label_owners as _label_owners


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
    StatefulSets, DaemonSets, Jobs, each role of an InferServiceSet, a RoleBasedGroup and a Kthena ModelServing."""
    out = []
    for obj in objects:
        kind, spec = obj.get("kind"), obj.get("spec") or {}
        if kind == "Pod":
            out.append((describe(obj), spec))
        elif kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
            out.append((describe(obj), (spec.get("template") or {}).get("spec") or {}))
        elif kind == "ModelServing":
            # Kthena: each role's entry pod and its worker pods
            for role in (spec.get("template") or {}).get("roles") or []:
                for key in ("entryTemplate", "workerTemplate"):
                    if role.get(key):
                        out.append(("%s role %s %s" % (describe(obj), role.get("name"), key),
                                    (role[key].get("spec") or {})))
        elif kind == "InferServiceSet":
            for role in (spec.get("template") or {}).get("roles") or []:
                out.append(("%s role %s" % (describe(obj), role.get("name")),
                            ((role.get("spec") or {}).get("template") or {}).get("spec") or {}))
        elif kind == "RoleBasedGroup":
            for role in spec.get("roles") or []:
                template = (role.get("standalonePattern") or {}).get("template") or role.get("template") or {}
                out.append(("%s role %s" % (describe(obj), role.get("name")), template.get("spec") or {}))
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
    others = [m for m in _label_owners(live_ns, ENFORCE) if m != FIELD_MANAGER]
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
