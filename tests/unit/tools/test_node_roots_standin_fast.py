# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The test roots' read-only systemctl and ctr calls answered in /bin/sh
(tests/node_roots/standin_fast.sh) answer as the Python stand-in (tests/node_roots/standin.py)
does from the same state: the same output, exit code and line in the calls log. Both run here
outside a chroot, their absolute paths moved under a temporary folder; the wrapper is
make_root.py's (the shell part first, then Python), and each case also checks which of the two
answered, so that the comparison is between the two, not of Python with itself."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess

import pytest

ROOTS = pathlib.Path(__file__).resolve().parents[2] / "node_roots"
# every absolute path the two files use for the state, the log and the unit files
PATHS = ("/var/lib/pdserve-standin", "/var/log/pdserve-standin", "/etc/systemd/system",
         "/usr/lib/systemd/system", "/lib/systemd/system")
UNITS = ("/lib/systemd/system/kubelet.service", "/etc/systemd/system/haveged.service",
         "/usr/lib/systemd/system/docker.service", "/lib/systemd/system/containerd.service")


def _moved(text, root):
    # /lib/systemd/system is a suffix of /usr/lib/systemd/system: replace whole paths only
    return re.sub("(?<![/A-Za-z0-9_.-])(%s)(?=[/\"' ]|$)" % "|".join(map(re.escape, PATHS)),
                  lambda m: str(root) + m.group(1), text, flags=re.M)


@pytest.fixture
def root(tmp_path):
    (tmp_path / "fast.sh").write_text(_moved((ROOTS / "standin_fast.sh").read_text(), tmp_path))
    (tmp_path / "standin.py").write_text(_moved((ROOTS / "standin.py").read_text(), tmp_path))
    for unit in UNITS:
        (tmp_path / unit[1:]).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / unit[1:]).write_text("[Unit]\n")
    state = tmp_path / "var/lib/pdserve-standin"
    (state / "systemd").mkdir(parents=True)
    for name in ("kubelet.service.active", "kubelet.service.enabled", "docker.service.enabled",
                 "haveged.service.active"):
        (state / "systemd" / name).write_text("")
    (state / "containerd").mkdir()
    # as standin.py's add_to_set writes them, then hand-made: spaces, blank lines, no last newline
    (state / "containerd/k8s.io.images").write_text("docker.io/library/pause:3.9\nregistry.local/pdserve/motor:1.0\n")
    (state / "containerd/moby.images").write_text("  a/b:1  \n\n\nc/d:2")
    (state / "containerd/empty.images").write_text("")
    return tmp_path


def _call(root, tool, args, fast):
    """The tool's answer through make_root.py's wrapper (shell first) when fast, else Python only;
    (stdout, exit code, the log line without its time, which of the two answered)."""
    log = root / "var/log/pdserve-standin/calls.log"
    if log.exists():
        log.unlink()
    wrapper = ('. "$ROOT/fast.sh"\n_standin_fast %s "$@"\necho python >"$ROOT/answered"\n' % tool if fast else "")
    wrapper += 'exec python3 -I -S "$ROOT/standin.py" %s "$@"\n' % tool
    (root / "answered").write_text("shell\n")
    proc = subprocess.run(["/bin/sh", "-c", wrapper, tool] + list(args), capture_output=True, text=True,
                          env=dict(os.environ, ROOT=str(root)), check=False)
    lines = log.read_text().splitlines()
    assert len(lines) == 1, lines
    stamp, _, call = lines[0].partition(" ")
    assert re.fullmatch(r"\d+\.\d{3}", stamp), lines[0]
    return proc.stdout, proc.returncode, call, (root / "answered").read_text().strip()


CASES = [
    ("systemctl", ["show", "kubelet.service"]),                    # active and enabled
    ("systemctl", ["show", "kubelet"]),                            # .service added
    ("systemctl", ["show", "docker"]),                             # enabled, not active
    ("systemctl", ["show", "haveged.service"]),                    # active, not enabled (/etc)
    ("systemctl", ["show", "containerd"]),                         # neither
    ("systemctl", ["show", "no-such.service"]),                    # not found
    ("systemctl", ["show", "--property=ActiveState,UnitFileState", "kubelet", "docker", "nope"]),
    ("systemctl", ["show", "nvidia-persistenced.socket"]),
    ("ctr", ["-n", "k8s.io", "images", "ls", "-q"]),
    ("ctr", ["-n", "k8s.io", "image", "ls"]),
    ("ctr", ["-n", "moby", "i", "ls", "-q"]),
    ("ctr", ["-n", "empty", "images", "ls"]),
    ("ctr", ["-n", "no-such-namespace", "images", "ls", "-q"]),
]


@pytest.mark.parametrize("tool,args", CASES, ids=[" ".join([t] + a) for t, a in CASES])
def test_the_shell_answers_as_python(root, tool, args):
    shell = _call(root, tool, args, fast=True)
    python = _call(root, tool, args, fast=False)
    assert shell[3] == "shell", "the shell part handed %s %s on to Python" % (tool, args)
    assert shell[:3] == python[:3]


def test_the_answers_are_the_states(root):
    """Not two wrong answers that agree: the state as the fixture wrote it."""
    out = _call(root, "systemctl", ["show", "kubelet", "haveged", "nope"], fast=True)[0]
    assert out.splitlines() == [
        "Id=kubelet.service", "LoadState=loaded", "ActiveState=active", "SubState=running", "UnitFileState=enabled",
        "Id=haveged.service", "LoadState=loaded", "ActiveState=active", "SubState=running", "UnitFileState=disabled",
        "Id=nope.service", "LoadState=not-found", "ActiveState=inactive", "SubState=dead", "UnitFileState="]
    assert _call(root, "ctr", ["-n", "moby", "images", "ls", "-q"], fast=True)[0] == "a/b:1\nc/d:2\n"


@pytest.mark.parametrize("tool,args", [
    ("systemctl", ["restart", "kubelet"]),                # a change: Python's
    ("systemctl", ["is-active", "kubelet"]),
    ("systemctl", ["show", "name with space"]),           # an argument the log would quote
    ("ctr", ["images", "ls"]),                            # no namespace
    ("ctr", ["-n", "k8s.io", "images", "import", "x.tar"]),
    ("ctr", ["-n", "k8s.io", "images", "ls", "-q", "extra"]),
])
def test_the_rest_goes_to_python(root, tool, args):
    assert _call(root, tool, args, fast=True)[3] == "python"
