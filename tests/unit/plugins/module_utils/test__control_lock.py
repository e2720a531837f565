"""module_utils/_control/lock.py: holder identities and the lock file on the control node."""
from __future__ import annotations

import json
import os
import socket

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._control import lock as _lock
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import control_lock


def test_holder_identity_is_host_pid_job():
    assert _lock.holder_identity("job-a", pid=42, host="h1") == "h1:42:job-a"
    assert _lock.holder_identity("job-a") == "%s:%d:job-a" % (socket.gethostname(), os.getppid())
    assert _lock.parse_identity("h1:42:job:with:colons") == ("h1", 42, "job:with:colons")
    assert _lock.parse_identity("something-else") == (None, None, None)


def test_holder_gone_only_for_a_dead_process_of_this_host():
    def dead(pid):
        return False

    def alive(pid):
        return True

    assert _lock.holder_gone("h1:42:j", host="h1", alive=dead)
    assert not _lock.holder_gone("h1:42:j", host="h1", alive=alive)
    assert not _lock.holder_gone("h2:42:j", host="h1", alive=dead)  # another host: cannot tell
    assert not _lock.holder_gone("garbage", host="h1", alive=dead)


def test_first_taker_wins_second_sees_the_holder(tmp_path):
    path = str(tmp_path / ".lock")
    taken, rec = _lock.try_lock(path, "h:1:j", alive=lambda pid: True)
    assert taken and rec["holder"] == "h:1:j"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    taken2, rec2 = _lock.try_lock(path, "h:2:j", host="h", alive=lambda pid: True)
    assert not taken2 and rec2["holder"] == "h:1:j"
    # the holder itself may take it again (re-entrant within one run)
    assert _lock.try_lock(path, "h:1:j", alive=lambda pid: True)[0]


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    path = tmp_path / ".lock"
    path.write_text(json.dumps({"holder": "h:999999:j", "since": "x"}))
    taken, rec = _lock.try_lock(str(path), "h:2:j", host="h", alive=lambda pid: pid != 999999)
    assert taken and rec["holder"] == "h:2:j"
    assert json.loads(path.read_text())["holder"] == "h:2:j"


def test_acquire_waits_then_reports_the_holder(tmp_path):
    path = str(tmp_path / ".lock")
    _lock.try_lock(path, "other:7:j", alive=lambda pid: True)
    clock = iter([0.0, 0.5, 1.0, 2.0, 3.5]).__next__
    slept = []
    taken, rec, waited = _lock.acquire(path, "me:1:j", timeout=3, clock=clock, sleep=slept.append,
                                       alive=lambda pid: True)
    assert not taken and rec["holder"] == "other:7:j" and waited == 3.5
    assert slept and all(s <= 1.0 for s in slept)


def test_acquire_taken_at_once_has_not_waited_however_slow_the_attempt(tmp_path):
    # the attempt itself took 0.3 s (a loaded host): that is not waiting for another run
    path = str(tmp_path / ".lock")
    clock = iter([10.0, 10.3]).__next__
    taken, rec, waited = _lock.acquire(path, "me:1:j", timeout=3, clock=clock, sleep=pytest.fail)
    assert taken and rec["holder"] == "me:1:j" and waited == 0.0


def test_acquire_taken_after_the_holder_left_reports_the_wait(tmp_path):
    path = tmp_path / ".lock"
    _lock.try_lock(str(path), "other:7:j", alive=lambda pid: True)
    clock = iter([0.0, 0.1, 1.2]).__next__
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        path.unlink()  # the other run ends while this one sleeps

    taken, rec, waited = _lock.acquire(str(path), "me:1:j", timeout=3, clock=clock, sleep=sleep,
                                       alive=lambda pid: True)
    assert taken and rec["holder"] == "me:1:j" and waited == 1.2 and len(slept) == 1


def test_release_only_by_the_holder(tmp_path):
    path = str(tmp_path / ".lock")
    _lock.try_lock(path, "h:1:j", alive=lambda pid: True)
    assert not _lock.release(path, "h:2:j") and os.path.exists(path)
    assert _lock.release(path, "h:1:j") and not os.path.exists(path)
    assert not _lock.release(path, "h:1:j")


def test_control_lock_module_takes_fails_and_releases(tmp_path, monkeypatch):
    path = str(tmp_path / ".lock")
    monkeypatch.setattr(_lock, "holder_identity", lambda job: "me:1:" + job)
    res = control_lock.execute({"path": path, "job": "j", "state": "present", "timeout": 0})
    assert not res.get("failed") and res["held_by"] == "me:1:j" and res["changed"] is False
    monkeypatch.setattr(_lock, "holder_identity", lambda job: "other:2:" + job)
    monkeypatch.setattr(_lock, "process_alive", lambda pid: True)
    res = control_lock.execute({"path": path, "job": "j", "state": "present", "timeout": 0})
    assert res["failed"] and "held by me:1:j" in res["msg"] and path in res["msg"]
    # check mode only looks
    assert control_lock.execute({"path": path, "job": "j", "state": "absent", "timeout": 0}, check_mode=True)["held_by"] == "me:1:j"
    res = control_lock.execute({"path": path, "job": "j", "state": "absent", "timeout": 0})
    assert res["released"] is False and os.path.exists(path)
    monkeypatch.setattr(_lock, "holder_identity", lambda job: "me:1:" + job)
    assert control_lock.execute({"path": path, "job": "j", "state": "absent", "timeout": 0})["released"]
    assert not os.path.exists(path)
