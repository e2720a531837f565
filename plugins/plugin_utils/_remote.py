# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Run a module's runner on the managed node as one self-contained Python program (private).

A module the usual way costs, per node: a temporary folder, the AnsiballZ file copied there and
made executable, Python importing ``ansible.module_utils.basic`` (0.1 s of imports, most of the
probe's own work), and the folder removed again: five commands through the connection. Here the
controller sends one program on the interpreter's stdin, once per node: the runner's module and
the collection's module_utils files it imports (found by reading their imports, ``sources()``),
an import hook that loads them from the program itself, and the task's arguments, already
validated in the controller against the module's argument spec. The runner must import the
standard library only (``sources()`` refuses an ``ansible`` import). The node prints the result
as JSON (``module_utils/_node_prepare/remote.py``).

Used where the connection can feed a command's stdin without a terminal (the condition of
Ansible's pipelining: the connection has it and become, if used, allows it); elsewhere the caller
runs the module as usual.
"""
from __future__ import annotations

import ast
import base64
import importlib.util
import json
import os
import shlex
import zlib

PREFIX = "ansible_collections.pdserve.cluster.plugins.module_utils"
REMOTE = PREFIX + "._node_prepare.remote"

# The program's first part: load the bundled sources (name -> [is_package, source]) ahead of any
# installed copy, then run the runner. Standard library of Python 3.8 and later (ansible-core's
# own floor for module targets), and only the quick part of it: a finder and loader by protocol
# (importlib.abc would import importlib.resources, tempfile, pathlib, typing: 9 ms of the
# program's 120 on a test root), binascii instead of base64 (which imports re).
_BOOT = r'''
import binascii, importlib.machinery, json, sys, zlib
_S = json.loads(zlib.decompress(binascii.a2b_base64(_SOURCES)).decode("utf-8"))
class _Bundle:
    def find_spec(self, name, path=None, target=None):
        if name in _S:
            return importlib.machinery.ModuleSpec(name, self, is_package=_S[name][0])
        return None
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        exec(compile(_S[module.__name__][1], "<pdserve>/" + module.__name__.replace(".", "/") + ".py", "exec"),
             module.__dict__)
sys.meta_path.insert(0, _Bundle())
import importlib
importlib.import_module(%r).main(_RUNNER, json.loads(_ARGS))
'''


def _file(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise ImportError("%s: no Python source to send" % name)
    return spec.origin, spec.submodule_search_locations is not None


def _imports(name, path):
    """The collection module_utils modules ``name`` (source at ``path``) imports."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + ["%s.%s" % (node.module, alias.name) for alias in node.names]
        else:
            continue
        for imported in names:
            if imported == "ansible" or imported.startswith("ansible."):
                raise ImportError("%s imports %s: the program sent to the node carries the standard library "
                                  "and the collection's module_utils only" % (name, imported))
            if imported.startswith(PREFIX + ".") and _is_module(imported):
                found.add(imported)
    return found


def _is_module(name):
    """Whether ``name`` is a module (``from package import name``), not a name in a module."""
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # the parent is a module: ``name`` is one of its names
        return False


def sources(*roots):
    """{module name: [is package, source]} of ``roots``, every collection module_utils module
    they import (transitively) and the packages above them (empty where a folder has no
    ``__init__.py``)."""
    todo, bundle = list(roots), {}
    while todo:
        name = todo.pop()
        if name in bundle:
            continue
        path, package = _file(name)
        with open(path, encoding="utf-8") as handle:
            bundle[name] = [package, handle.read()]
        todo.extend(_imports(name, path))
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent not in bundle:
                init = os.path.join(os.path.dirname(path), *([".."] * (len(parts) - 1 - i)), "__init__.py")
                init = os.path.normpath(init)
                text = ""
                if parent.startswith(PREFIX) and os.path.isfile(init):
                    with open(init, encoding="utf-8") as handle:
                        text = handle.read()
                bundle[parent] = [True, text]
    return bundle


class Program:
    """The program for one runner; ``text(params)`` is what a node's interpreter reads on stdin."""

    def __init__(self, runner):
        packed = base64.b64encode(zlib.compress(json.dumps(sources(runner, REMOTE)).encode("utf-8"), 9))
        self.runner = runner
        self._head = "_SOURCES = %r\n_RUNNER = %r\n" % (packed, runner)
        self._boot = _BOOT % REMOTE

    def text(self, params):
        return self._head + "_ARGS = %r\n" % json.dumps(params) + self._boot


def command(interpreter):
    """The command that runs a program read from stdin with ``interpreter``, without the ``site``
    module (``-S``: the program needs the standard library only; 2 to 3 ms less per node)."""
    return "%s -S -" % " ".join(shlex.quote(part) for part in shlex.split(interpreter))


def parse(rc, stdout, stderr, interpreter):
    """The program's result, or a failed result that says what went wrong on the node."""
    text = (stdout or "").strip()
    try:
        result = json.loads(text) if text else None
    except ValueError:
        result = None
    if isinstance(result, dict):
        return result
    if rc == 127 or "No such file or directory" in (stderr or "") and not text:
        msg = ("the interpreter %r was not found on the node (rc=%d): set ansible_python_interpreter "
               "for this host" % (interpreter, rc))
    else:
        msg = "the program sent to the node failed (rc=%d): %s" % (rc, (stderr or stdout or "").strip()[-2000:])
    return {"failed": True, "msg": msg, "rc": rc, "module_stdout": stdout, "module_stderr": stderr}
