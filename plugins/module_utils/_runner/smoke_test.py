# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.smoke_test module (private: not a public API).

Send one streaming chat request to a stack's coordinator and check the answer.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)``: see module_utils/_runner/__init__.py.
"""
from __future__ import annotations

import json
import time
import urllib.error

from ansible.module_utils.urls import open_url

NOT_AVAILABLE = "Service is not available"


class NotReady(Exception):
    pass


class BadStream(Exception):
    pass


def parse_stream(lines):
    """Validate an SSE chat completion stream; return (text, chunks)."""
    text, chunks, done = [], 0, False
    for raw in lines:
        line = raw.decode("utf-8", "replace").strip() if isinstance(raw, bytes) else raw.strip()
        if not line or line.startswith(":"):
            continue
        if not line.startswith("data:"):
            if NOT_AVAILABLE in line:
                raise NotReady(line)
            raise BadStream("not a server-sent event line: %r" % line[:200])
        payload = line[5:].strip()
        if payload == "[DONE]":
            done = True
            break
        try:
            chunk = json.loads(payload)
        except ValueError:
            raise BadStream("chunk %d is not JSON: %r" % (chunks + 1, payload[:200]))
        if isinstance(chunk, dict) and chunk.get("detail") == NOT_AVAILABLE:
            raise NotReady(payload)
        if isinstance(chunk, dict) and "choices" not in chunk and chunk.get("code") in (502, 503, 504):
            # an error event in the stream (MindIE-PyMotor's coordinator sends its 503s this way
            # once it has started streaming, e.g. "Scheduling failed ... No instance available")
            raise NotReady(payload)
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(choices[0].get("delta"), dict):
            raise BadStream("chunk %d has no choices[0].delta: %r" % (chunks + 1, payload[:200]))
        chunks += 1
        text.append(choices[0]["delta"].get("content") or "")
    if not done:
        raise BadStream("the stream ended without data: [DONE] after %d chunk(s)" % chunks)
    if chunks == 0:
        raise BadStream("the stream carried no chunk")
    return "".join(text), chunks


def parse_answer(data):
    """Validate a plain (non-streamed) chat completion; return (text, 0)."""
    if NOT_AVAILABLE in data:
        raise NotReady(data[:200])
    try:
        answer = json.loads(data)
    except ValueError:
        raise BadStream("the answer is not JSON: %r" % data[:200])
    choices = answer.get("choices") if isinstance(answer, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0].get("message"), dict):
        raise BadStream("the answer has no choices[0].message: %r" % data[:200])
    return choices[0]["message"].get("content") or "", 0


def ask(url, body, request_timeout, tls):
    stream = body.get("stream", True)
    try:
        with open_url(url.rstrip("/") + "/v1/chat/completions", data=json.dumps(body).encode(), method="POST",
                      headers={"Content-Type": "application/json",
                               "Accept": "text/event-stream" if stream else "application/json"},
                      timeout=request_timeout, validate_certs=tls["validate_certs"], ca_path=tls["ca_path"],
                      use_proxy=False) as resp:
            ctype = resp.headers.get("Content-Type", "")
            if not stream:
                return parse_answer(resp.read().decode("utf-8", "replace"))
            if "json" in ctype and "event-stream" not in ctype:
                data = resp.read().decode("utf-8", "replace")
                if NOT_AVAILABLE in data:
                    raise NotReady(data)
                raise BadStream("expected a stream, got JSON: %s" % data[:200])
            return parse_stream(resp)
    except urllib.error.HTTPError as exc:
        data = exc.read().decode("utf-8", "replace")
        if NOT_AVAILABLE in data or exc.code in (502, 503, 504):
            raise NotReady("HTTP %s %s" % (exc.code, data[:200]))
        raise BadStream("HTTP %s: %s" % (exc.code, data[:200]))
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise NotReady(str(getattr(exc, "reason", exc)))


def run(params, clock=time.monotonic, sleep=time.sleep):
    tls = {"validate_certs": params["validate_certs"], "ca_path": params.get("ca_path")}
    body = {"model": params["model"], "messages": [{"role": "user", "content": params["prompt"]}],
            "max_tokens": params["max_tokens"], "stream": params.get("stream", True)}
    start = clock()
    attempts = 0
    last = ""
    while True:
        attempts += 1
        try:
            text, chunks = ask(params["url"], body, params["request_timeout"], tls)
            return {"ok": True, "text": text, "chunks": chunks, "attempts": attempts,
                    "elapsed": round(clock() - start, 2)}
        except NotReady as exc:
            last = str(exc)
        except BadStream as exc:
            return {"ok": False, "msg": "invalid answer from %s: %s" % (params["url"], exc), "chunks": 0,
                    "attempts": attempts, "elapsed": round(clock() - start, 2)}
        if clock() - start + params["retry_delay"] > params["timeout"]:
            return {"ok": False, "msg": "service at %s not available after %ss (%d attempts); last answer: %s"
                    % (params["url"], params["timeout"], attempts, last), "chunks": 0,
                    "attempts": attempts, "elapsed": round(clock() - start, 2)}
        sleep(params["retry_delay"])


def ARGUMENT_SPEC():
    return dict(argument_spec=dict(
        url=dict(type="str", required=True),
        model=dict(type="str", required=True),
        prompt=dict(type="str", default="who are you?"),
        max_tokens=dict(type="int", default=36, no_log=False),
        timeout=dict(type="int", default=300),
        retry_delay=dict(type="float", default=5),
        request_timeout=dict(type="float", default=60),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        stream=dict(type="bool", default=True),
    ))


def execute(params, check_mode=False):
    if check_mode:
        return dict(changed=False, chunks=0, attempts=0, elapsed=0.0, msg="check mode: no request sent")
    result = run(params)
    ok = result.pop("ok")
    result["changed"] = False
    if not ok:
        result["failed"] = True
    return result
