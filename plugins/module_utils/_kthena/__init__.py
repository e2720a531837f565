# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The kthena_mooncake configuration family (private: not a public API).

vLLM-Ascend prefill / decode with Mooncake KV transfer on a Kthena ``ModelServing``, scheduled by
Volcano (the users' document kthena-modelserving-mooncake.md):

- ``inputs``: the inputs, their schema and the document's defaults;
- ``scripts``: prefill.sh / decode.sh and the ``vllm serve`` arguments they give;
- ``validate``: the rules (DP x TP = NPUs, Mooncake sizes, hostNetwork ports, NIC, scheduler),
  the ``derived`` the shared stack steps read (``_family``) and the scale guard.
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._kthena.inputs import DEFAULTS, ROLES
from ansible_collections.pdserve.cluster.plugins.module_utils._kthena.validate import (
    SCALE_FIELDS,
    Result,
    role_ports,
    scale_guard,
    validate,
)

__all__ = ["DEFAULTS", "ROLES", "SCALE_FIELDS", "Result", "role_ports", "scale_guard", "validate"]
