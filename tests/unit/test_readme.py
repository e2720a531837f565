"""The README's module table names every module with its own short description."""
from __future__ import annotations

import glob
import os
import re

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _modules():
    out = {}
    for path in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py")):
        with open(path) as f:
            text = f.read()
        doc = re.search(r'DOCUMENTATION = r?"""(.*?)"""', text, re.S) or re.search(r"DOCUMENTATION = r?'''(.*?)'''", text, re.S)
        assert doc, path
        out[os.path.basename(path)[:-3]] = yaml.safe_load(doc.group(1))["short_description"]
    return out


def test_readme_lists_every_module_with_its_short_description():
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (.+?) \|$", readme, re.M))
    modules = _modules()
    assert modules, "no modules found"
    missing = sorted(set(modules) - set(rows))
    assert not missing, "README's module table lacks " + ", ".join(missing) + " (tools/readme_modules.py rewrites it)"
    wrong = {n: (rows[n], d) for n, d in modules.items() if rows[n] != d}
    assert not wrong, wrong
