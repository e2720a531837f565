# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Platform facts for the roles' Jinja (module_utils/_platform.py is their one home)."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: platform
short_description: The collection's platform facts (hardware, resources, labels, fixed paths) for roles
version_added: 0.1.0
description:
  - C(platform) returns one fact of C(plugins/module_utils/_platform.py) by name, for role defaults and
    templates that must agree with the modules, e.g. C('default_namespace' | pdserve.cluster.platform),
    C('pod_cert_dir' | pdserve.cluster.platform), C('npu_resource' | pdserve.cluster.platform).
  - Names are C(default_namespace), C(pod_cert_dir), C(pki_mount_path), C(npu_resource), C(npu_resource_a5), C(npu_scheduler),
    C(gpu_resource), C(managed_by), C(part_of), C(instance), C(component), C(manager), C(field_manager),
    C(stack_label), C(instance_index), C(hardware_types), C(npus_per_node); an unknown name fails.
  - C(stack_labels) returns the labels of a stack's objects (job id, optional component and stack role);
    C(stack_label_selectors) the label selectors (C(key=value)) that find them.
author:
  - pdserve.cluster developers
"""

import copy

from ansible.errors import AnsibleFilterError

from ansible_collections.pdserve.cluster.plugins.module_utils import _platform


def platform(name):
    """The platform fact ``name``."""
    try:
        return copy.deepcopy(_platform.FACTS[name])
    except (KeyError, TypeError):
        raise AnsibleFilterError("pdserve.cluster.platform: unknown fact %r (known: %s)"
                                 % (name, ", ".join(sorted(_platform.FACTS))))


def stack_labels(job_id, component=None, stack=None):
    """The labels of an object of the stack ``job_id``."""
    return _platform.stack_labels(job_id, component=component, stack=stack)


def stack_label_selectors(job_id):
    """``["app.kubernetes.io/managed-by=pdserve", "app.kubernetes.io/instance=<job_id>"]``."""
    return _platform.stack_label_selectors(job_id)


class FilterModule:
    def filters(self):
        return {"platform": platform, "stack_labels": stack_labels, "stack_label_selectors": stack_label_selectors}
