# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Which live objects are ours (private: not a public API).

An object is ours when it carries the label ``app.kubernetes.io/managed-by=pdserve`` and the
field manager ``pdserve``: the stack never takes over (apply) or deletes (purge) one that is not.
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import FIELD_MANAGER, MANAGED_BY, MANAGER
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import describe, meta as _meta


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
    return ((_meta(obj).get("labels") or {}).get(MANAGED_BY) == MANAGER) and FIELD_MANAGER in managers(obj)


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


def label_owners(obj, key):
    """Field managers of a label of a live object (from managedFields)."""
    owners = []
    for entry in _meta(obj).get("managedFields") or []:
        labels = (((entry.get("fieldsV1") or {}).get("f:metadata") or {}).get("f:labels") or {})
        if "f:" + key in labels and entry.get("manager") not in owners:
            owners.append(entry.get("manager"))
    return owners
