#!/usr/bin/env python3
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""pdserve's PD proxy for vLLM prefill / decode pods (Python standard library only).

The flow of vllm-ascend's examples/disaggregated_prefill_v1/load_balance_proxy_server_example.py
(written anew): a request goes to a prefill server with ``kv_transfer_params.do_remote_decode``,
``stream: false`` and ``max_tokens: 1``; the ``kv_transfer_params`` it answers with go, in the
original request, to a decode server, whose answer (streamed or not) is the client's.

Unlike the example, the servers are not a list typed by hand: the proxy lists the Ready pods of
its stack from the Kubernetes API (service account token, label selector) every few seconds and
splits them by the Kthena role label, so it follows a scale without a restart. Environment:
NAMESPACE, SELECTOR (label selector), ROLE_LABEL, PREFILL_PORT, DECODE_PORT, PORT (listen),
REFRESH (seconds, default 2).
"""
from __future__ import annotations

import http.client
import itertools
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SA = "/var/run/secrets/kubernetes.io/serviceaccount"
PATHS = ("/v1/chat/completions", "/v1/completions")


class Pods:
    """The Ready prefill / decode pod IPs, refreshed from the API at most every REFRESH seconds."""

    def __init__(self):
        self.lock = threading.Lock()
        self.at = 0.0
        self.ips = {"prefill": [], "decode": []}
        self.turn = {"prefill": itertools.count(), "decode": itertools.count()}
        self.error = ""

    def _list(self):
        host = os.environ["KUBERNETES_SERVICE_HOST"]
        port = int(os.environ.get("KUBERNETES_SERVICE_PORT", "443"))
        with open(os.path.join(SA, "token"), encoding="utf-8") as handle:
            token = handle.read().strip()
        context = ssl.create_default_context(cafile=os.path.join(SA, "ca.crt"))
        conn = http.client.HTTPSConnection(host, port, context=context, timeout=10)
        query = urllib.parse.urlencode({"labelSelector": os.environ["SELECTOR"]})
        conn.request("GET", "/api/v1/namespaces/%s/pods?%s" % (os.environ["NAMESPACE"], query),
                     headers={"Authorization": "Bearer " + token})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError("listing pods: HTTP %d %s" % (resp.status, body[:200]))
        return json.loads(body)["items"]

    def get(self, role):
        with self.lock:
            if time.time() - self.at > float(os.environ.get("REFRESH", "2")):
                try:
                    ips = {"prefill": [], "decode": []}
                    for pod in self._list():
                        labels = pod["metadata"].get("labels") or {}
                        status = pod.get("status") or {}
                        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                                    for c in status.get("conditions") or [])
                        name = labels.get(os.environ["ROLE_LABEL"])
                        if name in ips and ready and status.get("podIP") and not pod["metadata"].get("deletionTimestamp"):
                            ips[name].append(status["podIP"])
                    self.ips = {k: sorted(v) for k, v in ips.items()}
                    self.error = ""
                except Exception as exc:  # keep the last good list; report why
                    self.error = str(exc)
                self.at = time.time()
            ips = self.ips[role]
            if not ips:
                return None
            return ips[next(self.turn[role]) % len(ips)]


PODS = Pods()


def _port(role):
    return int(os.environ["PREFILL_PORT" if role == "prefill" else "DECODE_PORT"])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        sys.stderr.write("pd-proxy %s\n" % (fmt % args))

    def _reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            prefill, decode = PODS.get("prefill"), PODS.get("decode")
            ok = bool(prefill and decode)
            self._reply(200 if ok else 503, {"prefill": PODS.ips["prefill"], "decode": PODS.ips["decode"],
                                             "error": PODS.error})
        elif self.path == "/v1/models":
            decode = PODS.get("decode")
            if not decode:
                return self._reply(503, {"error": "no Ready decode pod (%s)" % PODS.error})
            conn = http.client.HTTPConnection(decode, _port("decode"), timeout=30)
            conn.request("GET", self.path)
            resp = conn.getresponse()
            self._reply(resp.status, json.loads(resp.read() or b"{}"))
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path not in PATHS:
            return self._reply(404, {"error": "not found"})
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        except ValueError:
            return self._reply(400, {"error": "the body is not JSON"})
        prefill, decode = PODS.get("prefill"), PODS.get("decode")
        if not prefill or not decode:
            return self._reply(503, {"error": "no Ready prefill and decode pods (%s)" % PODS.error})
        request_id = self.headers.get("X-Request-Id") or str(uuid.uuid4())
        headers = {"Content-Type": "application/json", "X-Request-Id": request_id}
        first = dict(request, stream=False, max_tokens=1,
                     kv_transfer_params={"do_remote_decode": True, "do_remote_prefill": False,
                                         "remote_engine_id": None, "remote_block_ids": None,
                                         "remote_host": None, "remote_port": None})
        first.pop("stream_options", None)
        if "max_completion_tokens" in first:
            first["max_completion_tokens"] = 1
        try:
            conn = http.client.HTTPConnection(prefill, _port("prefill"), timeout=600)
            conn.request("POST", self.path, json.dumps(first), headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                return self._reply(502, {"error": "prefill %s:%d answered %d: %s"
                                         % (prefill, _port("prefill"), resp.status, body[:300].decode(errors="replace"))})
            params = json.loads(body).get("kv_transfer_params")
            second = dict(request)
            if params:
                second["kv_transfer_params"] = params
            conn = http.client.HTTPConnection(decode, _port("decode"), timeout=600)
            conn.request("POST", self.path, json.dumps(second), headers)
            resp = conn.getresponse()
        except (OSError, ValueError, http.client.HTTPException) as exc:
            return self._reply(502, {"error": "upstream: %s" % exc})
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.getheader("Content-Type") or "application/json")
        self.end_headers()
        while True:
            chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
            if not chunk:
                break
            self.wfile.write(chunk)
            self.wfile.flush()


def main():
    server = ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler)
    sys.stderr.write("pd-proxy listening on %s, pods %s in %s\n"
                     % (server.server_address, os.environ["SELECTOR"], os.environ["NAMESPACE"]))
    server.serve_forever()


if __name__ == "__main__":
    main()
