# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Names, limits and small checks shared by the ranktable package.

Private to pdserve.cluster (not a public API). Stdlib only: modules run this on managed hosts.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import ATLAS_800I_TYPES

MINDIE_MOTOR = "mindie_motor"
ASCENDCLOUD = "ascendcloud"
FORMATS = (MINDIE_MOTOR, ASCENDCLOUD)
HARDWARE_TYPES = ATLAS_800I_TYPES
STATUSES = ("initializing", "completed")
VERSIONS = ("1.0", "1.2")
# Values of a server's ``hardware_type`` in a heterogeneous MindIE Motor deployment (P, D).
HETEROGENEOUS_TYPES = ("800I A2(32G)", "800I A2(64G)")
MAX_SERVERS = 96
MAX_DEVICES = 128
PORT_FIELDS = ("predict_port", "mgmt_port", "metric_port", "inter_comm_port")
GROUP_IDS = ("0", "1", "2")
ROLE_NAMES = {
    MINDIE_MOTOR: ("coordinator", "controller", "server"),
    ASCENDCLOUD: ("scheduler", "prefill", "decode"),
}
MINDIE_MOTOR_FILE = "global_ranktable.json"
ASCENDCLOUD_MERGE_FILE = "global_ranktable_merge.json"

_UINT = re.compile(r"(?:0|[1-9][0-9]*)\Z")
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                   r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\Z")


class RanktableError(ValueError):
    """Bad input or a ranktable that breaks a rule; ``errors`` holds every message."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


# --------------------------------------------------------------------------- file names

def ascendcloud_global_name(host):
    return "global_ranktable_%s.json" % host


def ascendcloud_local_name(host, device_ids):
    # The document's example: devices 4,5 on 10.x.x.18 -> local_ranktable_10.x.x.18_45.json
    return "local_ranktable_%s_%s.json" % (host, "".join(str(d) for d in device_ids))


def ascendcloud_host_name(host):
    return "local_ranktable_%s_host.json" % host


# --------------------------------------------------------------------------- small helpers

def _show(value):
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _err(errors, path, value, rule):
    errors.append("%s: %s (got %s)" % (path, rule, _show(value)))


def _key(path, key):
    return "%s.%s" % (path, key) if path else key


def is_ip(value):
    """True for a well-formed IPv4 or IPv6 address given as a string."""
    if not isinstance(value, str):
        return False
    if _IPV4.match(value):
        return True
    if ":" in value:
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return False
        return True
    return False


def _check_ip(errors, path, value, allow_localhost=False):
    if is_ip(value) or (allow_localhost and value == "localhost"):
        return True
    rule = "must be a well-formed IPv4 or IPv6 address"
    if allow_localhost:
        rule += " or 'localhost'"
    _err(errors, path, value, rule)
    return False


def _check_uint_str(errors, path, value, what="a string holding a non-negative integer"):
    if isinstance(value, str) and _UINT.match(value):
        return True
    _err(errors, path, value, "must be %s" % what)
    return False


def _as_uint(value):
    """int for 3 / "3"; None for anything else (bool, negative, "03", "a")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and _UINT.match(value.strip()):
        return int(value.strip())
    return None
