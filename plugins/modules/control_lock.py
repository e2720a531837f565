#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Take or release a lock file on the control node."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: control_lock
short_description: Take or release a lock file on the control node, naming its holder
version_added: 0.2.0
description:
  - Serialises work on the control node that two plays must not do at once, such as making a
    stack's CA key.
  - The lock is a file created exclusively (O_CREAT | O_EXCL, mode 0600) holding the holder's
    identity C(host:pid:job); the pid is that of the ansible-playbook process.
  - A lock held by a process of this host that no longer runs is stale and taken over. Any other
    lock is waited for up to O(timeout) seconds; then the task fails naming the holder and the file.
  - With O(state=absent) the file is removed only when this run holds it.
  - In check mode nothing is written and the lock is only looked at.
  - Always reports C(changed=false), as the lock lives only for the run; it is not state the
    play leaves behind.
author:
  - pdserve.cluster developers (@pdserve)
options:
  path:
    description: The lock file.
    type: path
    required: true
  job:
    description: What the lock is for (the job_id); the third part of the holder identity.
    type: str
    required: true
  state:
    description: C(present) takes the lock, C(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
  timeout:
    description: Seconds to wait for another holder to release the lock. C(0) fails at once.
    type: int
    default: 60
attributes:
  check_mode:
    support: full
    description: Reports who holds the lock; takes and removes nothing.
  diff_mode:
    support: none
    description: A lock file has nothing to diff.
"""

EXAMPLES = r"""
- name: Take the CA lock
  pdserve.cluster.control_lock:
    path: ~/.pdserve/pki/mindie-motor/.lock
    job: mindie-motor
"""

RETURN = r"""
holder:
  description: The identity of this run (host:pid:job).
  returned: always
  type: str
held_by:
  description: Who holds the lock after the task (this run, another one, or nobody).
  returned: always
  type: str
waited:
  description: Seconds spent waiting for the lock.
  returned: always
  type: float
released:
  description: With O(state=absent), whether this run's lock file was removed.
  returned: when state is absent
  type: bool
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import control_lock as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
