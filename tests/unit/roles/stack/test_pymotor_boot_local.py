# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The rendered boot.sh and probe.py start the real controller and coordinator (no cluster).

The pods' environment is taken from the rendered pod templates; the test adapts only what a
cluster would give: the downward API values (loopback addresses), writable folders for
CONFIG_PATH and the log paths, and the Service names (no cluster DNS here: each *_SERVICE
variable becomes the address of the process behind that Service). The programs are the real
ones from .venv-motor (mindie-motor 3.0.0b2); this test FAILS without it (`make setup`).
TLS is turned off here (the per-pod certificates need the PKI role); the oracle tests check
that the TLS sections reach the runtime.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

from pymotor_render import ROOT, render, sandbox_inventory
import test_pymotor_contract as configs

VENV_BIN = os.path.join(ROOT, ".venv-motor", "bin")
ADDR = {"controller": "127.0.0.12", "coordinator": "127.0.0.13"}


def env_for(r, component, tmp_path, services):
    (tmpl,) = [t for c, _i, t in r.pods() if c == component]
    out = {}
    for item in configs.container_of(tmpl)["env"]:
        if "value" in item:
            out[item["name"]] = item["value"]
        else:
            path = item["valueFrom"]["fieldRef"]["fieldPath"]
            out[item["name"]] = {"status.podIP": ADDR[component], "status.hostIP": "127.0.0.1",
                                 "metadata.namespace": "test"}[path]
    conf = tmp_path / ("conf-" + component)
    logs = tmp_path / ("log-" + component)
    out["CONFIG_PATH"] = str(conf)
    out["USER_CONFIG_PATH"] = str(conf / "user_config.json")
    out["CONFIGMAP_PATH"] = str(tmp_path / "configmap")
    for key in ("MOTOR_LOG_PATH", "ASCEND_WORK_PATH", "ASCEND_CACHE_PATH"):
        if key in out:
            out[key] = str(logs / key.lower())
    for key, value in list(out.items()):
        if key.endswith("_SERVICE") and value in services:
            out[key] = services[value]
    return out


def wait_probe(cm_dir, env, port, deadline):
    last = None
    while time.time() < deadline:
        proc = subprocess.run([os.path.join(VENV_BIN, "python"), os.path.join(cm_dir, "probe.py"), "startup",
                               str(port)], env=env, capture_output=True, text=True, timeout=30)
        if proc.returncode == 0:
            return
        last = proc.stderr[-500:]
        time.sleep(0.5)
    raise AssertionError("no /startup on %s:%s: %s" % (env["POD_IP"], port, last))


def test_boot_sh_starts_the_real_controller_and_coordinator(tmp_path):
    assert os.path.exists(os.path.join(VENV_BIN, "python")), "run `make setup`: .venv-motor is this test's runtime"
    user, env_json = sandbox_inventory()
    user["motor_deploy_config"]["tls_config"] = {"infer_tls_config": {"enable_tls": False},
                                                 "mgmt_tls_config": {"enable_tls": False}}
    env_json["motor_common_env"]["MOTOR_LOG_ROOT_PATH"] = str(tmp_path / "logroot")
    r = render(user, env_json)
    cm = r.configmap()["data"]
    cm_dir = tmp_path / "configmap"
    cm_dir.mkdir()
    for name, text in cm.items():
        (cm_dir / name).write_text(text)
    ns = user["motor_deploy_config"]["job_id"]
    # Service FQDN -> the address of the component the Service selects
    services = {}
    for name, svc in r.services().items():
        target = [c for c, _i, t in r.pods() if set(svc["spec"]["selector"].items()) <= set(
            t["metadata"]["labels"].items())][0]
        if target in ADDR:
            services["%s.%s.svc.cluster.local" % (name, ns)] = ADDR[target]
    procs = []
    try:
        envs = {}
        for component in ("controller", "coordinator"):
            env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ["PATH"],
                       **env_for(r, component, tmp_path, services))
            envs[component] = env
            log = open(tmp_path / (component + ".out"), "w")
            procs.append(subprocess.Popen(["/bin/bash", str(cm_dir / "boot.sh")], env=env, stdin=subprocess.PIPE,
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.time() + 90
        wait_probe(str(cm_dir), envs["controller"], configs.port_in(user, "motor_controller_config",
                                                                   "controller_api_port"), deadline)
        wait_probe(str(cm_dir), envs["coordinator"], configs.port_in(user, "motor_coordinator_config",
                                                                    "coordinator_api_mgmt_port"), deadline)
        # boot.sh put the ConfigMap's user_config.json where the runtime reads it
        conf = json.loads((tmp_path / "conf-coordinator" / "user_config.json").read_text())
        assert conf == json.loads(cm["user_config.json"])
        # the coordinator serves inference on the configured port; without engines: 503
        infer = configs.port_in(user, "motor_coordinator_config", "coordinator_api_infer_port")
        request = urllib.request.Request(
            "http://%s:%s/v1/chat/completions" % (ADDR["coordinator"], infer),
            data=json.dumps({"model": "qwen3-8B", "messages": [{"role": "user", "content": "hi"}]}).encode(),
            headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=30)
        assert err.value.code == 503
        assert "not available" in err.value.read().decode()
        # the components run the entry points boot.sh names, under the ROLE of their pod
        for proc, module in zip(procs, ("motor.controller.main", "motor.coordinator.main")):
            assert proc.poll() is None
            cmdline = open("/proc/%d/cmdline" % proc.pid, "rb").read().split(b"\0")
            assert module.encode() in cmdline  # boot.sh exec'd into the program
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
