# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""tests/node_roots/snapshot.py: the state the node_prepare scenario records before converge."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pathlib
import runpy
from contextlib import redirect_stdout

TOOL = pathlib.Path(__file__).resolve().parents[2] / "node_roots/snapshot.py"


def snapshot(*argv):
    main = runpy.run_path(str(TOOL))["main"]
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(list(argv)) == 0
    return json.loads(out.getvalue())


def test_files_dirs_missing_paths_and_symlinks_as_stat_reports_them(tmp_path):
    root = tmp_path / "root"
    (root / "etc/docker").mkdir(parents=True)
    (root / "etc/docker").chmod(0o750)
    config = root / "etc/docker/daemon.json"
    config.write_bytes(b'{"log-opts": {}}\n')
    config.chmod(0o600)
    (root / "etc/link").symlink_to("docker/daemon.json")
    state = snapshot(str(root), "/etc/docker/daemon.json", "/etc/docker", "/etc/fstab", "/etc/link")
    assert state["/etc/docker/daemon.json"] == {
        "exists": True, "isdir": False, "mode": "0600",
        "checksum": hashlib.sha256(b'{"log-opts": {}}\n').hexdigest(),
    }
    assert state["/etc/docker"] == {"exists": True, "isdir": True, "mode": "0750"}
    assert state["/etc/fstab"] == {"exists": False}
    # the link itself (stat's follow: false): no checksum of its target
    assert "checksum" not in state["/etc/link"] and state["/etc/link"]["isdir"] is False


def test_copy_to_keeps_each_regular_file_with_its_mode_and_nothing_else(tmp_path):
    root = tmp_path / "root"
    (root / "var/lib/pdserve").mkdir(parents=True)
    record = root / "var/lib/pdserve/node_prepare.json"
    record.write_text("{}\n")
    record.chmod(0o400)
    copies = tmp_path / "before"
    snapshot(str(root), "--copy-to", str(copies), "/var/lib/pdserve/node_prepare.json", "/var/lib/pdserve", "/etc/fstab")
    copy = copies / "var/lib/pdserve/node_prepare.json"
    assert copy.read_text() == "{}\n" and oct(copy.stat().st_mode & 0o777) == "0o400"
    assert sorted(p.name for p in copies.rglob("*")) == ["lib", "node_prepare.json", "pdserve", "var"]
    assert not os.path.exists(copies / "etc")
