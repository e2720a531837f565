# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Holder identities and a lock file on the control node (private: not a public API).

A play's tasks run in short-lived worker processes, so an ``flock`` taken by one task would be
gone with its worker. The lock is a file made with O_CREAT | O_EXCL that names its holder
(host, pid of the ansible-playbook process, job); it is removed by the holder at the end. A
lock whose holder ran on this host and whose process is gone is stale and taken over; any
other lock is waited for, up to a timeout, and then reported with its holder named.
"""
from __future__ import annotations

import errno
import json
import os
import socket
import time


def holder_identity(job, pid=None, host=None):
    """``host:pid:job``: who holds a lock or a Lease. ``pid`` defaults to the parent process,
    the ansible-playbook process when the caller runs in-process in a worker."""
    return "%s:%d:%s" % (host or socket.gethostname(), os.getppid() if pid is None else pid, job)


def parse_identity(identity):
    """(host, pid, job) of ``host:pid:job``; pid None when it is not one of ours."""
    parts = str(identity or "").split(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None, None, None
    return parts[0], int(parts[1]), parts[2]


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_gone(identity, host=None, alive=process_alive):
    """True when ``identity`` names a process on this host that no longer runs."""
    h, pid, _ = parse_identity(identity)
    return pid is not None and h == (host or socket.gethostname()) and not alive(pid)


def read_holder(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def try_lock(path, holder, now=None, host=None, alive=process_alive):
    """One attempt. Returns (taken, current holder dict). Takes over a stale lock."""
    record = {"holder": holder, "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now or time.time()))}
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise
        current = read_holder(path)
        if current.get("holder") == holder:
            return True, current
        if holder_gone(current.get("holder"), host=host, alive=alive):
            # Stale: its process is gone. Replace it atomically, then check that we won.
            tmp = "%s.%d" % (path, os.getpid())
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(record, handle)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
            mine = read_holder(path)
            return mine.get("holder") == holder, mine
        return False, current
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    return True, record


def acquire(path, holder, timeout, interval=1.0, clock=time.monotonic, sleep=time.sleep, alive=process_alive):
    """Take the lock, waiting up to ``timeout`` seconds. Returns (taken, holder dict, waited).

    ``waited`` is 0.0 when the first attempt takes the lock: the attempt's own time (a slow
    disk, a loaded host) is not waiting for another run, and callers read anything above zero
    as "another run may have changed what I read before" (roles/pki/tasks/make.yml)."""
    start = clock()
    first = True
    while True:
        taken, current = try_lock(path, holder, alive=alive)
        waited = clock() - start
        if taken and first:
            return True, current, 0.0
        if taken or waited >= timeout:
            return taken, current, round(waited, 2)
        first = False
        sleep(min(interval, max(0.0, timeout - waited)))


def release(path, holder):
    """Remove the lock if ``holder`` holds it. Returns True when a file was removed."""
    current = read_holder(path)
    if current.get("holder") != holder:
        return False
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True
