# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.stack_lease module (private: not a public API).

Take or give back the Leases that keep two deploys apart.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

import time

from ansible_collections.pdserve.cluster.plugins.module_utils._control import lock as _lock
from ansible_collections.pdserve.cluster.plugins.module_utils._kube import lease as _lease
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.args import kube_argument_spec
from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import auth_argument_spec, ApiError, Reader


def ARGUMENT_SPEC():
    return kube_argument_spec(
        auth_argument_spec(), shared=(),
        job_id=dict(type="str", required=True),
        node_ports=dict(type="list", elements="dict", default=[], options=dict(
            port=dict(type="int", required=True),
            field=dict(type="str", default="NodePort"),
        )),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        lease_namespace=dict(type="str", default="kube-system"),
        lease_duration=dict(type="int", default=3600),
        wait=dict(type="int", default=0),
        wait_sleep=dict(type="float", default=2.0),
    )


def claims(job_id, node_ports):
    """The Leases a deploy takes: its stack's, then one per NodePort (ascending, no repeats)."""
    out = [{"name": _lease.lease_name("stack", job_id), "what": "stack %s" % job_id, "label": "stack %s" % job_id}]
    seen = set()
    for item in sorted(node_ports or [], key=lambda i: int(i["port"])):
        port = int(item["port"])
        if port in seen:
            continue
        seen.add(port)
        field = item.get("field") or "NodePort"
        out.append({"name": _lease.lease_name("nodeport", port), "what": "NodePort %d (%s of %s)" % (port, field, job_id),
                    "label": "NodePort %d (%s)" % (port, field)})
    return out


def take_all(client, wanted, holder, duration, job, wait, wait_sleep, check_mode=False,
             clock=time.monotonic, sleep=time.sleep, now=_lease.now_utc):
    """Take every Lease or none. Returns (taken names, None, waited) or ([], failure message, waited)."""
    start = clock()
    while True:
        taken, blocked = [], None
        for claim in wanted:
            if check_mode:
                current = client.get(claim["name"])
                ok, _ = _lease.free_for(current, holder, now())
                if not ok:
                    blocked = (claim, current)
                    break
                continue
            ok, current, _ = _lease.try_take(client, claim, holder, duration, job, now())
            if not ok:
                blocked = (claim, current)
                break
            taken.append(claim)
        waited = round(clock() - start, 2)
        if blocked is None:
            return [c["name"] for c in taken], None, waited
        for claim in reversed(taken):
            _lease.release(client, claim, holder)
        if waited >= wait:
            claim, current = blocked
            return [], ("%s is claimed by %s: another deploy holds it. Nothing was written by this run. "
                        "Retry when that run ends (or give this one stack_lease_wait seconds to wait); if that run "
                        "is gone, its Lease expires at the time shown, or delete the Lease."
                        % (claim["label"], _lease.describe_holder(current, client.namespace))), waited
        sleep(min(wait_sleep, max(0.0, wait - waited)))


def execute(params, check_mode=False):
    p = params
    holder = _lock.holder_identity(p["job_id"])
    wanted = claims(p["job_id"], p["node_ports"])
    result = dict(changed=False, holder=holder, leases=[], waited=0.0)
    try:
        client = _lease.LeaseClient(Reader.from_params(p, connect_budget=10.0), p["lease_namespace"])
        if p["state"] == "absent":
            if not check_mode:
                result["leases"] = [c["name"] for c in wanted if _lease.release(client, c, holder)]
            return result
        names, failure, waited = take_all(client, wanted, holder, p["lease_duration"], p["job_id"], p["wait"],
                                          p["wait_sleep"], check_mode=check_mode)
    except ApiError as exc:
        return dict(result, failed=True, msg="Leases of stack %s: %s" % (p["job_id"], exc))
    result.update(leases=names, waited=waited)
    if failure:
        result.update(failed=True, msg=failure)
    return result
