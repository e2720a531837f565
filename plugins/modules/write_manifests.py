#!/usr/bin/python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Keep the audit copy of a stack's rendered manifests."""
from __future__ import annotations

DOCUMENTATION = r"""
---
module: write_manifests
short_description: Write Kubernetes objects to a multi-document YAML file, only when it changes
version_added: 0.1.0
description:
  - Writes the objects a stack renders to one YAML file (the audit copy, usable with
    C(kubectl diff -f)), creating its folder, and only when the content or mode differs.
  - Runs inside the controller's process when the connection is local (see the action plugin).
author:
  - pdserve.cluster developers (@pdserve)
options:
  objects:
    description: The Kubernetes objects.
    type: list
    elements: dict
    required: true
  dest:
    description: The file to write.
    type: path
    required: true
  mode:
    description: Permissions of the file (octal string).
    type: str
    default: "0640"
attributes:
  check_mode:
    support: full
    description: In check mode the file is compared, not written.
  diff_mode:
    support: full
    description: Shows the old and new text.
"""

EXAMPLES = r"""
- name: Audit copy
  pdserve.cluster.write_manifests:
    objects: "{{ stack_objects }}"
    dest: output/mindie-motor/manifests.yaml
"""

RETURN = r"""
dest:
  description: The file.
  returned: always
  type: str
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import write_manifests as runner
from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module


def main():
    run_module(runner)


if __name__ == "__main__":
    main()
