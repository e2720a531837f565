#!/usr/bin/env python3
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""TEST-ONLY stand-in of `vllm serve` (vLLM-Ascend needs NPUs; the sandbox has none).

Installed as /usr/local/bin/vllm in the sandbox image pdserve/vllm-standin, run by the
kthena_mooncake stack's prefill.sh / decode.sh exactly as the real one would be. It:

- takes `vllm serve MODEL --host H --port P ... --kv-transfer-config JSON` (every flag is kept,
  unknown ones too), refuses a model folder that does not exist and a kv-transfer-config that is
  not JSON;
- binds every port the real engine would: the API on --host:--port, and (plain TCP listeners)
  --data-parallel-rpc-port and the Mooncake handshake ports kv_port .. kv_port + DP x TP - 1, so
  two pods that share a node and a port fail as the real ones would;
- serves GET /health, GET /v1/models (the --served-model-name), GET /standin/args (the arguments,
  the flags parsed from them and the environment it got: the tests compare them with the
  configuration) and
  POST /v1/chat/completions, /v1/completions: a kv_producer answers a request that carries
  kv_transfer_params.do_remote_decode with kv_transfer_params naming itself; a kv_consumer
  answers only a request whose kv_transfer_params name a producer (remote_engine_id), so a chat
  answer proves the request went prefill first, then decode.

Guesses (not checked against vLLM-Ascend): the kv_transfer_params a producer returns (the keys of
vllm_ascend's mooncake connector request_finished: do_remote_prefill, remote_engine_id,
remote_host, remote_port, remote_block_ids) and the answer bodies (the smallest OpenAI shape).
"""
from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECORDED_ENV = ("POD_IP", "GROUP_NAME", "ROLE_ID", "ROLE", "MODEL_LOCATION", "MOONCAKE_ENGINE_ID", "HCCL_IF_IP",
                "GLOO_SOCKET_IFNAME", "TP_SOCKET_IFNAME", "HCCL_SOCKET_IFNAME", "HCCL_BUFFSIZE", "VLLM_USE_V1")


def parse(argv):
    if not argv or argv[0] != "serve" or len(argv) < 2:
        sys.exit("vllm stand-in: usage: vllm serve MODEL [--flag value ...]")
    flags, i = {}, 2
    while i < len(argv):
        if not argv[i].startswith("--"):
            sys.exit("vllm stand-in: unexpected argument %r" % argv[i])
        if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            flags[argv[i][2:]] = argv[i + 1]
            i += 2
        else:
            flags[argv[i][2:]] = True
            i += 1
    return argv[1], flags


def main():
    argv = sys.argv[1:]
    model, flags = parse(argv)
    if not os.path.isdir(model):
        sys.exit("vllm stand-in: model folder %s does not exist" % model)
    try:
        kv = json.loads(flags.get("kv-transfer-config") or "{}")
    except ValueError as exc:
        sys.exit("vllm stand-in: --kv-transfer-config is not JSON: %s" % exc)
    host, port = flags.get("host", "0.0.0.0"), int(flags.get("port", 8000))
    ranks = int(flags.get("data-parallel-size", 1)) * int(flags.get("tensor-parallel-size", 1))
    extra = []
    if "data-parallel-rpc-port" in flags:
        extra.append(int(flags["data-parallel-rpc-port"]))
    if kv.get("kv_port"):
        extra += [int(kv["kv_port"]) + r for r in range(ranks)]
    holders = []
    for p in extra:  # held open for the life of the process, as the real engine's sockets are
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, p))
        except OSError as exc:
            sys.exit("vllm stand-in: cannot bind %s:%d: %s" % (host, p, exc))
        s.listen(1)
        holders.append(s)
    state = {"argv": argv, "model": model, "flags": flags, "env": {k: os.environ.get(k) for k in RECORDED_ENV}, "kv": kv,
             "served": flags.get("served-model-name", model), "started": time.time()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, fmt, *args):
            sys.stderr.write("vllm stand-in %s %s\n" % (kv.get("kv_role", "-"), fmt % args))

        def _reply(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/health":
                return self._reply(200, {})
            if self.path == "/v1/models":
                return self._reply(200, {"object": "list", "data": [{"id": state["served"], "object": "model"}]})
            if self.path == "/standin/args":
                return self._reply(200, state)
            return self._reply(404, {"error": "not found"})

        def do_POST(self):
            if self.path not in ("/v1/chat/completions", "/v1/completions"):
                return self._reply(404, {"error": "not found"})
            req = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if req.get("model") != state["served"]:
                return self._reply(404, {"error": "model %r is not served here (%s)" % (req.get("model"), state["served"])})
            params = req.get("kv_transfer_params") or {}
            rid = "chatcmpl-" + (self.headers.get("X-Request-Id") or uuid.uuid4().hex)
            if kv.get("kv_role") == "kv_producer":
                if not params.get("do_remote_decode"):
                    return self._reply(400, {"error": "prefill stand-in: kv_transfer_params.do_remote_decode missing"})
                text, back = "", {"do_remote_prefill": True, "do_remote_decode": False,
                                  "remote_engine_id": kv.get("engine_id"), "remote_host": host,
                                  "remote_port": int(kv.get("kv_port", 0)), "remote_block_ids": [0]}
            elif kv.get("kv_role") == "kv_consumer":
                if not params.get("remote_engine_id") or not params.get("do_remote_prefill"):
                    return self._reply(400, {"error": "decode stand-in: no prefill kv_transfer_params in the request"})
                text = "stand-in answer: prefilled by %s, decoded by %s" % (params["remote_engine_id"], kv.get("engine_id"))
                back = None
            else:
                text, back = "stand-in answer", None
            if self.path == "/v1/chat/completions":
                choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "length"}
            else:
                choice = {"index": 0, "text": text, "finish_reason": "length"}
            answer = {"id": rid, "object": "chat.completion", "created": int(time.time()), "model": state["served"],
                      "choices": [choice], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                      "kv_transfer_params": back}
            if req.get("stream") and back is None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                delta = dict(answer, object="chat.completion.chunk",
                             choices=[{"index": 0, "delta": {"content": text}, "finish_reason": "length"}])
                self.wfile.write(("data: %s\n\ndata: [DONE]\n\n" % json.dumps(delta)).encode())
                return None
            return self._reply(200, answer)

    server = ThreadingHTTPServer((host, port), Handler)
    sys.stderr.write("vllm stand-in: %s serving %s on %s:%d (also holding %s)\n"
                     % (kv.get("kv_role", "-"), state["served"], host, port, extra))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
