# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Run a pdserve module's main() in-process with given arguments and capture its result.

AnsibleModule.exit_json / fail_json raise Exit / Fail carrying the result (conftest.py patches
them for every test in this folder).
"""

from __future__ import annotations

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class Exit(Exception):
    """exit_json was called; args[0] is the result."""


class Fail(Exception):
    """fail_json was called; args[0] is the result, msg included."""


def patch_exit(monkeypatch):
    def exit_json(self, **kwargs):
        raise Exit(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs["msg"] = msg
        raise Fail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


def run_main(main, args, expect=Exit):
    """Call ``main()`` with module arguments ``args``; the result of the expected exit."""
    with patch_module_args(args):
        with pytest.raises(expect) as info:
            main()
    return info.value.args[0]
