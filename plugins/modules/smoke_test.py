#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Send one streaming chat request to a stack's coordinator and check the answer."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: smoke_test
short_description: Check an inference endpoint with a streaming chat completion
version_added: 0.1.0
description:
  - POSTs C(/v1/chat/completions) with C(stream=true) to the coordinator, as MindIE's
    documents do with curl.
  - The coordinator answers C({"detail":"Service is not available"}) while instances are
    still starting; the request is retried until O(timeout). So are HTTP 502 / 503 / 504
    answers and, in a stream, an error event carrying C(code) 502 / 503 / 504 (MindIE-PyMotor's
    coordinator reports a failed scheduling that way).
  - Success means a valid server-sent event stream of chat completion chunks carrying
    C(choices[].delta), ending with the C([DONE]) event.
  - Never changes anything.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - pdserve.cluster.read_only
options:
  url:
    description: Base URL of the coordinator, for example C(http://10.0.0.1:31015).
    type: str
    required: true
  model:
    description: The served model name.
    type: str
    required: true
  prompt:
    description: The user message.
    type: str
    default: who are you?
  max_tokens:
    description: Tokens to ask for.
    type: int
    default: 36
  timeout:
    description: Seconds to keep retrying while the service is not available.
    type: int
    default: 300
  retry_delay:
    description: Seconds between attempts.
    type: float
    default: 5
  request_timeout:
    description: Seconds one request may take.
    type: float
    default: 60
  validate_certs:
    description: Verify the server's certificate for C(https) URLs.
    type: bool
    default: true
  ca_path:
    description: CA certificate file to verify the server with (the stack's CA when TLS is on).
    type: path
  stream:
    description:
      - Ask for a server-sent event stream (V(true)) or one JSON answer (V(false)); a JSON
        answer must carry C(choices[0].message).
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Ask the model
  pdserve.cluster.smoke_test:
    url: http://10.0.0.1:31015
    model: qwen3-8B
"""

RETURN = r"""
text:
  description: The answer, the chunks' delta contents joined (streamed) or C(choices[0].message.content) (plain).
  returned: success
  type: str
chunks:
  description: Number of chunks received (0 for a plain answer).
  returned: always
  type: int
attempts:
  description: Requests sent.
  returned: always
  type: int
elapsed:
  description: Seconds from the first request to the answer.
  returned: always
  type: float
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import smoke_test as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
