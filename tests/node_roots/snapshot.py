#!/usr/bin/env python
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The state of some paths under a node_prepare test root, as JSON on stdout.

    snapshot.py ROOT [--copy-to DIR] PATH...

For each PATH (absolute, read under ROOT without following a last symlink, as
ansible.builtin.stat does): `{"exists": false}`, or `exists`, `isdir`, `mode` (four octal
digits) and, for a regular file, `checksum` (SHA-256). With --copy-to, each regular file is also
copied to DIR/PATH with its mode, for the diff when reset gets one wrong.

The node_prepare scenario records these before the first converge and compares after reset:
one process per root instead of a stat and a copy task per path (ten paths, five roots).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import stat
import sys


def path_state(full):
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        return {"exists": False}
    state = {
        "exists": True,
        "isdir": stat.S_ISDIR(st.st_mode),
        "mode": f"{stat.S_IMODE(st.st_mode):04o}",
    }
    if stat.S_ISREG(st.st_mode):
        digest = hashlib.sha256()
        with open(full, "rb") as handle:
            for block in iter(lambda: handle.read(65536), b""):
                digest.update(block)
        state["checksum"] = digest.hexdigest()
    return state


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--copy-to")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    result = {}
    for path in args.paths:
        if not path.startswith("/"):
            parser.error(f"{path}: not an absolute path")
        full = args.root.rstrip("/") + path
        result[path] = path_state(full)
        if args.copy_to and "checksum" in result[path]:
            dest = args.copy_to.rstrip("/") + path
            os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
            shutil.copy2(full, dest)
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
