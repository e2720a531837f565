"""run_module: the shared main() of the modules that also run in-process."""
from __future__ import annotations

import json
import types

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.pdserve.cluster.plugins.module_utils._runner.module import run_module

SPEC = dict(argument_spec=dict(name=dict(type="str", required=True)))


def _run(capsys, args, execute, supports_diff=False):
    runner = types.SimpleNamespace(ARGUMENT_SPEC=lambda: SPEC, execute=execute, SUPPORTS_DIFF=supports_diff)
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        run_module(runner)
    return exc.value.code, json.loads(capsys.readouterr().out)


def test_success_passes_params_and_check_mode(capsys):
    seen = {}

    def execute(params, check_mode):
        seen.update(params=params, check_mode=check_mode)
        return {"changed": False, "value": params["name"].upper()}

    code, out = _run(capsys, {"name": "x", "_ansible_check_mode": True}, execute)
    assert code == 0 and out["value"] == "X" and seen["check_mode"] is True


def test_failure_is_fail_json_and_failed_key_is_consumed(capsys):
    code, out = _run(capsys, {"name": "x"}, lambda params, check_mode: {"failed": True, "msg": "bad", "errors": ["e"]})
    assert code == 1 and out["failed"] is True and out["msg"] == "bad" and out["errors"] == ["e"]


def test_diff_is_passed_only_when_supported(capsys):
    code, out = _run(capsys, {"name": "x", "_ansible_diff": True},
                     lambda params, check_mode, diff: {"changed": True, "diff_seen": diff}, supports_diff=True)
    assert code == 0 and out["diff_seen"] is True


def test_bad_arguments_fail_before_execute(capsys):
    def execute(params, check_mode):
        raise AssertionError("must not run")

    code, out = _run(capsys, {}, execute)
    assert code == 1 and "missing required arguments: name" in out["msg"]
