#!/usr/bin/env python3
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""TEST-ONLY STAND-IN for AscendCloud-LLM's ``llm_tools/PD_separate/start_servers.sh`` (the real
one needs NPUs): it checks what the document "PD分离部署使用说明" says the real server is given, then
serves the port. Nothing of it is the real server.

Checks (each failure is printed and the process exits 2, so the container stops):
- ``GLOBAL_RANK_TABLE_FILE_PATH`` and ``RANK_TABLE_FILE_PATH`` name readable JSON files; the
  global table has the three groups "0" scheduler, "1" prefill, "2" decode;
- the local table (group_id "0", one server) equals one entry of the global table: an instance
  of group "1" or "2" (then this is a prefill / decode instance) or, without devices, the
  scheduler entry of group "0" (the host table: this is the API entry);
- an instance: rank_id 0..n-1, ``--tensor-parallel-size`` equals its NPU count, exactly its own
  ``/dev/davinciN`` are in the container (no other NPU), plus davinci_manager, devmm_svm,
  hisi_hdc; the driver folder, npu-smi and ascend_install.info are mounted; ``--model`` exists;
- the scheduler: ``NODE_PORTS`` holds one port per prefill and decode instance of the global
  table (their order is the table's); every instance's address is in ``no_proxy``.

Serves on ``--host``/``--port``: ``GET /health``, ``GET /v1/models``, ``POST /v1/completions``.
The scheduler answers a completion by asking the next prefill instance, then the next decode
instance (the global table's order paired with NODE_PORTS) and returns both answers.
"""
from __future__ import annotations

import argparse
import glob
import itertools
import json
import os
import re
import signal
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def log(msg):
    print("pd-standin: %s" % msg, flush=True)


def die(problems):
    for p in problems:
        log("ERROR " + p)
    sys.exit(2)


def load(var, problems):
    path = os.environ.get(var)
    if not path:
        problems.append("%s is not set" % var)
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        problems.append("%s=%s: %s" % (var, path, exc))
        return None


def check(args):
    problems = []
    glob_doc = load("GLOBAL_RANK_TABLE_FILE_PATH", problems)
    local = load("RANK_TABLE_FILE_PATH", problems)
    if problems:
        die(problems)
    groups = {g.get("group_id"): g for g in glob_doc.get("server_group_list", [])}
    if sorted(groups) != ["0", "1", "2"] or len(glob_doc["server_group_list"]) != 3:
        die(["global table: server_group_list must hold groups 0, 1, 2 (got %s)" % sorted(groups)])
    if local.get("group_id") != "0" or len(local.get("server_list", [])) != 1 or local.get("server_count") != "1":
        die(["local table: group_id \"0\" and exactly one server expected"])
    mine = local["server_list"][0]
    role = None
    if "device" not in mine:
        if groups["0"]["server_list"] == [mine]:
            role = "scheduler"
    else:
        for gid, name in (("1", "prefill"), ("2", "decode")):
            if mine in groups[gid]["server_list"]:
                role = name
    if role is None:
        die(["local table %s corresponds to no entry of the global table %s" % (
            os.environ["RANK_TABLE_FILE_PATH"], os.environ["GLOBAL_RANK_TABLE_FILE_PATH"])])
    state = {"role": role, "server_ip": mine.get("server_ip"), "port": args.port, "model": args.served_model_name}
    for dev in ("/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc", "/usr/local/Ascend/driver",
                "/usr/local/sbin/npu-smi", "/etc/ascend_install.info"):
        if not os.path.exists(dev):
            problems.append("%s is not in the container (the document mounts it)" % dev)
    if role == "scheduler":
        instances = groups["1"]["server_list"] + groups["2"]["server_list"]
        ports = [p for p in os.environ.get("NODE_PORTS", "").split(",") if p]
        if len(ports) != len(instances):
            problems.append("NODE_PORTS=%s: must list %d ports, one per prefill and decode instance of the global "
                            "table" % (os.environ.get("NODE_PORTS"), len(instances)))
        no_proxy = os.environ.get("no_proxy", "").split(",")
        for inst in instances:
            if inst["server_ip"] not in no_proxy:
                problems.append("no_proxy lacks the instance address %s" % inst["server_ip"])
        pairs = list(zip(instances, ports))
        state["prefill"] = [(i["server_ip"], int(p)) for i, p in pairs if i in groups["1"]["server_list"]]
        state["decode"] = [(i["server_ip"], int(p)) for i, p in pairs if i in groups["2"]["server_list"]]
    else:
        ids = [d["device_id"] for d in mine["device"]]
        ranks = [d["rank_id"] for d in mine["device"]]
        if ranks != [str(i) for i in range(len(ids))]:
            problems.append("rank_id must be 0..%d (got %s)" % (len(ids) - 1, ranks))
        if args.tensor_parallel_size != len(ids):
            problems.append("--tensor-parallel-size=%s but the local table holds %d NPUs" % (
                args.tensor_parallel_size, len(ids)))
        present = sorted(int(m.group(1)) for m in (re.match(r"/dev/davinci(\d+)$", p)
                                                   for p in glob.glob("/dev/davinci*")) if m)
        if present != sorted(int(i) for i in ids):
            problems.append("the container holds NPUs %s but its local table %s (only its own NPUs may be given)"
                            % (present, ids))
        if not os.path.isdir(args.model):
            problems.append("--model=%s is not a folder in the container" % args.model)
        state["devices"] = ids
    if problems:
        die(problems)
    return state


def post(ip, port, body):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request("http://%s:%d/v1/completions" % (ip, port), data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with opener.open(req, timeout=10) as resp:
        return json.loads(resp.read().decode())


def serve(args, state):
    lock = threading.Lock()
    rr = {"prefill": itertools.cycle(state.get("prefill") or [None]),
          "decode": itertools.cycle(state.get("decode") or [None])}

    class Handler(BaseHTTPRequestHandler):
        def reply(self, code, doc):
            data = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *a):
            log("%s %s" % (self.address_string(), fmt % a))

        def do_GET(self):
            if self.path == "/health":
                return self.reply(200, {"status": "ok", "role": state["role"]})
            if self.path == "/v1/models":
                return self.reply(200, {"object": "list", "data": [{"id": state["model"], "object": "model"}]})
            return self.reply(404, {"error": "not found"})

        def do_POST(self):
            if self.path not in ("/v1/completions", "/v1/chat/completions"):
                return self.reply(404, {"error": "not found"})
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if body.get("model") != state["model"]:
                return self.reply(404, {"error": "model %r is not served (%s)" % (body.get("model"), state["model"])})
            if state["role"] != "scheduler":
                return self.reply(200, {"role": state["role"], "server_ip": state["server_ip"], "port": state["port"],
                                        "devices": state["devices"], "model": state["model"]})
            with lock:
                p, d = next(rr["prefill"]), next(rr["decode"])
            try:
                first = post(p[0], p[1], body)
                second = post(d[0], d[1], body)
            except Exception as exc:  # pylint: disable=broad-except
                return self.reply(502, {"error": "instance unreachable: %s" % exc})
            return self.reply(200, {"object": "text_completion", "model": state["model"],
                                    "choices": [{"index": 0, "text": "stand-in answer", "finish_reason": "stop"}],
                                    "pdserve_standin": {"prefill": first, "decode": second}})

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    log("%s listening on %s:%d (%s)" % (state["role"], args.host, args.port, json.dumps(state)))
    server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--tensor-parallel-size", type=int, required=True)
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--served-model-name", required=True)
    args, rest = parser.parse_known_args()
    # PID 1 of its container: without a handler SIGTERM is ignored and docker stop waits 10 s
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log("start_servers.sh stand-in: %s (other arguments: %s)" % (vars(args), rest))
    serve(args, check(args))


if __name__ == "__main__":
    main()
