# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The bare-hosts PD stack's inputs, rules and containers (module_utils/_bare/), the bare_config
runner and the bare_node_ports filter; with the real ranktable builder and merger, so NODE_PORTS
is checked against the tables the role writes."""
from __future__ import annotations

import pytest

from ansible_collections.pdserve.cluster.plugins.filter.bare import bare_node_ports
from ansible_collections.pdserve.cluster.plugins.module_utils import _ranktable as rt
from ansible_collections.pdserve.cluster.plugins.module_utils._bare import node_ports, validate
from ansible_collections.pdserve.cluster.plugins.module_utils._runner import bare_config

IP1, IP2 = "192.0.2.18", "192.0.2.19"


def npu(host_octet, count=8):
    return {"devices": [{"id": i, "ip": "29.10.%d.%d" % (host_octet, 11 + i)} for i in range(count)]}


def params(hosts, **over):
    base = dict(name="qwen", image="ascendcloud-llm:7.1", model_path="/data/models/qwen", served_model_name="qwen",
                tensor_parallel_size=None, server_args={"max_model_len": 4096, "enforce_eager": True},
                scheduler_args={"prefill_routing_policy": "RoundRobin"},
                tools_path="/home/ma-user/AscendCloud/AscendCloud-LLM/llm_tools", work_dir="/data/pdserve",
                container_work_dir=None, base_port=8088, scheduler_port=9000, no_proxy=[], use_openai=True,
                log_dir="/var/log/npu", driver_dir="/usr/local/Ascend/driver", npu_smi="/usr/local/sbin/npu-smi",
                ascend_install_info="/etc/ascend_install.info", extra_volumes=[])
    base.update(over)
    base["hosts"] = hosts
    return base


def one_host(**over):
    return [dict(dict(name="npu1", ip=IP1, api_entry=True, prefill=[[4, 5]], decode=[[6, 7]], npu=npu(1)), **over)]


def two_hosts():
    return [dict(name="npu1", ip=IP1, api_entry=False, prefill=[[0, 1]], decode=[[2, 3]], npu=npu(1)),
            dict(name="npu2", ip=IP2, api_entry=True, prefill=["4,5"], decode=[{"devices": [6, 7], "port": 8300}],
                 npu=npu(2))]


def messages(checked):
    return [str(e) for e in checked.errors]


def test_1p1d_containers_follow_the_document():
    checked = validate(params(one_host()))
    assert checked.errors == []
    d = checked.derived
    p, dd = d["hosts"]["npu1"]["containers"][:2]
    assert p["name"] == "qwen-prefill-4-5" and dd["name"] == "qwen-decode-6-7"
    # only its own NPUs plus the three management devices
    assert p["device_nodes"] == ["/dev/davinci4", "/dev/davinci5", "/dev/davinci_manager", "/dev/devmm_svm",
                                 "/dev/hisi_hdc"]
    assert "/dev/davinci6" not in p["device_nodes"]
    assert {"/usr/local/Ascend/driver:/usr/local/Ascend/driver", "/usr/local/sbin/npu-smi:/usr/local/sbin/npu-smi",
            "/etc/ascend_install.info:/etc/ascend_install.info", "/var/log/npu:/usr/slog",
            "/sys/fs/cgroup:/sys/fs/cgroup:ro", "/data/pdserve:/data/pdserve"} <= set(p["volumes"])
    assert (p["port"], dd["port"]) == (8088, 8089)
    assert p["env"]["RANK_TABLE_FILE_PATH"] == "/data/pdserve/qwen/ranktable/local_ranktable_%s_45.json" % IP1
    assert p["env"]["GLOBAL_RANK_TABLE_FILE_PATH"] == "/data/pdserve/qwen/ranktable/global_ranktable_merge.json"
    assert p["command"][:2] == ["sh", "/home/ma-user/AscendCloud/AscendCloud-LLM/llm_tools/PD_separate/start_servers.sh"]
    assert "--tensor-parallel-size=2" in p["command"] and "--port=8088" in p["command"]
    assert "--max-model-len=4096" in p["command"] and "--enforce-eager" in p["command"]
    assert p["command"][-2:] == ["--served-model-name", "qwen"]
    assert "--prefill-routing-policy=RoundRobin" not in p["command"]
    s = d["scheduler"]
    assert s["name"] == "qwen-scheduler" and s["port"] == 9000 and s["host"] == "npu1"
    assert "--prefill-routing-policy=RoundRobin" in s["command"]
    assert s["env"]["RANK_TABLE_FILE_PATH"].endswith("local_ranktable_%s_host.json" % IP1)
    assert s["env"]["no_proxy"] == "localhost,127.0.0.1,%s" % IP1
    assert d["hosts"]["npu1"]["ranktable_files"] == [
        "global_ranktable_%s.json" % IP1, "local_ranktable_%s_45.json" % IP1, "local_ranktable_%s_67.json" % IP1,
        "local_ranktable_%s_host.json" % IP1, "global_ranktable_merge.json"]


def test_2p2d_across_two_hosts_node_ports_follow_the_merged_table():
    checked = validate(params(two_hosts()))
    assert checked.errors == []
    d = checked.derived
    tables = []
    for name in ("npu1", "npu2"):
        h = d["hosts"][name]
        files = rt.build_ascendcloud(h["ip"], h["prefill"], h["decode"], h["api_entry"], npu(1 if name == "npu1" else 2))
        assert sorted(files) == sorted(h["ranktable_files"][:-1])
        tables.append((name, files[rt.ascendcloud_global_name(h["ip"])]))
    # merged in inventory order: prefill npu1, npu2; decode npu1, npu2
    merged = rt.merge(tables, rt.ASCENDCLOUD)
    instances = rt.instances(merged, rt.ASCENDCLOUD)
    assert node_ports(instances, d["instance_ports"]) == "8088,8088,8089,8300"
    # the other order of hosts gives the other order of ports
    merged = rt.merge(list(reversed(tables)), rt.ASCENDCLOUD)
    assert bare_node_ports(rt.instances(merged, rt.ASCENDCLOUD), d["instance_ports"]) == "8088,8088,8300,8089"
    assert d["entry_host"] == "npu2"
    assert d["scheduler"]["env"]["no_proxy"] == "localhost,127.0.0.1,%s,%s" % (IP1, IP2)


def test_node_ports_refuses_an_instance_the_stack_does_not_run():
    with pytest.raises(ValueError, match="does not run"):
        node_ports([{"role": "prefill", "local_file": "local_ranktable_x_01.json"}], {})


def test_ports_skip_the_taken_ones():
    hosts = one_host(prefill=[{"devices": [0, 1], "port": 8089}, [2, 3]], decode=[[4, 5]])
    checked = validate(params(hosts, base_port=8088, scheduler_port=8090))
    assert checked.errors == []
    assert [c["port"] for c in checked.derived["containers"]] == [8089, 8088, 8091]


def test_every_error_at_once_nothing_derived():
    hosts = [dict(name="npu1", ip=IP1, api_entry=True, prefill=[[4, 5], {"devices": [6], "port": 9000}],
                  decode=[[5, 8]], npu=npu(1)),
             dict(name="npu2", ip=IP2, api_entry=True, prefill=[[0, 1]], decode=[[2, 3]], npu=npu(2))]
    checked = validate(params(hosts, container_work_dir="/home/ma-user/work",
                              extra_volumes=["/x:/home/ma-user"], server_args={"port": 1}))
    got = messages(checked)
    assert checked.derived == {}
    expected = [
        "container_work_dir: \"/home/ma-user/work\": must not be /home/ma-user",
        "extra_volumes[0]: \"/x:/home/ma-user\": container path must not be /home/ma-user",
        "server_args.port: 1: is set by the stack",
        "npu1.decode[0][0]: 5: NPU 5 is already given to npu1.prefill[0]",
        "npu1.decode[0][1]: 8: no NPU 8 on npu1",
        "api_entry: [\"npu1\", \"npu2\"]: exactly one host must be the API entry",
        "npu1.prefill[1]: 1: holds 1 NPUs but every prefill and decode instance must hold 2",
    ]
    for want in expected:
        assert any(m.startswith(want) for m in got), (want, got)


def test_ports_unique_per_host_with_the_scheduler():
    hosts = one_host(prefill=[{"devices": [4, 5], "port": 9000}])
    got = messages(validate(params(hosts)))
    assert got == ["npu1.ports: 9000: port used by npu1.prefill[0].port, scheduler_port: ports must be unique per "
                   "host (host networking)"]


def test_same_port_on_two_hosts_is_fine():
    checked = validate(params(two_hosts()))
    ports = {(c["host"], c["port"]) for c in checked.derived["containers"]}
    assert ("npu1", 8088) in ports and ("npu2", 8088) in ports


def test_no_entry_no_decode_and_tp_mismatch():
    hosts = one_host(api_entry=False, decode=[])
    got = messages(validate(params(hosts, tensor_parallel_size=4)))
    assert any(m.startswith("api_entry: []: exactly one host") for m in got)
    assert any(m.startswith("decode: []: give at least one decode instance") for m in got)
    assert any(m.startswith("npu1.prefill[0]: 2: holds 2 NPUs but every prefill and decode instance must hold 4 "
                            "(tensor_parallel_size)") for m in got)


def test_missing_facts_and_bad_devices():
    hosts = one_host(npu=None, prefill=[["x"]], decode=[[]])
    got = messages(validate(params(hosts)))
    assert "npu1.npu: null: no npu_facts for this host: the devices cannot be checked" in got
    assert any(m.startswith("npu1.prefill[0][0]: \"x\": must be a non-negative integer") for m in got)
    assert any(m.startswith("npu1.decode[0]: []: must be a non-empty list") for m in got)


def test_colliding_local_table_names():
    hosts = one_host(prefill=[[1, 12]], decode=[[11, 2]], npu=npu(1, 16))
    got = messages(validate(params(hosts)))
    assert any("its local ranktable name local_ranktable_%s_112.json is also that of npu1.prefill[0]" % IP1 in m
               for m in got), got


def test_system_work_dir_and_bad_names():
    got = messages(validate(params(one_host(), work_dir="/etc/pd", name="Bad_Name", image="")))
    assert any(m.startswith("work_dir: \"/etc/pd\": must not be / or a system path") for m in got)
    assert any(m.startswith("name: \"Bad_Name\"") for m in got)
    assert any(m.startswith("image: \"\": must be a non-empty string") for m in got)


def test_runner_fails_with_every_message():
    result = bare_config.execute(params(one_host(api_entry=False)))
    assert result["failed"] and "nothing started" in result["msg"] and result["derived"] == {}
    ok = bare_config.execute(params(one_host()))
    assert "failed" not in ok and ok["derived"]["entry_host"] == "npu1" and ok["changed"] is False
