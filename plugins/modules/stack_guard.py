#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Before the first write of a deploy: whose are the objects we would apply, and may our pods
run in the namespace."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_guard
short_description: Refuse a deploy that would take over, relax or (on a scale) change what it must not
version_added: 0.1.0
description:
  - Reads, in one pass, the live objects of the names a deploy would apply (the rendered objects
    and O(extra)) and the namespace, and fails before any write, listing every problem at once.
  - B(Ownership.) An object is pdserve's when it carries the label C(app.kubernetes.io/managed-by=pdserve)
    and the field manager C(pdserve). A live object of the same kind and name that is not is
    named with its managers, unless O(adopt).
  - B(Pod Security.) The level the rendered pods need (C(restricted) where they allow, else C(baseline),
    else C(privileged)) is computed from their specs. A namespace that does not exist gets our labels
    with that level; an existing namespace that is not ours is used as it is and never relabelled;
    an enforce label another field manager set is never lowered. If that label would refuse our pods,
    the module fails naming the namespace, the label and the pods that need more.
  - B(Scale.) With O(scale), the rendered workloads are compared with the live ones apart from the
    instance and replica counts; any other difference fails, naming the object and the field.
  - B(Check mode.) On a namespace that does not exist yet, the objects that would go into it cannot be
    dry-run by the API server; they are reported as new, with a diff in diff mode.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  namespace:
    description: The stack's namespace.
    type: str
    required: true
  objects:
    description: The rendered objects the deploy would apply (the namespace's own object included or not).
    type: list
    elements: dict
    required: true
  extra:
    description: More objects the deploy writes (kind, apiVersion, metadata.name / namespace are enough),
      for instance the PKI role's Secrets and ConfigMap; checked for ownership only.
    type: list
    elements: dict
    default: []
  labels:
    description: The labels every object of the stack carries (the namespace gets them too when pdserve creates it).
    type: dict
    default: {}
  adopt:
    description: Take over objects of the same names that are not pdserve's (server-side apply with
      forced conflicts); a foreign namespace is still never relabelled.
    type: bool
    default: false
  scale:
    description: Compare the rendered workloads with the live ones; only the replica / instance counts may differ.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: partial
    description: In check mode, for a namespace that does not exist yet, the objects that would be made in it.
"""

EXAMPLES = r"""
- name: Check ownership and Pod Security before applying
  pdserve.cluster.stack_guard:
    namespace: mindie-motor
    objects: "{{ stack_objects }}"
    labels: "{{ stack_common_labels }}"
    adopt: "{{ pdserve_adopt | default(false) }}"
  register: stack_guard
"""

RETURN = r"""
namespace:
  description: What the deploy does with its namespace.
  returned: always
  type: dict
  contains:
    exists:
      description: Whether it exists.
      type: bool
    ours:
      description: Whether it is pdserve's (label and field manager).
      type: bool
    render:
      description: Whether pdserve applies its Namespace object (new or ours).
      type: bool
    labels:
      description: The labels pdserve gives it (when render).
      type: dict
    level:
      description: The Pod Security level the stack's pods need.
      type: str
    pods:
      description: Per pod that is not restricted, its level and the problems against the stricter level.
      type: dict
live:
  description: The live objects found (kind, namespace, name, resourceVersion, ours, managers).
  returned: always
  type: list
  elements: dict
errors:
  description: Every problem found (the module fails when there is one).
  returned: always
  type: list
  elements: str
"""

import copy

from ansible_collections.pdserve.cluster.plugins.module_utils._module import run_module
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.ownership import is_ours, managers, ownership_conflicts
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.pod_security import namespace_plan
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.workload_diff import workload_diff
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import (
    NotFound, PATHS, Reader, auth_argument_spec)

SUPPORTS_DIFF = True


def argument_spec():
    spec = auth_argument_spec()
    spec.update(
        namespace=dict(type="str", required=True),
        objects=dict(type="list", elements="dict", required=True),
        extra=dict(type="list", elements="dict", default=[]),
        labels=dict(type="dict", default={}),
        adopt=dict(type="bool", default=False),
        scale=dict(type="bool", default=False),
    )
    return spec


def ARGUMENT_SPEC():
    return dict(argument_spec=argument_spec())


def _plural(kind):
    low = kind.lower()
    if low.endswith("y"):
        return low[:-1] + "ies"
    if low.endswith(("ss", "x", "ch", "sh")):
        return low + "es"
    if low.endswith("s"):
        return low  # Endpoints
    return low + "s"


def rest_path(obj):
    """REST path of one object (known kinds from _kube_client.PATHS, others from apiVersion)."""
    kind = obj.get("kind")
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    if kind in PATHS:
        base = PATHS[kind]
        if "{ns}" in base:
            base = base.format(ns=ns)
        return base + "/" + meta["name"]
    version = obj.get("apiVersion") or "v1"
    root = "/api/v1" if version == "v1" else "/apis/" + version
    return "%s%s/%s/%s" % (root, "/namespaces/" + ns if ns else "", _plural(kind), meta["name"])


def read_live(reader, objects):
    """The live object for each (kind, namespace, name) of ``objects`` that exists."""
    out = []
    seen = set()
    for obj in objects:
        meta = obj.get("metadata") or {}
        key = (obj.get("kind"), meta.get("namespace"), meta.get("name"))
        if key in seen or not meta.get("name"):
            continue
        seen.add(key)
        try:
            live = reader._call(rest_path(obj))
        except NotFound:
            continue
        live.setdefault("kind", obj.get("kind"))
        live.setdefault("apiVersion", obj.get("apiVersion"))
        out.append(live)
    return out


def guard(live_ns, live, params, check_mode=False, diff=False):
    """The decision on already read objects (pure: unit-tested without an API)."""
    namespace = params["namespace"]
    objects = params["objects"]
    errors = []
    if not params["adopt"]:
        errors += ownership_conflicts(live)
    plan = namespace_plan(live_ns, objects, namespace, params["labels"])
    errors += plan["errors"]
    if params["scale"]:
        errors += ["%s differs from the deployed stack; a scale may change only the instance counts"
                   % d for d in workload_diff(live, objects)]
    result = {
        "changed": False,
        "namespace": plan,
        "errors": errors,
        "live": [{"kind": o.get("kind"), "namespace": (o.get("metadata") or {}).get("namespace"),
                  "name": (o.get("metadata") or {}).get("name"),
                  "resourceVersion": (o.get("metadata") or {}).get("resourceVersion"),
                  "ours": is_ours(o), "managers": managers(o)} for o in live],
    }
    if errors:
        result["failed"] = True
        result["msg"] = "refused before any write (%d problem(s)): %s" % (len(errors), " || ".join(errors))
        return result
    if check_mode and live_ns is None:
        new = [o for o in objects if (o.get("metadata") or {}).get("namespace") == namespace]
        result["changed"] = True
        result["new_in_namespace"] = ["%s %s" % (o.get("kind"), o["metadata"]["name"]) for o in new]
        if diff:
            result["diff"] = [{"before": {}, "after": copy.deepcopy(o),
                               "before_header": "%s %s/%s (absent: namespace %s does not exist yet)"
                               % (o.get("kind"), namespace, o["metadata"]["name"], namespace),
                               "after_header": "%s %s/%s" % (o.get("kind"), namespace, o["metadata"]["name"])}
                              for o in new]
    return result


def execute(params, check_mode=False, diff=False):
    try:
        reader = Reader.from_params(params)
        live_ns = reader.get("Namespace", params["namespace"])
        names = [o for o in list(params["objects"]) + list(params["extra"]) if o.get("kind") != "Namespace"]
        if live_ns is None:
            names = [o for o in names if (o.get("metadata") or {}).get("namespace") != params["namespace"]]
        live = read_live(reader, names)
    except Exception as exc:  # API unreachable, forbidden, ...
        return dict(failed=True, changed=False,
                    msg="could not read the live objects of stack %s: %s" % (params["namespace"], exc))
    return guard(live_ns, live, params, check_mode=check_mode, diff=diff)


def main():
    run_module(ARGUMENT_SPEC(), execute, supports_diff=True)


if __name__ == "__main__":
    main()
