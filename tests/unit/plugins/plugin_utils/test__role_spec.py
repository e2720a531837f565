"""plugin_utils/_role_spec.py: a role's argument spec read from its file and checked with
Ansible's validator (what its "Validating arguments" task would report)."""
from __future__ import annotations

import pathlib
import types

import yaml

from ansible_collections.pdserve.cluster.plugins.plugin_utils import _role_spec

REPO = pathlib.Path(__file__).resolve().parents[4]


def test_options_are_the_role_file_s():
    spec = yaml.safe_load((REPO / "roles" / "stack" / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    assert _role_spec.role_options("stack", "deploy") == spec["deploy"]["options"]
    assert _role_spec.role_options("stack", "status") == spec["status"].get("options", {})


def test_errors_as_ansible_reports_them_only_for_given_options():
    errors = _role_spec.spec_errors("stack", "deploy", {"stack_adopt": "maybe", "stack_wait_timeout": "abc",
                                                        "stack_config_source": "nowhere", "stack_wait": True,
                                                        "not_an_option": object()})
    text = "\n".join(errors)
    assert "argument 'stack_adopt' is of type str and we were unable to convert to bool" in text
    assert "argument 'stack_wait_timeout' is of type str and we were unable to convert to int" in text
    assert "stack_config_source must be one of" in text
    assert len(errors) == 3
    assert _role_spec.spec_errors("stack", "deploy", {"stack_adopt": "yes", "stack_wait_timeout": "60"}) == []


def test_values_are_the_defined_options():
    defined = {"stack_adopt": False, "stack_wait": True, "unrelated": 1}

    def get_raw(name):
        return defined[name]

    assert _role_spec.spec_values("stack", "deploy", get_raw) == {"stack_adopt": False, "stack_wait": True}


def test_is_role_task_compares_the_role_s_path():
    def task(path):
        return types.SimpleNamespace(_role=types.SimpleNamespace(_role_path=path) if path is not None else None)

    assert _role_spec.is_role_task(task(str(REPO / "roles" / "stack")), "stack")
    assert _role_spec.is_role_task(task(str(REPO / "roles" / "stack") + "/"), "stack")
    assert not _role_spec.is_role_task(task(str(REPO / "roles" / "pki")), "stack")
    assert not _role_spec.is_role_task(task("/elsewhere/roles/stack"), "stack")
    assert not _role_spec.is_role_task(task(None), "stack")
