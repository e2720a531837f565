# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""NVIDIA Dynamo PD disaggregation on RoleBasedGroup, one configuration family of pdserve.cluster
(private API): the stack of ``dynamo-rbg-pd.md`` (etcd, NATS, a model volume, the Dynamo graph
and configuration in a ConfigMap, a RoleBasedGroup with the processor, prefill and decode roles,
a Service for the frontend).

- ``schema``: the input and its defaults (the document's 2P1D example);
- ``config``: the Dynamo configuration file and its rules (``common-configs``, TP, ports);
- ``validate``: the pipeline and ``derived`` (module_utils/_family.py);
- ``scale``: the scale guard (only the worker counts may change);
- ``rbg``: RoleBasedGroup's API facts (versions, role shape, workload names).

Public names: :func:`validate` -> :class:`Result`; :func:`scale_guard`.
Standard library only.
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._dynamo.scale import scale_guard
from ansible_collections.pdserve.cluster.plugins.module_utils._dynamo.validate import SCALE_FIELDS, Result, validate

__all__ = ["Result", "SCALE_FIELDS", "scale_guard", "validate"]
