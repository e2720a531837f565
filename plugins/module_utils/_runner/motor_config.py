# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.motor_config module (private: not a public API).

Render and validate the MindIE Motor PD disaggregation configuration files together.

It runs on the managed host: ``argspec()`` and ``run(module)`` over the module's AnsibleModule.
"""
from __future__ import annotations

import json
import os
import tempfile

from ansible_collections.pdserve.cluster.plugins.module_utils import _motor


def argspec():
    return dict(
        config=dict(type="dict", required=True),
        dest=dict(type="path"),
    )


def dump(document):
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


def read(path):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write(module, path, text):
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".motor_config.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        module.atomic_move(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def run(module):
    """The module's work on an AnsibleModule made with argspec()."""
    errors, files, derived = _motor.build(module.params["config"])
    result = dict(changed=False, files=files, derived=derived,
                  stack=_motor.stack_view(derived) if derived else {}, errors=[str(e) for e in errors],
                  error_details=[e.to_dict() for e in errors], written=[])
    if errors:
        module.fail_json(msg="%d MindIE Motor configuration error(s):\n%s" % (len(errors), "\n".join(result["errors"])),
                         **result)
    for warning in _motor.warnings(module.params["config"]):
        module.warn(warning)
    dest = module.params["dest"]
    if dest:
        if os.path.exists(dest) and not os.path.isdir(dest):
            module.fail_json(msg="dest: %s: is not a directory" % dest, **result)
        diffs = []
        for name in sorted(files):
            path = os.path.join(dest, name)
            text = dump(files[name])
            before = read(path)
            mode_ok = before is None or (os.stat(path).st_mode & 0o777) == 0o644
            if before == text and mode_ok:
                continue
            result["written"].append(name)
            if module._diff and before != text:
                diffs.append(dict(before=before or "", after=text, before_header=path, after_header=path))
            if not module.check_mode:
                if not os.path.isdir(dest):
                    os.makedirs(dest, 0o755)
                if before == text:
                    os.chmod(path, 0o644)
                else:
                    write(module, path, text)
        result["changed"] = bool(result["written"])
        if diffs:
            result["diff"] = diffs
    module.exit_json(**result)
