# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Global / local HCCL ranktables of the two PD disaggregation stacks: build, merge, validate.

Private to pdserve.cluster (not a public API). Stdlib only: modules run this on managed hosts.

Formats (see docs/ranktable.md for the sources):

* ``mindie_motor``: the MindIE Motor global ranktable (``global_ranktable.json``). Groups
  ``"0"`` coordinator, ``"1"`` controller, ``"2"`` servers; A3 adds ``super_device_id`` on
  every device and ``super_pod_list`` in group 2; heterogeneous P/D adds ``hardware_type`` to
  every server; ``status`` is ``initializing`` or ``completed``.
* ``ascendcloud``: the AscendCloud ``pd_ranktable_tools.py`` files. A global table with exactly
  three groups in the order ``"0"`` scheduler (API entry), ``"1"`` prefill instances, ``"2"``
  decode instances (one server entry per instance, ``rank_id`` restarting at 0), one local table
  per instance (``group_id`` "0", the instance's entry) and a host table for the API entry.

Every check adds a message ``<json path>: <rule> (got <value>)`` to a list; callers get all of
them at once (``RanktableError.errors``), never only the first.

The package, one file per job: ``common`` (names, limits, small checks), ``model`` (the parsed
form), ``validate``, ``build``, ``merge``, ``read``. Callers import the names below from here.
"""

from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.common import (  # noqa: F401
    ASCENDCLOUD,
    ASCENDCLOUD_MERGE_FILE,
    FORMATS,
    HARDWARE_TYPES,
    HETEROGENEOUS_TYPES,
    MAX_DEVICES,
    MAX_SERVERS,
    MINDIE_MOTOR,
    MINDIE_MOTOR_FILE,
    PORT_FIELDS,
    ROLE_NAMES,
    STATUSES,
    VERSIONS,
    RanktableError,
    ascendcloud_global_name,
    ascendcloud_host_name,
    ascendcloud_local_name,
    is_ip,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.validate import (  # noqa: F401
    validate,
    validate_ascendcloud_files,
    validate_local,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.build import (  # noqa: F401
    build_ascendcloud,
    build_mindie_motor,
    device_info,
    normalize_device_ips,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.merge import (  # noqa: F401
    merge,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.read import (  # noqa: F401
    dumps,
    instances,
    load,
    loads,
)
