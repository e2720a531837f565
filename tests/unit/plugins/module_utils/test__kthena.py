# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The kthena_mooncake configuration family (module_utils/_kthena): the document's example as the
defaults (its own commands, run by bash, are the oracle), every rule with its path / value / rule,
all errors at once, the scale guard, and the result shape of _family."""
from __future__ import annotations

import json
import os
import stat
import subprocess

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _kthena
from ansible_collections.pdserve.cluster.plugins.module_utils._family import stack_result_problems
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import kthena_config as runner

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "kthena", "doc_commands.sh")
POD_ENV = {"POD_IP": "10.1.2.3", "GROUP_NAME": "deepseek-pd-0", "ROLE_ID": "prefill-0",
           "MODEL_LOCATION": "/models/DeepSeek-R1-Distill-Qwen-1.5B"}
#: What the stand-in vllm records besides its arguments.
RECORDED_ENV = ("HCCL_BUFFSIZE", "OMP_PROC_BIND", "OMP_NUM_THREADS", "PYTORCH_NPU_ALLOC_CONF", "TASK_QUEUE_ENABLE",
                "HCCL_OP_EXPANSION_MODE", "VLLM_USE_V1", "GLOO_SOCKET_IFNAME", "TP_SOCKET_IFNAME",
                "HCCL_SOCKET_IFNAME", "HCCL_IF_IP", "MOONCAKE_ENGINE_ID")


@pytest.fixture(name="recorder")
def _recorder(tmp_path):
    """A folder with a stand-in ``vllm`` that writes its arguments and environment as JSON."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    vllm = bindir / "vllm"
    vllm.write_text("#!/usr/bin/env python3\nimport json, os, sys\n"
                    "json.dump({'argv': sys.argv[1:], 'env': {k: os.environ.get(k) for k in %r}},"
                    " open(os.environ['RECORD'], 'w'))\n" % (RECORDED_ENV,))
    vllm.chmod(vllm.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def _run(recorder, text, name):
    record = recorder / (name + ".json")
    env = dict(os.environ, PATH="%s:%s" % (recorder / "bin", os.environ["PATH"]), RECORD=str(record), **POD_ENV)
    subprocess.run(["bash", "-c", text], env=env, check=True)
    return json.loads(record.read_text())


def _flags(argv):
    """{flag: value (None for a switch)} and the positional words; JSON values parsed."""
    out, positional, i = {}, [], 0
    while i < len(argv):
        if argv[i].startswith("--"):
            value = argv[i + 1] if i + 1 < len(argv) and not argv[i + 1].startswith("--") else None
            out[argv[i]] = json.loads(value) if value and value[:1] == "{" else value
            i += 2 if value is not None else 1
        else:
            positional.append(argv[i])
            i += 1
    return out, positional


@pytest.mark.parametrize("role", ["prefill", "decode"])
def test_defaults_run_the_documents_command(recorder, role):
    result = _kthena.validate({})
    assert result.errors == []
    script = result.derived["scripts"][role + ".sh"]
    subprocess.run(["bash", "-n"], input=script.encode(), check=True)
    ours = _run(recorder, script, "ours")
    with open(DOC, encoding="utf-8") as handle:
        doc = _run(recorder, handle.read() + "\nexport MOONCAKE_ENGINE_ID=\"${GROUP_NAME}_${ROLE_ID}\"\ndoc_%s\n" % role,
                   "doc")
    assert _flags(ours["argv"]) == _flags(doc["argv"])
    assert ours["argv"][:2] == ["serve", POD_ENV["MODEL_LOCATION"]]
    kv = _flags(ours["argv"])[0]["--kv-transfer-config"]
    assert kv["engine_id"] == "deepseek-pd-0_prefill-0"
    env_lines = subprocess.run(["bash", "-c", "source %s; doc_env" % DOC], capture_output=True, text=True,
                               check=True).stdout.split("\n")
    for line in env_lines:
        if line.startswith(role + " "):
            key, value = line.split(" ", 1)[1].split("=", 1)
            assert ours["env"][key] == value, key
    assert ours["env"]["HCCL_IF_IP"] == POD_ENV["POD_IP"]


def test_argv_placeholders_are_the_pods_values(recorder):
    config = {"roles": {"decode": {"port": 7301, "extra_args": ["--max-num-seqs", "4", "--note", "it's"]}}}
    result = _kthena.validate(config)
    recorded = _run(recorder, result.derived["scripts"]["decode.sh"], "d")
    want = [a.replace("${POD_IP}", POD_ENV["POD_IP"]).replace("${MOONCAKE_ENGINE_ID}", "deepseek-pd-0_prefill-0")
            for a in result.derived["serve_argv"]["decode"]]
    assert recorded["argv"] == want
    assert "7301" in recorded["argv"] and "it's" in recorded["argv"]


def test_every_error_at_once_with_path_value_rule():
    config = {
        "roles": {"prefill": {"npus": 6, "dp_local": 2}, "decode": {"kv_port": 28004, "port": 12321}},
        "kv_connector_extra_config": {"prefill": {"dp_size": 2, "tp_size": 2}, "decode": {"tp_size": 4}},
        "scheduler_name": "default-scheduler",
        "namespace": "Bad_NS",
    }
    result = _kthena.validate(config, {"node-a": ["eth0", "lo"], "node-b": ["enp23s0f3"]})
    by_path = {}
    for error in result.errors:
        by_path.setdefault(error.path, []).append(error)
    assert set(by_path) == {
        "roles.prefill.npus", "roles.prefill.dp_local", "roles.decode.kv_port", "roles.decode.port",
        "kv_connector_extra_config.prefill.dp_size", "kv_connector_extra_config.decode.tp_size",
        "scheduler_name", "namespace", "nic_name"}
    assert by_path["roles.prefill.npus"][0].value == 6
    assert "4 x 2 = 8" in by_path["roles.prefill.npus"][0].rule
    assert by_path["roles.decode.kv_port"][0].value == 28004
    # the Mooncake ports kv_port+4 .. +7 of prefill are decode's kv_port .. +3
    assert all(str(p) in by_path["roles.decode.kv_port"][0].rule for p in (28004, 28005, 28006, 28007))
    assert "dp_rpc_port" in by_path["roles.decode.port"][0].rule
    assert "node-a" in by_path["nic_name"][0].rule and "node-b" not in by_path["nic_name"][0].rule
    assert result.derived == {}


def test_ports_inside_one_pod_must_differ():
    result = _kthena.validate({"roles": {"prefill": {"dp_rpc_port": 28003}}})
    assert [(e.path, e.value) for e in result.errors] == [("roles.prefill.kv_port", 28003)]


def test_mooncake_range_must_fit_below_65536():
    result = _kthena.validate({"roles": {"decode": {"kv_port": 65530}}})
    assert [(e.path, e.value) for e in result.errors] == [("roles.decode.kv_port", 65530)]


def test_without_host_network_the_roles_may_share_ports():
    result = _kthena.validate({"host_network": False, "roles": {"decode": {"port": 7100, "dp_rpc_port": 12321,
                                                                           "kv_port": 28000}}})
    assert result.errors == []


def test_extra_config_sizes_given_and_agreeing_are_kept():
    extra = {"use_ascend_direct": True, "prefill": {"dp_size": 2, "tp_size": 4}, "decode": {"dp_size": 8, "tp_size": 1}}
    result = _kthena.validate({"kv_connector_extra_config": extra,
                               "roles": {"prefill": {"dp": 2, "dp_local": 2, "tp": 4}, "decode": {"dp": 8, "tp": 1}}})
    assert result.errors == []
    assert result.derived["kv_connector_extra_config"] == extra


def test_derived_is_a_stack_result_with_the_counts_given():
    result = _kthena.validate({"replicas": 2, "roles": {"prefill": {"replicas": 3}}})
    assert stack_result_problems(result.derived) == []
    roles = result.derived["roles"]
    assert (roles["prefill"]["instances"], roles["decode"]["instances"]) == (6, 2)
    assert roles["prefill"]["npus_per_pod"] == 8
    assert result.derived["hardware"]["npu_resource"] == "huawei.com/ascend-1980"
    assert [p["port"] for p in roles["decode"]["ports"]] == [7101, 12322] + list(range(28100, 28108))


def test_scale_guard_allows_counts_only():
    base = _kthena.validate({}).config
    scaled = _kthena.validate({"roles": {"prefill": {"replicas": 2}}}).config
    errors, diffs = _kthena.scale_guard(base, scaled)
    assert errors == [] and [d[0] for d in diffs] == ["roles.prefill.replicas"]
    changed = _kthena.validate({"roles": {"prefill": {"replicas": 2}}, "image": "other:1"}).config
    errors, _ = _kthena.scale_guard(base, changed)
    assert [(e.path, e.value) for e in errors] == [("image", "other:1")]


def test_runner_fails_with_every_error_and_guards_a_scale():
    result = runner.execute({"config": {"roles": {"prefill": {"npus": 4}}, "scheduler_name": "x"},
                             "node_interfaces": None, "baseline": None, "allowed_changes": list(_kthena.SCALE_FIELDS)})
    assert result["failed"] and result["msg"].startswith("2 configuration errors:")
    result = runner.execute({"config": {"replicas": 2, "nic_name": "eth9"}, "node_interfaces": None,
                             "baseline": {}, "allowed_changes": list(_kthena.SCALE_FIELDS)})
    assert result["failed"] and result["errors"] == [
        'nic_name: "eth9": differs from the deployed stack (\'enp23s0f3\'); a scale may change only '
        'replicas, roles.prefill.replicas, roles.decode.replicas']
    result = runner.execute({"config": {"replicas": 2}, "node_interfaces": {"n": ["enp23s0f3"]}, "baseline": {},
                             "allowed_changes": list(_kthena.SCALE_FIELDS)})
    assert not result.get("failed") and result["differences"] == [{"path": "replicas", "old": 1, "new": 2}]
