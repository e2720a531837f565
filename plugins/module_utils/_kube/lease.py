# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Leases (coordination.k8s.io/v1) that keep two deploys apart (private: not a public API).

A deploy takes one Lease for its stack and one per NodePort it claims before its first write,
and gives them back at the end. The Leases live in one fixed namespace (kube-system by
default) so that two *different* stacks contend for the same NodePort Lease. The holder
identity is ``host:pid:job`` (module_utils/_control/lock.py). A Lease is free when it does not exist,
when this run holds it, when it expired (renewTime + leaseDurationSeconds in the past), or when
its holder ran on this host and its process is gone.

Pure functions decide; ``LeaseClient`` talks to the API through a Reader (retries, errors
naming the API server and the Lease).
"""
from __future__ import annotations

import datetime
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._control import lock as _lock
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import MANAGED_BY, MANAGER, PART_OF

LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases"
MICROTIME = "%Y-%m-%dT%H:%M:%S.%fZ"
LABELS = {MANAGED_BY: MANAGER, PART_OF: MANAGER}


def lease_name(kind, value):
    """'pdserve-stack-<job>' / 'pdserve-nodeport-<port>' (a DNS-1123 subdomain)."""
    return "pdserve-%s-%s" % (kind, re.sub(r"[^a-z0-9.-]", "-", str(value).lower()))


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def microtime(dt):
    return dt.astimezone(datetime.timezone.utc).strftime(MICROTIME)


def parse_time(text):
    if not text:
        return None
    text = text.replace("Z", "+00:00")
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


def lease_body(name, namespace, holder, duration, job, what, now, resource_version=None, acquired=None):
    body = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": dict(LABELS, **{"app.kubernetes.io/instance": job}),
            "annotations": {"pdserve.io/claims": what},
        },
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": int(duration),
            "acquireTime": microtime(acquired or now),
            "renewTime": microtime(now),
        },
    }
    if resource_version:
        body["metadata"]["resourceVersion"] = resource_version
    return body


def free_for(lease, holder, now, host=None, alive=_lock.process_alive):
    """Whether ``holder`` may take ``lease`` (a dict, or None when it does not exist); (bool, why)."""
    if lease is None:
        return True, "free"
    spec = lease.get("spec") or {}
    current = spec.get("holderIdentity") or ""
    if not current:
        return True, "released"
    if current == holder:
        return True, "ours"
    renew = parse_time(spec.get("renewTime") or spec.get("acquireTime"))
    duration = spec.get("leaseDurationSeconds") or 0
    if renew is not None and duration and renew + datetime.timedelta(seconds=duration) < now:
        return True, "expired"
    if _lock.holder_gone(current, host=host, alive=alive):
        return True, "holder gone"
    return False, "held"


def describe_holder(lease, namespace):
    spec = (lease or {}).get("spec") or {}
    meta = (lease or {}).get("metadata") or {}
    claims = (meta.get("annotations") or {}).get("pdserve.io/claims", "")
    return "%s (Lease %s/%s%s, since %s, expires %s)" % (
        spec.get("holderIdentity") or "?", namespace, meta.get("name", "?"),
        ", for " + claims if claims else "", spec.get("acquireTime") or "?", expires_at(lease) or "?")


def expires_at(lease):
    spec = (lease or {}).get("spec") or {}
    renew = parse_time(spec.get("renewTime") or spec.get("acquireTime"))
    if renew is None or not spec.get("leaseDurationSeconds"):
        return None
    return microtime(renew + datetime.timedelta(seconds=spec["leaseDurationSeconds"]))


class LeaseClient:
    """Get / create / replace / delete Leases through a Reader."""

    def __init__(self, reader, namespace):
        self.reader = reader
        self.namespace = namespace
        self.base = LEASE_PATH.format(ns=namespace)

    def _error(self, verb, name, status, body):
        from ansible_collections.pdserve.cluster.plugins.module_utils._kube.client import ApiError
        return ApiError("%s Lease %s/%s on API server %s: HTTP %s: %s"
                        % (verb, self.namespace, name, self.reader.server, status, (body or {}).get("message", "")))

    def get(self, name):
        status, body = self.reader.send("GET", "%s/%s" % (self.base, name))
        if status == 404:
            return None
        if not 200 <= status < 300:
            raise self._error("read", name, status, body)
        return body

    def create(self, body):
        """True when created, False when another run created it first (409)."""
        status, answer = self.reader.send("POST", self.base, body)
        if status == 409:
            return False
        if not 200 <= status < 300:
            raise self._error("create", body["metadata"]["name"], status, answer)
        return True

    def replace(self, body):
        """True when replaced, False when it changed since it was read (409: someone was faster)."""
        name = body["metadata"]["name"]
        status, answer = self.reader.send("PUT", "%s/%s" % (self.base, name), body)
        if status in (404, 409):
            return False
        if not 200 <= status < 300:
            raise self._error("take over", name, status, answer)
        return True

    def delete(self, name, uid, resource_version):
        """Delete only the Lease as it was read (preconditions): True when deleted."""
        body = {"kind": "DeleteOptions", "apiVersion": "v1",
                "preconditions": {"uid": uid, "resourceVersion": resource_version}}
        status, answer = self.reader.send("DELETE", "%s/%s" % (self.base, name), body)
        if status in (404, 409):
            return False
        if not 200 <= status < 300:
            raise self._error("release", name, status, answer)
        return True


def try_take(client, claim, holder, duration, job, now, host=None, alive=_lock.process_alive):
    """One attempt at one Lease. Returns (taken, lease as last seen, why)."""
    name = claim["name"]
    current = client.get(name)
    ok, why = free_for(current, holder, now, host=host, alive=alive)
    if not ok:
        return False, current, why
    if current is None:
        body = lease_body(name, client.namespace, holder, duration, job, claim["what"], now)
        if client.create(body):
            return True, body, "created"
        return False, client.get(name), "created by another run first"
    meta = current.get("metadata") or {}
    acquired = parse_time((current.get("spec") or {}).get("acquireTime")) if why == "ours" else None
    body = lease_body(name, client.namespace, holder, duration, job, claim["what"], now,
                      resource_version=meta.get("resourceVersion"), acquired=acquired)
    if client.replace(body):
        return True, body, why
    return False, client.get(name), "taken by another run first"


def release(client, claim, holder):
    """Delete the Lease if ``holder`` holds it. True when deleted."""
    current = client.get(claim["name"])
    if current is None or (current.get("spec") or {}).get("holderIdentity") != holder:
        return False
    meta = current.get("metadata") or {}
    return client.delete(claim["name"], meta.get("uid"), meta.get("resourceVersion"))
