"""smoke_test against a real local HTTP server that answers as the coordinator documents."""
from __future__ import annotations

import json
import os
import sys

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import smoke_test

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures"))
from fake_coordinator import FakeCoordinator  # noqa: E402


def params(url, **kw):
    p = dict(url=url, model="qwen3-8B", prompt="who are you?", max_tokens=36, timeout=10, retry_delay=0.05,
             request_timeout=5, validate_certs=True, ca_path=None)
    p.update(kw)
    return p


@pytest.fixture
def server(request):
    args = getattr(request, "param", {})
    srv = FakeCoordinator(**args).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("server", [{"not_ready": 3}], indirect=True)
def test_retries_while_not_available_then_reads_the_stream(server):
    result = smoke_test.run(params(server.url))
    assert result["ok"], result
    assert result["attempts"] == 4
    assert result["text"] == "I am a model."
    assert result["chunks"] == 5
    sent = server.requests[-1]
    assert sent["stream"] is True and sent["model"] == "qwen3-8B"
    assert sent["messages"] == [{"role": "user", "content": "who are you?"}]


@pytest.mark.parametrize("server", [{"not_ready": 2}], indirect=True)
def test_plain_answer_retries_while_not_available_then_reads_the_message(server):
    result = smoke_test.run(params(server.url, stream=False))
    assert result["ok"], result
    assert result["attempts"] == 3 and result["chunks"] == 0
    assert result["text"] == "I am a model."
    assert server.requests[-1]["stream"] is False


@pytest.mark.parametrize("server", [{"mode": "garbage"}], indirect=True)
def test_plain_answer_without_a_message_fails_at_once(server):
    result = smoke_test.run(params(server.url, stream=False))
    assert not result["ok"] and result["attempts"] == 1
    assert "no choices[0].message" in result["msg"]


@pytest.mark.parametrize("server", [{"not_ready": 1000}], indirect=True)
def test_gives_up_after_timeout_with_last_answer(server):
    result = smoke_test.run(params(server.url, timeout=1, retry_delay=0.1))
    assert not result["ok"]
    assert "not available after 1s" in result["msg"]
    assert "Service is not available" in result["msg"]
    assert result["attempts"] >= 2


@pytest.mark.parametrize("server", [{"mode": "stream-503"}], indirect=True)
def test_an_error_event_503_in_the_stream_is_not_ready_and_retried_until_timeout(server):
    result = smoke_test.run(params(server.url, timeout=1, retry_delay=0.1))
    assert not result["ok"] and result["attempts"] >= 2
    assert "not available after 1s" in result["msg"] and "Scheduling failed after 5 attempts" in result["msg"]


@pytest.mark.parametrize("server", [{"mode": "garbage"}], indirect=True)
def test_invalid_chunk_fails_at_once(server):
    result = smoke_test.run(params(server.url))
    assert not result["ok"] and result["attempts"] == 1
    assert "is not JSON" in result["msg"]


@pytest.mark.parametrize("server", [{"mode": "no-done"}], indirect=True)
def test_stream_without_done_fails(server):
    result = smoke_test.run(params(server.url))
    assert not result["ok"]
    assert "without data: [DONE]" in result["msg"]


def test_nothing_listening_is_not_ready_until_timeout():
    srv = FakeCoordinator()
    url = srv.url
    srv.server_close()  # the port is now closed
    result = smoke_test.run(params(url, timeout=1, retry_delay=0.2))
    assert not result["ok"] and "not available" in result["msg"]


@pytest.mark.parametrize("lines,error", [
    ([b"data: " + json.dumps({"choices": [{"delta": {"content": "x"}}]}).encode(), b"data: [DONE]"], None),
    ([b"data: " + json.dumps({"choices": []}).encode(), b"data: [DONE]"], "no choices[0].delta"),
    ([b"data: [DONE]"], "no chunk"),
    ([b"hello"], "not a server-sent event line"),
])
def test_parse_stream(lines, error):
    if error is None:
        assert smoke_test.parse_stream(lines) == ("x", 1)
    else:
        with pytest.raises(smoke_test.BadStream, match=error.replace("[", r"\[").replace("]", r"\]")):
            smoke_test.parse_stream(lines)


def test_not_available_inside_a_stream_is_not_ready():
    with pytest.raises(smoke_test.NotReady):
        smoke_test.parse_stream([b'data: {"detail": "Service is not available"}'])
