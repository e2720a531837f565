# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The TEST-ONLY start_servers.sh stand-in (tools/sandbox/images/standin/ascendcloud_pd_standin.py)
accepts the tables the ranktable code writes and refuses a local table that is no instance of
the global one, and a scheduler whose NODE_PORTS does not list every instance; oci_pack.py's
--docker-manifest archive names the image and blobs it holds (what `docker load` reads)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import pathlib
import subprocess
import sys
import tarfile

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _ranktable as rt

IMAGES = pathlib.Path(__file__).resolve().parents[3] / "tools/sandbox/images"
IP = "192.0.2.18"


@pytest.fixture(scope="module")
def standin():
    spec = importlib.util.spec_from_file_location("ascendcloud_pd_standin", IMAGES / "standin/ascendcloud_pd_standin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def tables(tmp_path):
    devices = {str(i): "29.10.1.%d" % (11 + i) for i in range(8)}
    files = rt.build_ascendcloud(IP, [[4, 5]], [[6, 7]], True, devices)
    merged = rt.merge([("g", files[rt.ascendcloud_global_name(IP)])], rt.ASCENDCLOUD)
    files[rt.ASCENDCLOUD_MERGE_FILE] = merged
    for name, doc in files.items():
        (tmp_path / name).write_text(json.dumps(doc))
    return tmp_path


def args(port, tp=2, model="/"):
    return argparse.Namespace(model=model, tensor_parallel_size=tp, host="127.0.0.1", port=port,
                              served_model_name="qwen")


def env(monkeypatch, tables, local, **extra):
    monkeypatch.setenv("GLOBAL_RANK_TABLE_FILE_PATH", str(tables / rt.ASCENDCLOUD_MERGE_FILE))
    monkeypatch.setenv("RANK_TABLE_FILE_PATH", str(tables / local))
    for key, value in extra.items():
        monkeypatch.setenv(key, value)


def fake_devices(monkeypatch, standin, ids):
    present = ["/dev/davinci%d" % i for i in ids] + ["/dev/davinci_manager"]
    monkeypatch.setattr(standin.glob, "glob", lambda pattern: present)
    monkeypatch.setattr(standin.os.path, "exists", lambda path: True)


def test_prefill_instance_is_accepted(monkeypatch, standin, tables):
    env(monkeypatch, tables, rt.ascendcloud_local_name(IP, [4, 5]))
    fake_devices(monkeypatch, standin, [4, 5])
    state = standin.check(args(8088))
    assert state["role"] == "prefill" and state["devices"] == ["4", "5"]


def test_an_npu_of_another_instance_or_a_wrong_tp_is_refused(monkeypatch, standin, tables, capsys):
    env(monkeypatch, tables, rt.ascendcloud_local_name(IP, [6, 7]))
    fake_devices(monkeypatch, standin, [5, 6, 7])
    with pytest.raises(SystemExit):
        standin.check(args(8089, tp=4))
    out = capsys.readouterr().out
    assert "--tensor-parallel-size=4 but the local table holds 2 NPUs" in out
    assert "the container holds NPUs [5, 6, 7] but its local table ['6', '7']" in out


def test_a_local_table_of_no_instance_is_refused(monkeypatch, standin, tables, capsys):
    other = rt.build_ascendcloud("192.0.2.99", [[0, 1]], [], False, {"0": "29.9.9.1", "1": "29.9.9.2"})
    (tables / "other.json").write_text(json.dumps(other[rt.ascendcloud_local_name("192.0.2.99", [0, 1])]))
    env(monkeypatch, tables, "other.json")
    with pytest.raises(SystemExit):
        standin.check(args(8088))
    assert "corresponds to no entry of the global table" in capsys.readouterr().out


def test_scheduler_needs_a_port_per_instance_in_table_order(monkeypatch, standin, tables, capsys):
    env(monkeypatch, tables, rt.ascendcloud_host_name(IP), NODE_PORTS="8088,8089", no_proxy="localhost," + IP)
    fake_devices(monkeypatch, standin, [])
    state = standin.check(args(9000))
    assert state["prefill"] == [(IP, 8088)] and state["decode"] == [(IP, 8089)]
    monkeypatch.setenv("NODE_PORTS", "8088")
    monkeypatch.setenv("no_proxy", "localhost")
    with pytest.raises(SystemExit):
        standin.check(args(9000))
    out = capsys.readouterr().out
    assert "NODE_PORTS=8088: must list 2 ports" in out and "no_proxy lacks the instance address %s" % IP in out


def test_docker_manifest_names_the_blobs(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "hello").write_text("hi")
    layer = tmp_path / "layer.tar"
    with tarfile.open(layer, "w") as tar:
        tar.add(root / "hello", arcname="hello")
    out = tmp_path / "image.tar"
    subprocess.run([sys.executable, str(IMAGES / "oci_pack.py"), str(out), "--name", "pdserve/x:1", "--layer", str(layer),
                    "--docker-manifest"], check=True)
    with tarfile.open(out) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest[0]["RepoTags"] == ["pdserve/x:1"]
    assert manifest[0]["Config"] in names and all(layer_name in names for layer_name in manifest[0]["Layers"])
    assert "index.json" in names  # still an OCI layout for containerd
