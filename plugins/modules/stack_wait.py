#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Wait until a stack is Ready; on timeout say why, pod by pod."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_wait
short_description: Wait until every workload and pod of a pdserve stack is Ready, or diagnose why not
version_added: 0.1.0
description:
  - Polls the workloads (Deployments, StatefulSets, InferServiceSets) and pods that carry the
    stack's labels until all are Ready and the expected number of pods is Ready.
  - On timeout it fails with a diagnosis per pod instead of a bare timeout, such as an
    unschedulable pod with the scheduler's reason (missing NPUs, a node selector no node
    matches), an image that cannot be pulled, a crash loop with the last log lines of the
    previous container, and the warning events of the pod and of its controllers.
  - An API server that refuses connections or answers 429 / 5xx is asked again with backoff; a
    longer outage counts as a poll that is not Ready yet, so a restarting API server does not end
    the wait before O(wait_timeout). Errors name the API server and the object.
  - Never writes. In check mode it returns at once, since a dry run created nothing to wait for.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - pdserve.cluster.stack
  - pdserve.cluster.read_only
  - kubernetes.core.k8s_auth_options
options:
  expected_pods:
    description: Number of Ready pods the stack must have. C(0) only waits for the workloads.
    type: int
    default: 0
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
  wait_sleep:
    description: The longest pause between two polls (the first is 0.2 s, each next one 1.5 times longer).
    type: float
    default: 1.0
  log_lines:
    description: Log lines shown per crash-looping container in the diagnosis.
    type: int
    default: 20
"""

EXAMPLES = r"""
- name: Wait for the hybrid stack
  pdserve.cluster.stack_wait:
    namespace: mindie-motor
    expected_pods: 6
    wait_timeout: 900
"""

RETURN = r"""
ready:
  description: Whether the stack became Ready in time.
  returned: always
  type: bool
elapsed:
  description: Seconds waited.
  returned: always
  type: float
workloads:
  description: Each workload with its readiness and the reason.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "Deployment", "name": "controller", "ready": true, "reason": "1/1 pods ready"}]
pods:
  description: Each pod with its node, readiness and problem if any.
  returned: always
  type: list
  elements: dict
diagnosis:
  description: Lines explaining why the stack is not Ready (empty when it is).
  returned: always
  type: list
  elements: str
api_errors:
  description:
    - Polls that found the API server unreachable or answering 429 / 5xx after a few seconds of
      retries, each naming the API server and the object. The wait goes on through them until
      O(wait_timeout).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_wait as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
