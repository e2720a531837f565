# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The node side of a program the controller sends to a node (plugins/plugin_utils/_remote.py):
the standard library's stand-ins for AnsibleModule's ``run_command`` and ``get_bin_path``, and the
entry point that runs a runner's ``execute(params, run_command, get_bin_path)`` and prints its
result as JSON. No ``ansible.module_utils`` import: the point of the program is to start without
them (0.1 s of imports and a temporary file per node, the module way).
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import traceback


class RemoteError(Exception):
    """A command could not be started (AnsibleModule.run_command fails the module then)."""


def run_command(argv, check_rc=False, environ_update=None):
    """``(rc, stdout, stderr)`` of ``argv`` (a list, no shell), as AnsibleModule.run_command
    returns them; ``check_rc`` true raises RemoteError on a non-zero rc."""
    env = dict(os.environ)
    env.update(environ_update or {})
    try:
        proc = subprocess.Popen([str(arg) for arg in argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, close_fds=True)
    except OSError as exc:
        raise RemoteError("%s: %s" % (argv[0], exc))
    out, err = proc.communicate()
    out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if check_rc and proc.returncode != 0:
        raise RemoteError("%s failed (rc=%d): %s" % (" ".join(argv), proc.returncode, err or out))
    return proc.returncode, out, err


def get_bin_path(arg, required=False, opt_dirs=None):
    """The path of executable ``arg`` in ``opt_dirs`` (those that exist), PATH, then the sbin
    folders not in PATH: the search order of AnsibleModule.get_bin_path. None when absent (or
    RemoteError with ``required``)."""
    dirs = [d for d in (opt_dirs or []) if d is not None and os.path.exists(d)]
    dirs += os.environ.get("PATH", "").split(os.pathsep)
    dirs += [d for d in ("/sbin", "/usr/sbin", "/usr/local/sbin") if d not in dirs and os.path.exists(d)]
    for folder in dirs:
        if not folder:
            continue
        path = os.path.join(folder, arg)
        if os.path.exists(path) and not os.path.isdir(path) and os.access(path, os.X_OK):
            return path
    if required:
        raise RemoteError('Failed to find required executable "%s" in paths: %s' % (arg, os.pathsep.join(dirs)))
    return None


def main(runner, params, out=None):
    """Run ``runner`` (a module_utils module name) with ``params`` and write its result, or
    ``failed`` with the error, as one JSON document to ``out`` (stdout)."""
    out = out or sys.stdout
    try:
        result = importlib.import_module(runner).execute(params, run_command, get_bin_path)
    except Exception as exc:  # pylint: disable=broad-except - reported to the controller as the task's failure
        result = {"failed": True, "msg": "%s: %s" % (type(exc).__name__, exc), "exception": traceback.format_exc()}
    out.write(json.dumps(result))
    out.flush()
