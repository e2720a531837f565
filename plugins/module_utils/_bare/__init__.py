# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""PD disaggregation in containers on bare NPU hosts (no Kubernetes): the configuration family.

Private to pdserve.cluster (not a public API). The stack is the one of the AscendCloud document
"PD分离部署使用说明" (docs/pd_bare_hosts.md): on each NPU host one container per prefill and per
decode instance holding only its own ``/dev/davinciN``, the AscendCloud ranktables (global and
local per host, merged across hosts), and the scheduler (API entry) on one host whose
``NODE_PORTS`` follows the merged global table.

The package, one file per job: ``config`` (the inputs, every rule, the derived containers) and
``ports`` (``NODE_PORTS`` from the merged global table).
"""

from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._bare.config import (  # noqa: F401
    CONTAINER_DEVICES,
    FORBIDDEN_MOUNT_ROOT,
    MERGED_FILE,
    RESERVED_ARGS,
    ranktable_dir,
    validate,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._bare.ports import (  # noqa: F401
    node_ports,
)
