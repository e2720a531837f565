# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Plain data from Ansible's values (private: not a public API)."""
from __future__ import annotations

import json

from ansible.module_utils.common.json import AnsibleJSONEncoder


def plain(value):
    """``value`` as plain JSON types: no tagged or lazy template values. A module process receives
    its arguments so; and a deep copy of Ansible's lazy containers templates them again at every
    level."""
    return json.loads(json.dumps(value, cls=AnsibleJSONEncoder))
