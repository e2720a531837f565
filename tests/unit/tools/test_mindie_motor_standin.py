# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The TEST-ONLY MindIE Motor stand-in (tools/sandbox/images/standin/mindie_motor_standin.py)
refuses what the real programs refuse (Util.cpp's PathCheck): a symbolic link, a mode above the
allowed one (a ConfigMap's 0444), a file of another owner; and accepts a correct file."""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import pytest

STANDIN = pathlib.Path(__file__).resolve().parents[3] / "tools/sandbox/images/standin/mindie_motor_standin.py"


@pytest.fixture(scope="module")
def standin():
    spec = importlib.util.spec_from_file_location("mindie_motor_standin", STANDIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _file(path, mode, text="{}"):
    path.write_text(text)
    os.chmod(path, mode)
    return str(path)


def test_accepts_a_config_0640_of_the_process_user(standin, tmp_path):
    assert standin.check_file(_file(tmp_path / "ms_controller.json", 0o640), 0o640) == []
    assert standin.check_file(_file(tmp_path / "ms_coordinator.json", 0o600), 0o640) == []
    assert standin.check_file(_file(tmp_path / "cert.key.pem", 0o400), 0o400) == []


def test_refuses_a_symlink_even_with_the_permission_check_off(standin, tmp_path):
    target = _file(tmp_path / "real.json", 0o640)
    link = tmp_path / "ms_controller.json"
    link.symlink_to(target)
    assert standin.check_file(str(link), 0o640) == ["is a symbolic link, which is not allowed"]
    assert standin.check_file(str(link), 0o640, check=False) == ["is a symbolic link, which is not allowed"]


def test_refuses_0444_as_a_configmap_mounts_it(standin, tmp_path):
    assert standin.check_file(_file(tmp_path / "config.json", 0o444), 0o640) == ["mode 0444 is above the allowed 0640"]
    # the key and password files: 0400 at most
    assert standin.check_file(_file(tmp_path / "key_pwd.txt", 0o440), 0o400) == ["mode 0440 is above the allowed 0400"]
    assert standin.check_file(_file(tmp_path / "cert.key.pem", 0o600), 0o400) == ["mode 0600 is above the allowed 0400"]


def test_refuses_another_owner(standin, tmp_path):
    path = _file(tmp_path / "config.json", 0o640)
    if os.getuid() != 0:
        pytest.skip("needs root to give the file another owner")
    os.chown(path, 4242, 4242)
    assert standin.check_file(path, 0o640) == ["owned by uid 4242, not by the process user (uid 0)"]


def test_refuses_paths_upstream_refuses(standin, tmp_path):
    (tmp_path / "..data").mkdir()
    path = _file(tmp_path / "..data" / "global_ranktable.json", 0o640)
    assert "'..'" in standin.check_file(path, 0o640)[0]
    assert standin.check_file(str(tmp_path / "absent.json"), 0o640) == ["does not exist"]
    assert standin.check_file("/" + "a" * 300, 0o640) == ["path longer than 256 characters"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(tmp_path, name, env, args=(), wait=0.0):
    """Start the stand-in under a program name (a symlink in a bin folder)."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    exe = bindir / name
    if not exe.exists():
        exe.symlink_to(STANDIN)
    proc = subprocess.Popen([sys.executable, str(exe), *args], env=dict(os.environ, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if wait:
        time.sleep(wait)
        if proc.poll() is None:
            return proc, None
    out, err = proc.communicate(timeout=20)
    return proc, err


def _coordinator_config(tmp_path, status_port):
    doc = {"http_config": {"predict_ip": "127.0.0.1", "manage_ip": "127.0.0.1", "predict_port": str(_free_port()),
                           "manage_port": str(_free_port()), "status_port": str(status_port)},
           "tls_config": {"status_tls_enable": False}}
    return json.dumps(doc)


@pytest.mark.parametrize("mode,link,refusal", [
    (0o444, False, "mode 0444 is above the allowed 0640"),
    (0o640, True, "is a symbolic link, which is not allowed"),
])
def test_the_program_exits_non_zero_naming_the_file(tmp_path, mode, link, refusal):
    real = _file(tmp_path / "coordinator.json", mode, _coordinator_config(tmp_path, _free_port()))
    path = real
    if link:
        path = str(tmp_path / "ms_coordinator.json")
        os.symlink(real, path)
    proc, err = _run(tmp_path, "mindie_motor_coordinator", {"MINDIE_MS_COORDINATOR_CONFIG_FILE_PATH": path})
    assert proc.returncode == 1
    assert "mindie_motor_coordinator stand-in: refused %s (coordinator config): %s" % (path, refusal) in err


def test_the_coordinator_serves_its_status_port_and_the_probe_client_gets_it(tmp_path):
    status = _free_port()
    conf = _file(tmp_path / "ms_coordinator.json", 0o640, _coordinator_config(tmp_path, status))
    probe_conf = _file(tmp_path / "http_client_ctl.json", 0o640, json.dumps({"tls_enable": False, "cert": {}}))
    coord, err = _run(tmp_path, "mindie_motor_coordinator", {"MINDIE_MS_COORDINATOR_CONFIG_FILE_PATH": conf},
                      args=["127.0.0.1", "127.0.0.1"], wait=1.5)
    assert err is None, err
    try:
        env = {"MINDIE_UTILS_HTTP_CLIENT_CTL_CONFIG_FILE_PATH": probe_conf}
        for path in ("/v1/startup", "/v1/readiness", "/v1/health"):
            assert _run(tmp_path, "http_client_ctl", env, ["127.0.0.1", str(status), path, "2"])[0].returncode == 0
        assert _run(tmp_path, "http_client_ctl", env, ["127.0.0.1", str(status), "/nope", "2"])[0].returncode == 1
        # the probe client checks its own configuration too
        os.chmod(probe_conf, 0o644)
        proc, err = _run(tmp_path, "http_client_ctl", env, ["127.0.0.1", str(status), "/v1/health", "2"])
        assert proc.returncode == 1 and "mode 0644 is above the allowed 0640" in err
    finally:
        coord.kill()
        coord.wait()
