"""write_manifests: written once, unchanged on a second run, check mode and diff."""
from __future__ import annotations

import os
import stat

import yaml

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import write_manifests

OBJS = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"boot.sh": "#!/bin/bash\necho\n"}}]


def params(tmp_path, **kw):
    p = {"objects": OBJS, "dest": str(tmp_path / "out" / "job" / "manifests.yaml"), "mode": "0640"}
    p.update(kw)
    return p


def test_writes_then_reports_no_change(tmp_path):
    first = write_manifests.execute(params(tmp_path), diff=True)
    assert first["changed"] and first["diff"]["before"] == ""
    dest = tmp_path / "out" / "job" / "manifests.yaml"
    assert list(yaml.safe_load_all(dest.read_text())) == OBJS
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(dest.parent).st_mode) == 0o750
    assert write_manifests.execute(params(tmp_path))["changed"] is False


def test_check_mode_writes_nothing_but_reports(tmp_path):
    result = write_manifests.execute(params(tmp_path), check_mode=True)
    assert result["changed"] and not (tmp_path / "out").exists()


def test_mode_change_is_a_change_and_bad_mode_fails(tmp_path):
    write_manifests.execute(params(tmp_path))
    assert write_manifests.execute(params(tmp_path, mode="0600"))["changed"]
    assert stat.S_IMODE(os.stat(params(tmp_path)["dest"]).st_mode) == 0o600
    bad = write_manifests.execute(params(tmp_path, mode="rw"))
    assert bad["failed"] and "not an octal number" in bad["msg"]


def test_unwritable_destination_fails_clearly(tmp_path):
    (tmp_path / "file").write_text("x")
    result = write_manifests.execute(params(tmp_path, dest=str(tmp_path / "file" / "sub" / "m.yaml")))
    assert result["failed"] and "cannot write" in result["msg"]
