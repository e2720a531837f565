# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Reading node files (private to the _node_prepare package)."""

from __future__ import annotations

import grp
import os
import pwd
import stat


def read_text(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def file_meta(path):
    try:
        st = os.stat(path)
    except OSError:
        return {"exists": False}
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return {"exists": True, "mode": "%04o" % stat.S_IMODE(st.st_mode), "owner": owner, "group": group}
