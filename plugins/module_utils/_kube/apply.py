# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Server-side apply of many objects through one API client (private: not a public API).

What ``kubernetes.core.k8s`` (``apply: true``, ``server_side_apply``) does per object, for a
whole list in one call of the controller's process: read the live object, apply the rendered one
(``PATCH`` with ``application/apply-patch+yaml``, the field manager and ``force``; in check mode
with ``dryRun=All``, the API server's dry run), and compare the two as kubernetes.core does
(``changed`` unless they only differ in ``metadata.generation`` / ``resourceVersion``; the diff is
the pair of differing parts). No discovery round trip for the kinds in ``_kube.client.PATHS``;
others are looked up once per group version.

Batched: the objects are applied in waves (namespaces and CRDs, then the objects others refer
to, then the workloads), each wave's objects at the same time on a few threads sharing the one
client (urllib3's pool is thread safe). Every failure of a wave is reported, and no later wave
is applied after one.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from ansible.module_utils.common.dict_transformations import recursive_diff

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import (
    API_VERSION, ApiError, PATHS, describe_path, request_with_retry)
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import describe

APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
# The order objects are applied in (kubernetes.core applied the list in order; the templates list
# the namespace first, then accounts and configuration, then workloads): what others need first.
FIRST = ("Namespace", "CustomResourceDefinition")
SECOND = ("ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Secret",
          "Service", "PodDisruptionBudget", "NetworkPolicy", "PriorityClass", "ResourceQuota", "LimitRange")
THREADS = 6


def wave_of(obj):
    kind = obj.get("kind")
    return 0 if kind in FIRST else 1 if kind in SECOND else 2


def waves(objects):
    """[(index, object)] per wave, in input order within each wave; empty waves left out."""
    out = [[], [], []]
    for index, obj in enumerate(objects):
        out[wave_of(obj)].append((index, obj))
    return [w for w in out if w]


def objects_match(existing, new):
    """(match, diff) as kubernetes.core's ``diff_objects`` (module_utils/k8s/service.py): the two
    differ only in metadata.generation / resourceVersion, or not at all."""
    diff = recursive_diff(existing, new)
    if not diff:
        return True, {}
    before, after = diff
    result = {"before": before, "after": after}
    if list(after.keys()) == ["metadata"] and list(before.keys()) == ["metadata"]:
        ignored = {"generation", "resourceVersion"}
        if set(after["metadata"]).issubset(ignored) and set(before["metadata"]).issubset(ignored):
            return True, result
    return False, result


class Resources:
    """REST collection paths per (apiVersion, kind): _kube.client.PATHS, else API discovery (once
    per group version)."""

    def __init__(self, api, budget=30.0):
        self.api = api
        self.budget = budget
        self._discovered = {}

    def _discover(self, api_version):
        if api_version not in self._discovered:
            path = "/api/v1" if api_version == "v1" else "/apis/" + api_version
            status, data = request_with_retry(self.api, "GET", path, [], {"Accept": "application/json"},
                                              budget=self.budget)
            if status == 404:
                self._discovered[api_version] = {}
            elif not 200 <= status < 300:
                raise ApiError("GET %s: HTTP %s: %s" % (path, status, _text(data)[:300]))
            else:
                found = {}
                for res in json.loads(_text(data)).get("resources") or []:
                    if "/" not in res.get("name", ""):
                        found[res["kind"]] = (path + "/" + res["name"], bool(res.get("namespaced")))
                self._discovered[api_version] = found
        return self._discovered[api_version]

    def collection(self, api_version, kind, namespace):
        """The collection path objects of this kind live under (in ``namespace`` when namespaced)."""
        if kind in PATHS and API_VERSION.get(kind) == api_version:
            path = PATHS[kind]
            namespaced = "{ns}" in path
        else:
            entry = self._discover(api_version).get(kind)
            if entry is None:
                raise ApiError("Failed to find exact match for %s.%s by [kind, name, singularName, shortNames]"
                               % (api_version, kind))
            base, namespaced = entry
            prefix, plural = base.rsplit("/", 1)
            path = prefix + ("/namespaces/{ns}/" if namespaced else "/") + plural
        if namespaced:
            if not namespace:
                raise ApiError("%s: a namespaced kind needs metadata.namespace" % kind)
            return path.format(ns=quote(namespace, safe=""))
        return path


def _text(data):
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")


def _status_message(text):
    try:
        return json.loads(text).get("message") or text[:500]
    except ValueError:
        return text[:500]


def apply_one(api, resources, obj, field_manager, force, check_mode, budget):
    """Apply one object; a result as one entry of kubernetes.core.k8s's ``result.results``
    (changed, method, diff) with the applied object's identity instead of the whole object."""
    meta = obj.get("metadata") or {}
    name = meta.get("name")
    path = resources.collection(obj.get("apiVersion"), obj.get("kind"), meta.get("namespace")) + "/" + quote(name, safe="")
    status, data = request_with_retry(api, "GET", path, [], {"Accept": "application/json"}, budget=budget)
    if status == 404:
        existing = {}
    elif 200 <= status < 300:
        existing = json.loads(_text(data))
    else:
        raise ApiError("Failed to retrieve %s: HTTP %s: %s" % (describe(obj), status, _status_message(_text(data))))
    query = [("fieldManager", field_manager)]
    if force:
        query.append(("force", "true"))
    if check_mode:
        query.append(("dryRun", "All"))
    status, data = request_with_retry(api, "PATCH", path, query,
                                      {"Accept": "application/json", "Content-Type": APPLY_CONTENT_TYPE},
                                      body=json.dumps(obj), budget=budget)
    if not 200 <= status < 300:
        raise ApiError("Failed to apply object: %s: HTTP %s: %s" % (describe(obj), status, _status_message(_text(data))))
    instance = json.loads(_text(data))
    match, diff = objects_match(existing, instance)
    new_meta = instance.get("metadata") or {}
    return {
        "changed": not match,
        "method": "apply",
        "created": not existing,
        "kind": obj.get("kind"),
        "apiVersion": obj.get("apiVersion"),
        "name": name,
        "namespace": meta.get("namespace"),
        "resourceVersion": new_meta.get("resourceVersion"),
        "diff": diff,
    }


def apply_all(api, objects, field_manager, force=True, check_mode=False, budget=30.0, threads=THREADS):
    """Apply ``objects`` (dicts) server-side in waves. Returns (results in input order, errors);
    after a wave with errors no later wave is applied (its objects get no result)."""
    resources = Resources(api, budget)
    results = [None] * len(objects)
    errors = []
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for wave in waves(objects):
            futures = [(index, obj, pool.submit(apply_one, api, resources, obj, field_manager, force, check_mode, budget))
                       for index, obj in wave]
            for index, obj, future in futures:
                try:
                    results[index] = future.result()
                except Exception as exc:  # an API error, or one of the transport retried out
                    text = str(exc)
                    errors.append(text if describe(obj) in text else "%s: %s" % (describe(obj), text))
            if errors:
                break
    return results, errors


__all__ = ("apply_all", "apply_one", "objects_match", "waves", "Resources", "describe_path")
