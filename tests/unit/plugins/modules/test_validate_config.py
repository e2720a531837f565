# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the pdserve.cluster.validate_config module."""

from __future__ import annotations

import json
import os
import shutil

from _harness import Exit, Fail, run_main

from ansible_collections.pdserve.cluster.plugins.modules import validate_config
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import validate_config as runner

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "configs")


def fixture_path(name):
    return os.path.abspath(os.path.join(FIXTURES, name))


def fixture(name):
    with open(fixture_path(name), encoding="utf-8") as handle:
        return json.load(handle)


def run(args, expect=Exit):
    return run_main(validate_config.main, args, expect)


HYBRID = dict(user_config_path=fixture_path("doc_pd_hybrid.user_config.json"),
              env_config_path=fixture_path("doc_pd_hybrid.env.json"))


def test_valid_files():
    result = run(HYBRID)
    assert result["changed"] is False
    assert result["mode"] == "pd_hybrid"
    assert result["errors"] == []
    assert result["derived"]["namespace"] == "mindie-motor"
    assert result["derived"]["roles"]["union"]["env"]["HCCL_BUFFSIZE"] == "200"
    assert result["user_config"]["motor_deploy_config"]["deploy_mode"] == "infer_service_set"
    assert result["env_config"]["motor_common_env"]["CANN_INSTALL_PATH"] == "/usr/local/Ascend"
    assert "differences" not in result


def test_doc_example_fails_with_the_image_name_error_only():
    result = run(dict(HYBRID, user_config_path=fixture_path("doc_pd_hybrid_as_written.user_config.json")), Fail)
    assert result["msg"] == ('1 configuration error:\n'
                             'motor_deploy_config.image_name: "": must be a non-empty string')
    assert result["errors"] == ['motor_deploy_config.image_name: "": must be a non-empty string']
    assert result["error_details"][0]["path"] == "motor_deploy_config.image_name"
    assert result["derived"] == {}


def test_all_errors_in_msg_one_per_line():
    result = run(dict(HYBRID, overrides={"hybrid_instances_num": 17, "hybrid_pod_npu_num": 32, "job_id": "A"}),
                 Fail)
    lines = result["msg"].splitlines()
    assert lines[0] == "3 configuration errors:"
    assert sorted(lines[1:]) == sorted(result["errors"])
    assert {e.split(":")[0] for e in result["errors"]} == {
        "motor_deploy_config.hybrid_instances_num", "motor_deploy_config.hybrid_pod_npu_num",
        "motor_deploy_config.job_id"}


def test_dicts_without_files():
    result = run(dict(user_config=fixture("pd_separate_a2.user_config.json"),
                      env_config=fixture("pd_separate_a2.env.json")))
    assert result["mode"] == "pd_separate"
    assert result["derived"]["total_npus"] == 16


def test_dicts_override_files():
    result = run(dict(HYBRID, user_config={"motor_deploy_config": {"hybrid_instances_num": 3}},
                      env_config={"motor_engine_union_env": {"HCCL_BUFFSIZE": 400}}))
    assert result["derived"]["roles"]["union"]["instances"] == 3
    assert result["derived"]["roles"]["union"]["env"]["HCCL_BUFFSIZE"] == "400"
    assert result["derived"]["roles"]["union"]["env"]["OMP_NUM_THREADS"] == "100"  # rest of the file kept
    assert result["user_config"]["motor_deploy_config"]["job_id"] == "mindie-motor"


def test_tls_on_by_default_and_a_warning_when_turned_off():
    result = run(dict(HYBRID))
    assert result["derived"]["tls"]["infer"] and result["derived"]["tls"]["mgmt"]
    assert result["user_config"]["motor_deploy_config"]["tls_config"]["infer_tls_config"]["cert_file"] \
        == "/mnt/pdserve-tls/cert.pem"
    assert not result.get("warnings")
    off = {"motor_deploy_config": {"tls_config": {"mgmt_tls_config": {"enable_tls": False}}}}
    result = run(dict(HYBRID, user_config=off, tls_cert_dir="/certs"))
    assert result["derived"]["tls"]["mgmt"] is False
    assert result["user_config"]["motor_deploy_config"]["tls_config"]["infer_tls_config"]["ca_file"] == "/certs/ca.pem"
    assert len(result["warnings"]) == 1 and "mgmt_tls_config" in result["warnings"][0]


def test_tls_default_off_keeps_tls_config_as_given():
    result = run(dict(HYBRID, tls_default=False))
    assert result["derived"]["tls"]["any"] is False
    assert not result.get("warnings")


def test_overrides_as_strings():
    result = run(dict(HYBRID, overrides={"hybrid_instances_num": "4"}))
    assert result["user_config"]["motor_deploy_config"]["hybrid_instances_num"] == 4


def test_missing_file(tmp_path):
    missing = str(tmp_path / "user_config.json")
    result = run(dict(user_config_path=missing), Fail)
    assert result["errors"] == ['user_config_path: "%s": file not found' % missing]


def test_invalid_json(tmp_path):
    path = tmp_path / "env.json"
    path.write_text('{"motor_common_env": {"A": 1}')
    result = run(dict(user_config_path=HYBRID["user_config_path"], env_config_path=str(path)), Fail)
    assert len(result["errors"]) == 1
    assert result["errors"][0].startswith('env_config_path: "%s": is not valid JSON at line 1' % path)


def test_user_config_required():
    result = run(dict(env_config_path=HYBRID["env_config_path"]), Fail)
    assert "one of the following is required" in result["msg"]


def test_check_mode_supported():
    result = run(dict(HYBRID, _ansible_check_mode=True))
    assert result["changed"] is False and result["mode"] == "pd_hybrid"


def test_files_are_not_touched(tmp_path):
    for name in ("doc_pd_hybrid.user_config.json", "doc_pd_hybrid.env.json"):
        shutil.copy(fixture_path(name), tmp_path / name)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    run(dict(user_config_path=str(tmp_path / "doc_pd_hybrid.user_config.json"),
             env_config_path=str(tmp_path / "doc_pd_hybrid.env.json"), overrides={"hybrid_instances_num": 5}))
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    assert before == after


class TestScaleGuard:
    def baseline(self):
        return run(HYBRID)["user_config"]

    def test_only_instance_count_changed(self):
        result = run(dict(HYBRID, overrides={"hybrid_instances_num": 4}, baseline=self.baseline()))
        assert result["errors"] == []
        assert result["differences"] == [dict(path="motor_deploy_config.hybrid_instances_num", old=1, new=4,
                                              old_present=True, new_present=True, allowed=True)]
        assert result["derived"]["roles"]["union"]["instances"] == 4

    def test_no_change(self):
        result = run(dict(HYBRID, baseline=self.baseline()))
        assert result["differences"] == [] and result["errors"] == []

    def test_raw_baseline_is_normalized_first(self):
        result = run(dict(HYBRID, baseline=fixture("doc_pd_hybrid.user_config.json")))
        assert result["differences"] == []

    def test_every_other_difference_is_an_error(self):
        baseline = self.baseline()
        result = run(dict(HYBRID, baseline=baseline, overrides={
            "hybrid_instances_num": 2,
            "motor_deploy_config.deploy_mode": "multi_deployment",
            "image_name": "mindie-motor:2.0.1",
            "scheduler_type": "round_robin",
        }), Fail)
        assert sorted(e.split(":")[0] for e in result["errors"]) == [
            "motor_coordinator_config.scheduler_config.scheduler_type",
            "motor_deploy_config.deploy_mode",
            "motor_deploy_config.image_name",
        ]
        deploy_mode = [e for e in result["errors"] if e.startswith("motor_deploy_config.deploy_mode")][0]
        assert deploy_mode.startswith('motor_deploy_config.deploy_mode: "multi_deployment": differs from '
                                      'the deployed baseline ("infer_service_set")')
        assert result["msg"].startswith("3 configuration errors:\n")
        by_path = {d["path"]: d for d in result["differences"]}
        assert by_path["motor_deploy_config.hybrid_instances_num"]["allowed"] is True
        assert by_path["motor_deploy_config.image_name"]["allowed"] is False
        assert by_path["motor_deploy_config.image_name"]["old"].endswith("mindie-motor:2.0.0")
        assert result["derived"] == {}

    def test_added_key_is_reported_as_absent_in_baseline(self):
        baseline = self.baseline()
        result = run(dict(HYBRID, baseline=baseline, user_config={"kv_conductor_config": {"http_server_port": 13333}}),
                     Fail)
        assert result["differences"] == [dict(path="kv_conductor_config", old=None,
                                              new={"http_server_port": 13333}, old_present=False,
                                              new_present=True, allowed=False)]
        assert result["errors"][0].startswith("kv_conductor_config: ")
        assert "differs from the deployed baseline (<missing>)" in result["errors"][0]

    def test_custom_allowed_changes(self):
        result = run(dict(HYBRID, baseline=self.baseline(), overrides={"image_name": "mindie-motor:2.0.1"},
                          allowed_changes=["image_name"]))
        assert result["errors"] == []
        assert result["differences"][0]["allowed"] is True


def test_argspec_matches_documentation():
    import yaml

    doc = yaml.safe_load(validate_config.DOCUMENTATION)["options"]
    spec = runner.argspec()
    assert set(doc) == set(spec)
    for name, option in spec.items():
        assert doc[name]["type"] == option["type"], name
        assert doc[name].get("default") == option.get("default"), name
        assert doc[name].get("elements") == option.get("elements"), name


# --- topology and env baseline (added by the lead for the stack roles) ----------------------
def _hybrid_params(**kw):
    import json as _json
    import os as _os
    base = _os.path.join(_os.path.dirname(__file__), "..", "..", "..", "fixtures", "configs")
    with open(_os.path.join(base, "doc_pd_hybrid.user_config.json")) as f:
        user = _json.load(f)
    with open(_os.path.join(base, "doc_pd_hybrid.env.json")) as f:
        env = _json.load(f)
    params = dict(user_config_path=None, env_config_path=None, user_config=user, env_config=env, overrides=None,
                  baseline=None, allowed_changes=["hybrid_instances_num"], baseline_env=None, topology=None)
    params.update(kw)
    return params


def test_topology_mismatch_is_an_error():
    from ansible_collections.pdserve.cluster.plugins.module_utils._runner import validate_config as vc
    failed, result = vc.run(_hybrid_params(topology="pd_separate"))
    assert failed
    assert any("this playbook deploys pd_separate but the configuration describes pd_hybrid" in e for e in result["errors"])
    failed, result = vc.run(_hybrid_params(topology="pd_hybrid"))
    assert not failed, result["errors"]


def test_env_baseline_difference_is_an_error_and_equal_env_passes():
    import copy
    from ansible_collections.pdserve.cluster.plugins.module_utils._runner import validate_config as vc
    params = _hybrid_params()
    params["baseline"] = copy.deepcopy(params["user_config"])
    params["baseline_env"] = copy.deepcopy(params["env_config"])
    failed, result = vc.run(params)
    assert not failed, result["errors"]
    params["env_config"]["motor_engine_union_env"]["HCCL_BUFFSIZE"] = 400
    failed, result = vc.run(params)
    assert failed
    assert any(e.startswith("env.motor_engine_union_env.HCCL_BUFFSIZE") and "deployed env.json" in e
               for e in result["errors"]), result["errors"]
