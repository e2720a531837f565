"""module_utils/_kube/lease.py and _runner/stack_lease.py against an in-memory Lease API."""
from __future__ import annotations

import datetime

from ansible_collections.pdserve.cluster.plugins.module_utils._kube import lease as _lease
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_lease

T0 = datetime.datetime(2026, 11, 30, 12, 0, 0, tzinfo=datetime.timezone.utc)


class FakeLeases:
    """Lease storage with resourceVersions, 409 on create-exists and on stale PUT / DELETE."""

    def __init__(self):
        self.items = {}
        self.rv = 0
        self.calls = []

    def _bump(self, body):
        self.rv += 1
        body = dict(body, metadata=dict(body["metadata"], resourceVersion=str(self.rv), uid="uid-" + body["metadata"]["name"]))
        self.items[body["metadata"]["name"]] = body
        return body

    def get(self, name):
        return self.items.get(name)

    def create(self, body):
        self.calls.append(("create", body["metadata"]["name"]))
        if body["metadata"]["name"] in self.items:
            return False
        self._bump(body)
        return True

    def replace(self, body):
        name = body["metadata"]["name"]
        self.calls.append(("replace", name))
        cur = self.items.get(name)
        if cur is None or cur["metadata"]["resourceVersion"] != body["metadata"].get("resourceVersion"):
            return False
        self._bump(body)
        return True

    def delete(self, name, uid, rv):
        self.calls.append(("delete", name))
        cur = self.items.get(name)
        if cur is None or cur["metadata"]["resourceVersion"] != rv:
            return False
        del self.items[name]
        return True


class Client(FakeLeases):
    namespace = "kube-system"


def held(name, holder, at=T0, duration=600):
    return {"metadata": {"name": name, "resourceVersion": "1", "uid": "u", "annotations": {"pdserve.io/claims": "NodePort 31015"}},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration,
                     "acquireTime": _lease.microtime(at), "renewTime": _lease.microtime(at)}}


def test_lease_names_and_claims_from_the_inputs():
    wanted = stack_lease.claims("job-a", [{"port": 31027, "field": "obs"}, {"port": 31015, "field": "infer"},
                                          {"port": 31015, "field": "dup"}])
    assert [c["name"] for c in wanted] == ["pdserve-stack-job-a", "pdserve-nodeport-31015", "pdserve-nodeport-31027"]
    assert wanted[1]["label"] == "NodePort 31015 (infer)"


def test_free_for():
    def alive(pid):
        return True

    assert _lease.free_for(None, "me", T0) == (True, "free")
    assert _lease.free_for(held("l", "me"), "me", T0, alive=alive) == (True, "ours")
    assert _lease.free_for(held("l", "other:1:j"), "me", T0 + datetime.timedelta(seconds=599), host="h", alive=alive) == (False, "held")
    assert _lease.free_for(held("l", "other:1:j"), "me", T0 + datetime.timedelta(seconds=601), host="h", alive=alive) == (True, "expired")
    assert _lease.free_for(held("l", "h:1:j"), "me", T0, host="h", alive=lambda pid: False) == (True, "holder gone")
    assert _lease.free_for(held("l", ""), "me", T0) == (True, "released")


def test_take_all_gets_every_lease_or_none_and_names_the_holder():
    c = Client()
    c.items["pdserve-nodeport-31015"] = held("pdserve-nodeport-31015", "otherhost:4242:job-a")
    wanted = stack_lease.claims("job-b", [{"port": 31015, "field": "the coordinator's inference NodePort"}])
    names, failure, waited = stack_lease.take_all(c, wanted, "me:1:job-b", 3600, "job-b", wait=0, wait_sleep=1,
                                                  now=lambda: T0)
    assert names == [] and waited == 0
    assert failure.startswith("NodePort 31015 (the coordinator's inference NodePort) is claimed by otherhost:4242:job-a "
                              "(Lease kube-system/pdserve-nodeport-31015")
    assert "Nothing was written by this run" in failure
    # the stack Lease it took first was given back
    assert "pdserve-stack-job-b" not in c.items
    assert ("delete", "pdserve-stack-job-b") in c.calls


def test_take_all_waits_for_the_holder_then_takes():
    c = Client()
    c.items["pdserve-stack-j"] = held("pdserve-stack-j", "other:9:j")
    ticks = iter([0.0, 1.0, 2.0, 3.0])
    slept = []

    def sleep(s):
        slept.append(s)
        c.items.pop("pdserve-stack-j", None)  # the other run gives it back

    names, failure, _ = stack_lease.take_all(c, stack_lease.claims("j", []), "me:1:j", 60, "j", wait=10, wait_sleep=2,
                                             clock=lambda: next(ticks), sleep=sleep, now=lambda: T0)
    assert failure is None and names == ["pdserve-stack-j"] and slept == [2]
    assert c.items["pdserve-stack-j"]["spec"]["holderIdentity"] == "me:1:j"
    assert c.items["pdserve-stack-j"]["metadata"]["labels"]["app.kubernetes.io/instance"] == "j"


def test_expired_lease_is_taken_over_with_its_resource_version():
    c = Client()
    c._bump(held("pdserve-stack-j", "other:9:j", at=T0 - datetime.timedelta(hours=2)))
    names, failure, _ = stack_lease.take_all(c, stack_lease.claims("j", []), "me:1:j", 60, "j", wait=0, wait_sleep=1,
                                             now=lambda: T0)
    assert failure is None and ("replace", "pdserve-stack-j") in c.calls
    assert c.items["pdserve-stack-j"]["spec"]["holderIdentity"] == "me:1:j"


def test_race_on_create_is_lost_not_overwritten():
    c = Client()
    orig = c.create

    def create(body):  # another run creates it between our GET and our POST
        c._bump(held(body["metadata"]["name"], "fast:5:j"))
        return orig(body)

    c.create = create
    taken, lease, why = _lease.try_take(c, stack_lease.claims("j", [])[0], "me:1:j", 60, "j", T0)
    assert not taken and lease["spec"]["holderIdentity"] == "fast:5:j" and why == "created by another run first"


def test_check_mode_writes_nothing_but_reports_the_holder():
    c = Client()
    c.items["pdserve-nodeport-31015"] = held("pdserve-nodeport-31015", "otherhost:4242:job-a")
    names, failure, _ = stack_lease.take_all(c, stack_lease.claims("b", [{"port": 31015}]), "me:1:b", 60, "b", wait=0,
                                             wait_sleep=1, check_mode=True, now=lambda: T0)
    assert c.calls == [] and "otherhost:4242:job-a" in failure


def test_release_only_ours():
    c = Client()
    c._bump(held("pdserve-stack-j", "other:9:j"))
    assert not _lease.release(c, {"name": "pdserve-stack-j"}, "me:1:j")
    c._bump(held("pdserve-stack-j", "me:1:j"))
    assert _lease.release(c, {"name": "pdserve-stack-j"}, "me:1:j") and not c.items


def test_lease_client_paths_and_errors():
    sent = []

    class Reader:
        server = "https://api:6443"

        def send(self, method, path, body=None):
            sent.append((method, path))
            return {"GET": (404, {}), "POST": (409, {}), "PUT": (500, {"message": "boom"}), "DELETE": (200, {})}[method]

    lc = _lease.LeaseClient(Reader(), "kube-system")
    assert lc.get("x") is None and lc.create({"metadata": {"name": "x"}}) is False
    try:
        lc.replace({"metadata": {"name": "x"}})
        raise AssertionError("no error")
    except Exception as exc:  # ApiError naming the server and the Lease
        assert "take over Lease kube-system/x on API server https://api:6443: HTTP 500: boom" == str(exc)
    assert sent[0] == ("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x")
