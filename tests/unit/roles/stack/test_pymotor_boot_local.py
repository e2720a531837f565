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

import http.client
import json
import os
import random
import signal
import ssl
import sys
import subprocess
import time
import urllib.request

import pytest

from pymotor_render import ROOT, render, sandbox_inventory
import test_pymotor_contract as configs

VENV_BIN = os.path.join(ROOT, ".venv-motor", "bin")
# Loopback addresses of this run's own (all of 127/8 is loopback): two test runs on one machine
# (parallel checkouts) would otherwise meet on the runtime's fixed ports.
_NET = "127.%d.%d." % (random.randint(1, 254), random.randint(1, 254))
ADDR = {"controller": _NET + "12", "coordinator": _NET + "13"}


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


def start(tmp_path, r, user, boot_edit=None, extra_env=None):
    """Write the ConfigMap's files, start controller and coordinator from boot.sh; returns
    (processes, their env, the ConfigMap folder)."""
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
    procs, envs = [], {}
    for component in ("coordinator", "controller"):
        env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ["PATH"],
                   **env_for(r, component, tmp_path, services))
        env.update(extra_env or {})
        envs[component] = env
        boot = cm_dir / "boot.sh"
        if boot_edit:
            boot = tmp_path / ("boot-%s.sh" % component)
            boot.write_text(boot_edit(component, cm["boot.sh"]))
        log = open(tmp_path / (component + ".out"), "w")
        procs.append(subprocess.Popen(["/bin/bash", str(boot)], env=env, stdin=subprocess.PIPE,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        if boot_edit and component == "coordinator":
            # the coordinator's boot.sh makes the certificate the controller reuses (see below)
            deadline = time.time() + 60
            while not (tmp_path / "tls" / "cert.pem").exists() and time.time() < deadline:
                time.sleep(0.2)
    return procs, envs, cm_dir


def stop(procs):
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


def test_boot_sh_starts_the_real_controller_and_coordinator(tmp_path):
    assert os.path.exists(os.path.join(VENV_BIN, "python")), "run `make setup`: .venv-motor is this test's runtime"
    user, env_json = sandbox_inventory()
    user["motor_deploy_config"]["tls_config"] = {"infer_tls_config": {"enable_tls": False},
                                                 "mgmt_tls_config": {"enable_tls": False}}
    env_json["motor_common_env"]["MOTOR_LOG_ROOT_PATH"] = str(tmp_path / "logroot")
    r = render(user, env_json)
    cm = r.configmap()["data"]
    procs, envs, cm_dir = start(tmp_path, r, user)
    try:
        deadline = time.time() + 90
        api = configs.port_in(user, "motor_controller_config", "controller_api_port")
        mgmt = configs.port_in(user, "motor_coordinator_config", "coordinator_api_mgmt_port")
        wait_probe(str(cm_dir), envs["controller"], api, deadline)
        wait_probe(str(cm_dir), envs["coordinator"], mgmt, deadline)
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
        for proc, module in zip(procs, ("motor.coordinator.main", "motor.controller.main")):
            assert proc.poll() is None
            cmdline = open("/proc/%d/cmdline" % proc.pid, "rb").read().split(b"\0")
            assert module.encode() in cmdline  # boot.sh exec'd into the program
    finally:
        stop(procs)


def test_management_tls_is_really_on(tmp_path):
    """Management TLS on (inference TLS off: 3.0.0b2 crashes with it): boot.sh makes the pod's
    certificate with the PKI role's generator, the runtime serves HTTPS with it, probe.py passes
    with our CA, plain HTTP gets no answer. The kubelet's mounts are replaced by folders: the
    Secret (/mnt/security) and the generator's ConfigMap (/opt/pdserve/cert-tools). Both
    processes share one certificate folder here (one host), so the coordinator's certificate,
    whose SANs hold its POD_IP and HOST_IP (= the controller's address here), serves both."""
    assert os.path.exists(os.path.join(VENV_BIN, "python")), "run `make setup`: .venv-motor is this test's runtime"
    sys.path.insert(0, os.path.join(ROOT, "tests", "unit", "roles", "pki"))
    from test_pdserve_pod_cert import make_ca, write_ca
    user, env_json = sandbox_inventory()
    user["motor_deploy_config"]["tls_config"] = {"infer_tls_config": {"enable_tls": False}}
    env_json["motor_common_env"]["MOTOR_LOG_ROOT_PATH"] = str(tmp_path / "logroot")
    cert_dir = tmp_path / "tls"
    r = render(user, env_json, cert_dir=str(cert_dir))
    assert json.loads(r.configmap()["data"]["user_config.json"])["motor_deploy_config"]["tls_config"][
        "mgmt_tls_config"]["enable_tls"] is True
    ca_cert, ca_key = make_ca(key_size=3072)  # the runtime refuses RSA keys under 3072 bits
    sec = tmp_path / "security"
    write_ca(sec, ca_cert, ca_key)
    (sec / "gen_cert.json").write_text(json.dumps({
        "ca_cert": str(sec / "ca.pem"), "ca_key": str(sec / "ca.key.pem"), "ca_key_pwd": str(sec / "ca_passwd.txt"),
        "cert_config": str(sec / "cert_info.json"), "output_path": str(cert_dir), "ip_env": ["POD_IP", "HOST_IP"],
        "key_size": 3072, "encrypt_key": True}))
    (sec / "cert_info.json").write_text(json.dumps({
        "subject": "coordinator", "expired_time": 3650, "alt_names": {"IP": [], "DNS": []},
        "req_distinguished_name": {"C": "CN", "O": "pdserve", "OU": "Ascend", "CN": "coordinator"}}))
    script = os.path.join(ROOT, "roles", "pki", "files", "pdserve_pod_cert.py")

    def edit(component, boot):
        assert "/opt/pdserve/cert-tools/pdserve_pod_cert.py /mnt/security/gen_cert.json" in boot
        line = "python3 %s %s/gen_cert.json || exit 1" % (script, sec) if component == "coordinator" else ":"
        return boot.replace("python3 /opt/pdserve/cert-tools/pdserve_pod_cert.py /mnt/security/gen_cert.json || exit 1",
                            line)

    procs, envs, cm_dir = start(tmp_path, r, user, boot_edit=edit, extra_env={"HOST_IP": ADDR["controller"]})
    try:
        deadline = time.time() + 90
        ports = {"controller": configs.port_in(user, "motor_controller_config", "controller_api_port"),
                 "coordinator": configs.port_in(user, "motor_coordinator_config", "coordinator_api_mgmt_port")}
        for component, port in ports.items():
            wait_probe(str(cm_dir), envs[component], port, deadline)  # HTTPS + our CA (probe.py)
            context = ssl.create_default_context(cafile=str(cert_dir / "ca.pem"))
            with urllib.request.urlopen("https://%s:%s/liveness" % (ADDR[component], port), timeout=20,
                                        context=context) as response:
                assert response.status == 200
            with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
                urllib.request.urlopen("http://%s:%s/liveness" % (ADDR[component], port), timeout=10)
    finally:
        stop(procs)
