#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Collect the logs of every pod of a stack into a timestamped folder."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_logs
short_description: Collect the logs of every pod of a pdserve stack
version_added: 0.1.0
description:
  - Writes the log of every container of every pod carrying the stack's labels, and the log
    of the previous container when it restarted, to
    C(<dest>/<YYYYMMDD_hhmmss>/<pod>_<node>_<restarts>.log), the layout of MindIE's
    C(show_log.sh).
  - Finds pods by label, so it works from anywhere and after a partial failure.
  - Reports C(changed=false) because the cluster is only read; the report folder it writes on
    the control node is new on every run by design.
author:
  - pdserve.cluster developers (@pdserve)
extends_documentation_fragment:
  - pdserve.cluster.stack
  - pdserve.cluster.read_only
  - kubernetes.core.k8s_auth_options
options:
  dest:
    description: Folder under which the timestamped report folder is made.
    type: path
    required: true
  tail_lines:
    description: Keep only this many last lines per log; C(0) keeps everything.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: Collect logs
  pdserve.cluster.stack_logs:
    namespace: mindie-motor
    dest: ./logs
"""

RETURN = r"""
folder:
  description: The report folder written (none in check mode).
  returned: always
  type: str
files:
  description: The log files written, with their pod, node, container and restarts.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import stack_logs as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
