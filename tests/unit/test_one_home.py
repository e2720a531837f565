"""Each platform fact of issue 15 is written once: a literal appears in its one home and nowhere
else in the code a user installs (plugins, roles, playbooks).

What does not count, each for a reason:
- documentation: Python docstrings and comments, a module's DOCUMENTATION / EXAMPLES / RETURN and
  the doc fragments (ansible-doc shows a default as text), YAML / Jinja comments, the roles'
  ``meta/argument_specs.yml`` (it documents the interface; the value a role uses comes from its
  defaults);
- tests, molecule scenarios (extensions/), docs/ and the README: they check or explain a value;
- the exceptions in ALLOWED, each with its reason.
"""
from __future__ import annotations

import ast
import os
import re

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCANNED = ("plugins", "roles", "playbooks")
HOME = "plugins/module_utils/_platform.py"

#: literal -> its one home
FACTS = {
    "huawei.com/Ascend910": HOME,
    "app.kubernetes.io/managed-by": HOME,
    "pdserve.io/stack": HOME,
    "/mnt/pdserve-tls": HOME,
    "huawei.com/ascend-1980": HOME,
    "modelserving.volcano.sh/group-name": HOME,
}
#: A namespace fallback spelled in Jinja or Python instead of read from _platform.DEFAULT_NAMESPACE.
NAMESPACE_FALLBACK = re.compile(r"""default\(\s*['"]mindie[-'"]|\bor\s+['"]mindie(?:-motor)?['"]""")

#: (file, literal) -> why it may spell the literal. Keep this list short and explained.
ALLOWED = {
}

DOC_NAMES = {"DOCUMENTATION", "EXAMPLES", "RETURN"}


def _files():
    for top in SCANNED:
        for folder, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, ROOT)
                if rel.startswith("plugins/doc_fragments/") or rel.endswith("meta/argument_specs.yml"):
                    continue
                if name.endswith((".py", ".yml", ".yaml", ".j2")):
                    yield rel, path


def _python_strings(text):
    """The string constants of Python code, without docstrings and documentation blocks."""
    tree = ast.parse(text)
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in DOC_NAMES for t in node.targets):
            skip.add(id(node.value))
    return "\n".join(n.value for n in ast.walk(tree)
                     if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip)


def _code(rel, path):
    """The text of a file that counts (comments and documentation removed)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if rel.endswith(".py"):
        return _python_strings(text)
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)  # Jinja comments
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


CODE = {rel: _code(rel, path) for rel, path in _files()}


def test_the_scan_sees_the_homes():
    assert HOME in CODE and "huawei.com/Ascend910" in CODE[HOME]
    assert "plugins/modules/stack_info.py" in CODE and "roles/stack/defaults/main.yml" in CODE


@pytest.mark.parametrize("literal", sorted(FACTS))
def test_a_fact_is_written_in_its_home_only(literal):
    found = sorted(rel for rel, code in CODE.items() if literal in code)
    assert FACTS[literal] in found, "%s lost its home %s" % (literal, FACTS[literal])
    others = [rel for rel in found if rel != FACTS[literal] and (rel, literal) not in ALLOWED]
    assert not others, "%s is written again in %s: read it from %s (Jinja: the pdserve.cluster.platform filter)" % (
        literal, ", ".join(others), FACTS[literal])


def test_the_namespace_fallback_is_read_from_platform():
    found = sorted(rel for rel, code in CODE.items() if NAMESPACE_FALLBACK.search(code))
    assert not found, "a namespace fallback spelled out in %s: use DEFAULT_NAMESPACE / 'default_namespace' | " \
        "pdserve.cluster.platform" % ", ".join(found)


def test_allowed_exceptions_are_still_needed():
    stale = [key for key in ALLOWED if key[0] not in CODE or key[1] not in CODE[key[0]]]
    assert not stale, "no longer needed, remove from ALLOWED: %s" % stale
