# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Every configuration family gives the shared stack steps the same kind of result
(module_utils/_family.py): MindIE-PyMotor's validate() and MindIE Motor's stack_view()."""
from __future__ import annotations

import glob
import json
import os

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _motor, _pymotor
from ansible_collections.pdserve.cluster.plugins.module_utils._family import stack_result_problems
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import POD_CERT_DIR

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures")


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


PYMOTOR = ["pd_hybrid_a3_16", "pd_separate_a2", "doc_pd_hybrid"]
MOTOR = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(FIXTURES, "motor", "doc_*.json")))


@pytest.mark.parametrize("name", PYMOTOR)
def test_pymotor_result_is_a_stack_result(name):
    base = os.path.join(FIXTURES, "configs", name)
    env = load(base + ".env.json") if os.path.exists(base + ".env.json") else None
    result = _pymotor.validate(load(base + ".user_config.json"), env, tls_cert_dir=POD_CERT_DIR)
    assert result.ok, result.messages
    assert stack_result_problems(result.derived) == []


@pytest.mark.parametrize("name", MOTOR)
def test_motor_stack_view_is_a_stack_result(name):
    errors, _files, derived = _motor.build(load(os.path.join(FIXTURES, "motor", name + ".json")))
    if errors:
        pytest.skip("fixture %s is invalid on purpose" % name)
    assert stack_result_problems(_motor.stack_view(derived)) == []


def test_problems_are_named():
    assert stack_result_problems([]) == ["derived: must be an object"]
    problems = stack_result_problems({"job_id": "j", "namespace": "j", "deploy_mode": "m", "mode": "m",
                                      "roles": {"a": {"instances": True}}, "engine_roles": ["b"],
                                      "node_selector": {}, "tls": {}})
    assert "derived.roles.a.instances: must be a int" in problems
    assert "derived.roles.a.env: must be a dict" in problems
    assert "derived.engine_roles: b is not a role" in problems
    assert "derived.tls.any: must be a bool" in problems
