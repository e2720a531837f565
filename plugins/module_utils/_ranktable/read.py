# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Read and write ranktable documents; list the instances of a valid global table.

Private to pdserve.cluster (not a public API). Stdlib only: modules run this on managed hosts.
"""

from __future__ import annotations

import json

from ansible_collections.pdserve.cluster.plugins.module_utils._ranktable.common import (
    ASCENDCLOUD,
    ROLE_NAMES,
    RanktableError,
    ascendcloud_host_name,
    ascendcloud_local_name,
)


# --------------------------------------------------------------------------- public: read

def instances(doc, fmt):
    """The instances of a valid global table in document order (the NODE_PORTS order)."""
    out = []
    groups = {int(g["group_id"]): g for g in doc["server_group_list"]}
    roles = ROLE_NAMES[fmt]
    for g in (0, 1, 2):
        for i, raw in enumerate(groups[g]["server_list"]):
            item = {"role": roles[g], "group_id": str(g), "index": i, "server_id": raw.get("server_id", raw.get("server_ip")),
                    "server_ip": raw.get("server_ip")}
            if "device" in raw:
                item["device_ids"] = [d["device_id"] for d in raw["device"]]
                item["device_ips"] = [d["device_ip"] for d in raw["device"]]
                if fmt == ASCENDCLOUD:
                    item["local_file"] = ascendcloud_local_name(raw["server_ip"], item["device_ids"])
            elif fmt == ASCENDCLOUD and g == 0:
                item["local_file"] = ascendcloud_host_name(raw["server_ip"])
            out.append(item)
    return out


def dumps(doc):
    """The text written to disk: 4-space indent like the documents, UTF-8, final newline."""
    return json.dumps(doc, indent=4, ensure_ascii=False) + "\n"


def loads(text, name="ranktable"):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise RanktableError(["%s: is not valid JSON (%s)" % (name, exc)])


def load(path):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read()
    except (IOError, OSError) as exc:
        raise RanktableError(["%s: cannot be read (%s)" % (path, exc.strerror or exc)])
    return loads(text, path)
