# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The user_config.json we render, loaded by the real MindIE-PyMotor runtime.

The runtime (``mindie-motor==3.0.0b2``, pinned in requirements-motor.txt) lives in its own
virtualenv, ``.venv-motor`` (``make setup`` makes it): its dependencies must not mix with the
collection's. Each check runs tests/unit/motor_oracle/load_config.py there, which loads the file
through ``motor.config`` the way each component does at start. Without .venv-motor these tests
FAIL: the oracle is a required test dependency.

The package is older than the upstream source pdserve follows. Where it reads a key elsewhere,
the difference is listed in PACKAGE_DRIFT with the reason; anything else it drops fails.
With PDSERVE_MOTOR_SOURCE set to a checkout of Ascend/MindIE-PyMotor, the same checks also run
against that source (then nothing may be dropped at all).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from pymotor_render import ROOT, render, sandbox_inventory
import test_pymotor_contract as configs

PYTHON = os.path.join(ROOT, ".venv-motor", "bin", "python")
ORACLE = os.path.join(ROOT, "tests", "unit", "motor_oracle", "load_config.py")

#: Keys the current upstream source reads and mindie-motor 3.0.0b2 does not: 3.0.0b2 reads the
#: coordinator's ports from motor_coordinator_config.http_config (upstream moved them to
#: api_config, motor/config/coordinator.py ApiConfig). Its defaults are the same numbers.
PACKAGE_DRIFT = {
    "motor_coordinator_config.api_config.coordinator_api_infer_port",
    "motor_coordinator_config.api_config.coordinator_api_mgmt_port",
    "motor_coordinator_config.api_config.coordinator_obs_port",
}
#: ROLE values: 3.0.0b2 knows prefill, decode and both (PDRole); upstream renders union.
PACKAGE_ROLE = {"union": "both"}


def oracles():
    out = [("package", None)]
    source = os.environ.get("PDSERVE_MOTOR_SOURCE")
    if source:
        out.append(("source", source))
    return out


def load(tmp_path, user_config, component, role=None, source=None):
    assert os.path.exists(PYTHON), (
        "%s is missing: run `make setup` (target venv-motor) - the real MindIE-PyMotor runtime is this "
        "test's oracle" % PYTHON)
    path = tmp_path / "user_config.json"
    path.write_text(json.dumps(user_config))
    env = dict(os.environ, PYTHONPATH=source or "")
    args = [PYTHON, ORACLE, str(path), component] + ([role] if role else [])
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def rendered_user_config(r):
    return json.loads(r.configmap()["data"]["user_config.json"])


@pytest.fixture(params=oracles(), ids=lambda o: o[0], scope="module")
def oracle(request):
    return request.param


@pytest.mark.parametrize("name", ["hybrid_iss", "pd_iss_a2", "hybrid_multi_custom_ports"])
def test_controller_keeps_everything_we_write(tmp_path, oracle, name):
    user, env = configs.CONFIGS[name]()
    written = rendered_user_config(render(user, env))
    out = load(tmp_path, written, "controller", "controller", oracle[1])
    assert out["dropped"] == []
    assert out["tls"]["mgmt_tls_config"] is True  # management TLS really on
    api = out["config"]["api_config"]
    assert api["controller_api_port"] == configs.port_in(user, "motor_controller_config", "controller_api_port")
    assert api["observability_api_port"] == configs.port_in(user, "motor_controller_config", "observability_api_port")


@pytest.mark.parametrize("name", ["hybrid_iss", "pd_iss_a2", "pd_multi_kv", "pd_a5"])
def test_coordinator_keeps_everything_we_write(tmp_path, oracle, name):
    user, env = configs.CONFIGS[name]()
    written = rendered_user_config(render(user, env))
    out = load(tmp_path, written, "coordinator", "coordinator", oracle[1])
    allowed = PACKAGE_DRIFT if oracle[0] == "package" else set()
    assert set(out["dropped"]) <= allowed, out["dropped"]
    assert out["tls"] == {"infer_tls_config": True, "mgmt_tls_config": True}
    cfg = out["config"]
    ports = cfg["api_config"] if oracle[0] == "source" else cfg["http_config"]
    assert ports["coordinator_api_infer_port"] == configs.port_in(user, "motor_coordinator_config",
                                                                  "coordinator_api_infer_port")
    assert ports["coordinator_api_mgmt_port"] == configs.port_in(user, "motor_coordinator_config",
                                                                 "coordinator_api_mgmt_port")
    wanted = (user.get("motor_coordinator_config") or {}).get("scheduler_config", {}).get("deploy_mode")
    if "hybrid_instances_num" in user["motor_deploy_config"]:
        wanted = "single_node"  # the only mode serving union instances; we write it when left out
    assert cfg["scheduler_config"]["deploy_mode"] == (wanted or "pd_separate")


def test_custom_coordinator_ports_reach_the_current_runtime(tmp_path, oracle):
    user, env = configs.hybrid_multi_custom_ports()
    written = rendered_user_config(render(user, env))
    out = load(tmp_path, written, "coordinator", "coordinator", oracle[1])
    if oracle[0] == "package":
        # 3.0.0b2 reads them from http_config: exactly the documented drift is lost, nothing else
        assert set(out["dropped"]) == PACKAGE_DRIFT
    else:
        assert out["dropped"] == []
        assert out["config"]["api_config"]["coordinator_api_infer_port"] == 2025
        assert out["config"]["api_config"]["coordinator_api_mgmt_port"] == 2036


@pytest.mark.parametrize("name,role", [("hybrid_iss", "union"), ("pd_iss_a2", "prefill"), ("pd_iss_a2", "decode")])
def test_node_manager_reads_its_role_and_port(tmp_path, oracle, name, role):
    user, env = configs.CONFIGS[name]()
    r = render(user, env)
    written = rendered_user_config(r)
    rendered_role = [configs.env_of(configs.container_of(t))["ROLE"] for c, _i, t in r.pods() if c == role][0]
    assert rendered_role == role
    run_role = PACKAGE_ROLE.get(role, role) if oracle[0] == "package" else role
    out = load(tmp_path, written, "node_manager", run_role, oracle[1])
    assert out["config"]["api_config"]["node_manager_port"] == configs.nm_port(user, role)
    if oracle[0] == "source":
        assert out["tls"]["mgmt_tls_config"] is True
        assert out["config"]["basic_config"]["role"] == role


def test_entry_modules_exist_in_the_runtime(oracle):
    code = ("import importlib.util, json; print(json.dumps({m: importlib.util.find_spec(m) is not None for m in "
            "['motor.controller.main', 'motor.coordinator.main', 'motor.node_manager.main', "
            "'motor.engine_server.cli', 'motor.engine_server.main']}))")
    assert os.path.exists(PYTHON), "%s is missing: run `make setup`" % PYTHON
    env = dict(os.environ, PYTHONPATH=oracle[1] or "")
    proc = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert found["motor.controller.main"] and found["motor.coordinator.main"] and found["motor.node_manager.main"]
    assert found["motor.engine_server.main"] is False  # what we used to start: it does not exist
    boot = render(*sandbox_inventory()).configmap()["data"]["boot.sh"]
    for module in ("motor.controller.main", "motor.coordinator.main", "motor.node_manager.main"):
        assert "python3 -m " + module in boot


# Reasons pdserve refuses some of upstream's own examples (each also in docs/pymotor_contract.md):
# sglang needs mf_store; the KV pool without eviction ratios (upstream's deployer refuses it too);
# weights outside weight_mount_path (upstream reaches them through its hostPath mount of /mnt);
# different served model names for P and D.
KNOWN_REFUSALS = ("mf_store", "is required when the KV cache pool runs", "must lie under motor_deploy_config.weight_mount_path",
                  "must equal the prefill served_model_name", "engine_config.model: <missing>")


def upstream_examples():
    source = os.environ.get("PDSERVE_MOTOR_SOURCE")
    if not source:
        return []
    import glob
    return sorted(glob.glob(os.path.join(source, "examples", "infer_engines", "**", "user_config*.json"), recursive=True))


@pytest.mark.skipif(not os.environ.get("PDSERVE_MOTOR_SOURCE"), reason="PDSERVE_MOTOR_SOURCE (an upstream checkout) not set")
@pytest.mark.parametrize("path", upstream_examples() or ["none"])
def test_upstream_examples_are_accepted_or_refused_for_a_documented_reason(path):
    from ansible_collections.pdserve.cluster.plugins.module_utils import _pymotor
    with open(path, encoding="utf-8") as handle:
        user = json.load(handle)
    env_path = os.path.join(os.path.dirname(path), "env.json")
    env = json.load(open(env_path, encoding="utf-8")) if os.path.exists(env_path) else None
    user["motor_deploy_config"]["image_name"] = "example/image:1"  # upstream ships them empty
    result = _pymotor.validate(user, env, tls_cert_dir="/mnt/pdserve-tls")
    if any("mf_store" in m for m in result.messages):
        return  # sglang: refused as a whole
    unexplained = [m for m in result.messages if not any(reason in m for reason in KNOWN_REFUSALS)]
    assert not unexplained, unexplained
