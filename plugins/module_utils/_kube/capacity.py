# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Node capacity against what a stack asks for (private: not a public API): requests (quantities
parsed by module_utils/_schema.py), taints and tolerations, free NPUs per node pool, first-fit
placement, the errors in words."""
from __future__ import annotations

import json

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import NPU_RESOURCE
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import parse_quantity
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.objects import condition as _condition


def pod_request(pod, resource):
    """What a pod (or pod template spec holder) requests of ``resource``: the larger of the sum
    over its containers and the largest init container, as the scheduler counts it."""
    spec = pod.get("spec") or {}

    def req(container):
        res = container.get("resources") or {}
        return parse_quantity((res.get("requests") or {}).get(resource, (res.get("limits") or {}).get(resource)))

    main = sum(req(c) for c in spec.get("containers") or [])
    init = max([req(c) for c in spec.get("initContainers") or []] or [0.0])
    return max(main, init)


# ---------------------------------------------------------------------------------------- nodes


def tolerates(toleration, taint):
    """Whether one pod ``toleration`` tolerates a node ``taint`` (the scheduler's rule: an empty
    key with Exists matches every key; an empty effect matches every effect; Equal compares the
    values, a missing value being "")."""
    if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
        return False
    op = toleration.get("operator") or "Equal"
    if not toleration.get("key"):
        return op == "Exists"
    if toleration.get("key") != taint.get("key"):
        return False
    if op == "Exists":
        return True
    return (toleration.get("value") or "") == (taint.get("value") or "")


def node_schedulable(node, tolerations=None):
    """(bool, reason) whether the scheduler may place new pods with ``tolerations`` on ``node``."""
    if (node.get("spec") or {}).get("unschedulable"):
        return False, "cordoned"
    if _condition(node, "Ready").get("status") != "True":
        return False, "not Ready"
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and \
                not any(tolerates(t, taint) for t in tolerations or []):
            return False, "tainted %s:%s" % (taint.get("key"), taint.get("effect"))
    return True, ""


def selector_text(selector):
    return ",".join("%s=%s" % kv for kv in sorted((selector or {}).items())) or "<all nodes>"


def node_pool(nodes, pods, selector, resource=NPU_RESOURCE, ignore_pod=None, tolerations=None):
    """Free ``resource`` per node matching ``selector`` where pods with ``tolerations`` schedule.

    ``pods`` are the cluster's pods; the requests of those bound to a node and not finished
    are subtracted, except pods for which ``ignore_pod(pod)`` is true (the stack's own pods,
    which a redeploy replaces). Returns ``(free, skipped)``: ``free`` maps node name to free
    amount, ``skipped`` maps matching but unusable node names to the reason.
    """
    selector = selector or {}
    used = {}
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName")
        phase = (pod.get("status") or {}).get("phase")
        if not node or phase in ("Succeeded", "Failed") or (ignore_pod and ignore_pod(pod)):
            continue
        used[node] = used.get(node, 0.0) + pod_request(pod, resource)
    free, skipped = {}, {}
    for node in nodes:
        meta = node.get("metadata") or {}
        labels = meta.get("labels") or {}
        if any(labels.get(k) != v for k, v in selector.items()):
            continue
        ok, why = node_schedulable(node, tolerations)
        if not ok:
            skipped[meta["name"]] = why
            continue
        alloc = parse_quantity(((node.get("status") or {}).get("allocatable") or {}).get(resource))
        free[meta["name"]] = alloc - used.get(meta["name"], 0.0)
    return free, skipped


def fit_pods(free, demands):
    """Place pod demands on nodes first-fit-decreasing. Returns the demands that do not fit."""
    left = dict(free)
    unplaced = []
    for need in sorted(demands, reverse=True):
        for name in sorted(left, key=lambda n: (left[n], n)):
            if left[name] >= need:
                left[name] -= need
                break
        else:
            unplaced.append(need)
    return unplaced


def capacity_errors(nodes, pods, groups, resource=NPU_RESOURCE, ignore_pod=None):
    """Whether the pods a stack asks for fit on the cluster, in words.

    ``groups`` is a list of ``{"name", "selector", "npus_per_pod", "pods"}`` (and optionally
    ``"tolerations"``): the pods of one role with their node selector and tolerations. Roles
    sharing both share that pool. Every problem is returned, each naming the node pool.
    """
    errors = []
    by_pool = {}
    for group in groups:
        key = (tuple(sorted((group.get("selector") or {}).items())),
               json.dumps(group.get("tolerations") or [], sort_keys=True))
        by_pool.setdefault(key, []).append(group)
    for key, members in sorted(by_pool.items()):
        selector = dict(key[0])
        pool = "node pool %s" % selector_text(selector)
        free, skipped = node_pool(nodes, pods, selector, resource, ignore_pod, json.loads(key[1]))
        skipped_txt = "" if not skipped else "; not usable: " + ", ".join(
            "%s (%s)" % kv for kv in sorted(skipped.items()))
        if not free:
            errors.append("%s: no schedulable node matches%s" % (pool, skipped_txt))
            continue
        largest = max(free.values())
        total = sum(free.values())
        demands = []
        for group in members:
            need = float(group["npus_per_pod"])
            demands += [need] * int(group["pods"])
            if need > largest:
                errors.append(
                    "%s: a %s pod needs %g %s but the most any of its %d nodes has free is %g%s"
                    % (pool, group["name"], need, resource, len(free), largest, skipped_txt))
        asked = sum(demands)
        if asked > total:
            errors.append("%s: the stack needs %g %s in all but its %d nodes have %g free%s"
                          % (pool, asked, resource, len(free), total, skipped_txt))
        elif not errors or not errors[-1].startswith(pool):
            unplaced = fit_pods(free, [d for d in demands if d > 0])
            if unplaced:
                errors.append("%s: %d pod(s) of %s find no node with room left (free per node: %s)"
                              % (pool, len(unplaced), "/".join("%g" % u for u in sorted(set(unplaced))),
                                 ", ".join("%s=%g" % kv for kv in sorted(free.items()))))
    return errors
