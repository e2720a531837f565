# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The kthena_mooncake role's PD proxy (roles/kthena_mooncake/files/pdserve_pd_proxy.py) in front
of two TEST-ONLY vllm stand-ins (tools/sandbox/images/standin/vllm_standin.py) run with the
arguments our prefill.sh / decode.sh give: the proxy finds them in the pod list (Ready ones only,
split by the Kthena role label), sends prefill first with do_remote_decode, then decode with the
prefill's kv_transfer_params; the stand-ins refuse anything else."""
from __future__ import annotations

import http.client
import importlib.util
import json
import pathlib
import socket
import subprocess
import sys
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
PROXY = ROOT / "roles/kthena_mooncake/files/pdserve_pd_proxy.py"
STANDIN = ROOT / "tools/sandbox/images/standin/vllm_standin.py"
ROLE_LABEL = "modelserving.volcano.sh/role"


def _free_port(count=1):
    """A port with ``count - 1`` free ports after it (the Mooncake handshake ports)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        try:
            for extra in range(1, count):
                with socket.socket() as t:
                    t.bind(("127.0.0.1", port + extra))
            return port
        except OSError:
            continue
    raise AssertionError("no free ports")


def _start(tmp_path, role, port, kv_port):
    kv = {"kv_connector": "MooncakeConnectorV1", "kv_role": "kv_producer" if role == "prefill" else "kv_consumer",
          "kv_port": str(kv_port), "engine_id": "g-0_%s-0" % role}
    argv = [sys.executable, str(STANDIN), "serve", str(tmp_path), "--host", "127.0.0.1", "--port", str(port),
            "--data-parallel-size", "1", "--tensor-parallel-size", "2", "--served-model-name", "ds_r1",
            "--enforce-eager", "--kv-transfer-config", json.dumps(kv)]
    proc = subprocess.Popen(argv)
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("stand-in did not start")


@pytest.fixture(name="stack")
def _stack(tmp_path, monkeypatch):
    ports = {"prefill": _free_port(), "decode": _free_port()}
    kv_ports = {"prefill": _free_port(2), "decode": _free_port(2)}
    procs = [_start(tmp_path, r, ports[r], kv_ports[r]) for r in ("prefill", "decode")]
    spec = importlib.util.spec_from_file_location("pdserve_pd_proxy", PROXY)
    proxy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(proxy)
    listen = _free_port()
    for key, value in {"NAMESPACE": "ns", "SELECTOR": "a=b", "ROLE_LABEL": ROLE_LABEL,
                       "PREFILL_PORT": str(ports["prefill"]), "DECODE_PORT": str(ports["decode"]),
                       "PORT": str(listen), "REFRESH": "0"}.items():
        monkeypatch.setenv(key, value)

    def pod(role, ip, ready):
        return {"metadata": {"labels": {ROLE_LABEL: role}},
                "status": {"podIP": ip, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}

    # a prefill and a decode pod; one not Ready and one of another role are never chosen
    pods = [pod("prefill", "127.0.0.1", True), pod("decode", "127.0.0.1", True),
            pod("prefill", "192.0.2.9", False), pod("router", "192.0.2.8", True)]
    monkeypatch.setattr(proxy.Pods, "_list", lambda self: pods)
    server = proxy.ThreadingHTTPServer(("127.0.0.1", listen), proxy.Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield listen, ports
    server.shutdown()
    for proc in procs:
        proc.kill()
        proc.wait()


def _post(port, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    return resp.status, resp.read().decode()


def test_chat_goes_prefill_then_decode(stack):
    listen, _ports = stack
    status, body = _post(listen, "/v1/chat/completions",
                         {"model": "ds_r1", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 5})
    assert status == 200, body
    assert json.loads(body)["choices"][0]["message"]["content"] == \
        "stand-in answer: prefilled by g-0_prefill-0, decoded by g-0_decode-0"


def test_streamed_completion_and_health(stack):
    listen, _ports = stack
    status, body = _post(listen, "/v1/completions", {"model": "ds_r1", "prompt": "Hi", "stream": True})
    assert status == 200 and body.startswith("data: ") and body.rstrip().endswith("data: [DONE]")
    conn = http.client.HTTPConnection("127.0.0.1", listen, timeout=5)
    conn.request("GET", "/health")
    health = json.loads(conn.getresponse().read())
    assert health["prefill"] == ["127.0.0.1"] and health["decode"] == ["127.0.0.1"]


def test_the_stand_ins_refuse_a_request_that_skips_the_protocol(stack):
    _listen, ports = stack
    body = {"model": "ds_r1", "messages": [{"role": "user", "content": "x"}]}
    assert _post(ports["decode"], "/v1/chat/completions", body)[0] == 400
    assert _post(ports["prefill"], "/v1/chat/completions", body)[0] == 400
    assert _post(ports["prefill"], "/v1/chat/completions", dict(body, model="other"))[0] == 404
