#!/usr/bin/env python3
"""Rewrite the README's module table ("### Modules") from each module's short_description.
tests/unit/test_readme.py fails when the table and the modules disagree; run this to fix it."""
import glob
import os
import re

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def rows():
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))):
        with open(path) as f:
            doc = re.search(r'DOCUMENTATION = r?"""(.*?)"""', f.read(), re.S)
        out.append("| `%s` | %s |" % (os.path.basename(path)[:-3], yaml.safe_load(doc.group(1))["short_description"]))
    return out


def main():
    path = os.path.join(ROOT, "README.md")
    with open(path) as f:
        text = f.read()
    table = "| module | what it does |\n| --- | --- |\n" + "\n".join(rows()) + "\n"
    new, n = re.subn(r"(### Modules\n\n)\| module \| what it does \|\n\| --- \| --- \|\n(?:\|.*\|\n)*", lambda m: m.group(1) + table, text)
    if n != 1:
        raise SystemExit("README.md: no '### Modules' table found")
    with open(path, "w") as f:
        f.write(new)


if __name__ == "__main__":
    main()
