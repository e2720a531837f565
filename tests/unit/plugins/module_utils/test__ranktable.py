# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Rules of module_utils/_ranktable: each rule has a passing and a failing variant."""

from __future__ import annotations

import copy
import importlib.util
import json
import pathlib

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _ranktable as rt

ROOT = pathlib.Path(__file__).resolve().parents[4]
SAMPLES = ROOT / "tests" / "fixtures" / "ranktables"


def sample(name):
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def grp(doc, gid):
    return next(g for g in doc["server_group_list"] if g["group_id"] == str(gid))


def ips(host_octet, ids):
    return {str(d): "29.%d.0.%d" % (host_octet, d + 1) for d in ids}


def mm_servers(n=2, devices=(0, 1)):
    recs = [{"server_id": "192.0.2.10", "container_ip": "10.244.0.2", "group": "coordinator"},
            {"server_id": "192.0.2.10", "container_ip": "10.244.0.3", "group": "controller"}]
    for i in range(n):
        recs.append({"server_id": "192.0.2.%d" % (11 + i), "container_ip": "10.244.%d.5" % (1 + i),
                     "device_ids": list(devices)})
    return recs


def mm_ips(n=2, devices=(0, 1)):
    return {"192.0.2.%d" % (11 + i): ips(11 + i, devices) for i in range(n)}


def mm_doc():
    return rt.build_mindie_motor(mm_servers(), device_ips=mm_ips())


def ac_doc():
    return sample("ascendcloud_global.json")


def a3_doc():
    return sample("mindie_motor_single_a3.json")


def single_doc():
    return sample("mindie_motor_single_a2.json")


def hetero_doc():
    return sample("mindie_motor_multi_a2_heterogeneous.json")


def _set(path_fn, value):
    def mutate(doc):
        holder, key = path_fn(doc)
        holder[key] = value
    return mutate


def dev(doc, gid, server, device):
    return grp(doc, gid)["server_list"][server]["device"][device]


# ---------------------------------------------------------------------------- the samples

@pytest.mark.parametrize("name, fmt", [
    ("mindie_motor_single_a2.json", rt.MINDIE_MOTOR),
    ("mindie_motor_single_a3.json", rt.MINDIE_MOTOR),
    ("mindie_motor_multi_a2_heterogeneous.json", rt.MINDIE_MOTOR),
    ("ascendcloud_global.json", rt.ASCENDCLOUD),
])
def test_document_samples_parse_and_validate(name, fmt):
    assert rt.validate(rt.load(str(SAMPLES / name)), fmt) == []


def test_document_sample_a3_is_recognised_as_a3():
    assert rt.validate(a3_doc(), rt.MINDIE_MOTOR, hardware_type="800I_A3") == []
    errors = rt.validate(a3_doc(), rt.MINDIE_MOTOR, hardware_type="800I_A2")
    assert any("only 800I_A3 ranktables carry super_device_id" in e for e in errors)


def test_document_sample_local_matches_its_global():
    files = {"global_ranktable_localhost.json": ac_doc(),
             "local_ranktable_localhost_67.json": sample("ascendcloud_local_decode.json")}
    assert rt.validate_local(files["local_ranktable_localhost_67.json"]) == []
    assert rt.validate_ascendcloud_files(files) == []


def test_fixtures_are_the_documents_samples_demasked():
    spec = importlib.util.spec_from_file_location("demask", SAMPLES / "demask.py")
    demask = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demask)
    verbatim = sorted(SAMPLES.glob("*.verbatim.txt"))
    assert len(verbatim) == 5
    for src in verbatim:
        derived = src.with_name(src.name.replace(".verbatim.txt", ".json"))
        assert derived.read_text(encoding="utf-8") == demask.demask(src.read_text(encoding="utf-8"))


def test_verbatim_samples_fail_only_on_their_masks_and_trailing_commas():
    errors = rt.validate(rt.load(str(SAMPLES / "ascendcloud_global.verbatim.txt")), rt.ASCENDCLOUD)
    assert len(errors) == 4 and all("device_ip: must be a well-formed" in e and "**" in e for e in errors)
    with pytest.raises(rt.RanktableError) as info:
        rt.load(str(SAMPLES / "mindie_motor_single_a2.verbatim.txt"))
    assert "is not valid JSON" in info.value.errors[0] and "line 114" in info.value.errors[0]


# ---------------------------------------------------------------------------- rule table

def _drop_group(doc):
    doc["server_group_list"].pop()


def _swap_ac(doc):
    gl = doc["server_group_list"]
    gl[1], gl[2] = gl[2], gl[1]


def _reorder(doc):
    doc["server_group_list"].reverse()


def _ranks(values, gid=1, server=0):
    def mutate(doc):
        for d, r in zip(grp(doc, gid)["server_list"][server]["device"], values):
            d["rank_id"] = r
    return mutate


def _reuse_device(doc):
    dev(doc, 2, 0, 0)["device_id"] = "5"    # decode takes device 5, prefill's


def _reuse_ip(doc):
    dev(doc, 2, 1, 0)["device_ip"] = dev(doc, 2, 0, 0)["device_ip"]


def _third_device(doc):
    s = grp(doc, 2)["server_list"][1]
    s["device"].append({"device_id": "7", "device_ip": "29.12.0.8", "rank_id": "2", "device_logical_id": "2"})


def _no_devices(doc):
    grp(doc, 2)["server_list"][0]["device"] = []


def _many_devices(doc):
    s = grp(doc, 2)["server_list"][0]
    s["device"] = [{"device_id": str(i), "device_ip": "29.99.%d.%d" % (i // 200, i % 200 + 1),
                    "rank_id": str(i), "device_logical_id": str(i)} for i in range(129)]


def _two(gid):
    def mutate(doc):
        g = grp(doc, gid)
        g["server_list"].append(dict(g["server_list"][0], server_ip="10.244.9.9"))
        g["server_count"] = str(len(g["server_list"]))
    return mutate


def _none(gid):
    def mutate(doc):
        g = grp(doc, gid)
        g["server_list"] = []
        g["server_count"] = "0"
    return mutate


def _status(value):
    return _set(lambda d: (d, "status"), value)


def _combine(*fns):
    def mutate(doc):
        for fn in fns:
            fn(doc)
    return mutate


def _servers(n):
    def mutate(doc):
        g = grp(doc, 2)
        g["server_list"] = [{"server_id": "192.0.%d.%d" % (i // 200, i % 200 + 1),
                             "server_ip": "10.1.%d.%d" % (i // 200, i % 200 + 1),
                             "device": [{"device_id": "0", "device_ip": "29.1.%d.%d" % (i // 200, i % 200 + 1),
                                         "rank_id": "0"}]} for i in range(n)]
        g["server_count"] = str(n)
    return mutate


def _device_on(gid):
    def mutate(doc):
        grp(doc, gid)["server_list"][0]["device"] = [{"device_id": "0", "device_ip": "29.9.9.9", "rank_id": "0"}]
    return mutate


def _port(value, server=1, field="predict_port"):
    return lambda doc: grp(doc, 2)["server_list"][server].__setitem__(field, value)


def _hw(server, value):
    def mutate(doc):
        if value is None:
            grp(doc, 2)["server_list"][server].pop("hardware_type")
        else:
            grp(doc, 2)["server_list"][server]["hardware_type"] = value
    return mutate


def _sdid(server, device, value):
    def mutate(doc):
        d = dev(doc, 2, server, device)
        if value is None:
            d.pop("super_device_id")
        else:
            d["super_device_id"] = value
    return mutate


def _pods(value):
    def mutate(doc):
        if value is None:
            grp(doc, 2).pop("super_pod_list")
        else:
            grp(doc, 2)["super_pod_list"] = value
    return mutate


def _mm_missing_rank(doc):
    dev(doc, 2, 1, 1).pop("rank_id")


def _mm_single_restart(doc):
    # the second server process of the single-container pod restarts its ranks at 0
    for j, d in enumerate(grp(doc, 2)["server_list"][1]["device"]):
        d["rank_id"] = str(j)


def _logical_dup(doc):
    dev(doc, 2, 1, 0)["device_logical_id"] = "0"


# Each rule: (id, format, base, kwargs, passing mutation, failing mutation, expected in an error).
RULES = [
    ("version", rt.MINDIE_MOTOR, mm_doc, {}, _set(lambda d: (d, "version"), "1.2"),
     _set(lambda d: (d, "version"), "2.0"), 'version: must be one of 1.0, 1.2 (got "2.0")'),
    ("status", rt.MINDIE_MOTOR, mm_doc, {}, _status("initializing"), _status("done"),
     'status: must be one of initializing, completed (got "done")'),
    ("three-groups", rt.MINDIE_MOTOR, mm_doc, {}, _reorder, _drop_group,
     "server_group_list: must be a list of exactly 3 groups"),
    ("group-id", rt.MINDIE_MOTOR, mm_doc, {}, _reorder,
     _set(lambda d: (d["server_group_list"][0], "group_id"), "3"), 'group_id: must be one of "0", "1", "2"'),
    ("group-id-twice", rt.MINDIE_MOTOR, mm_doc, {}, _reorder,
     _set(lambda d: (d["server_group_list"][0], "group_id"), "1"), "appears twice"),
    ("ascendcloud-group-order", rt.ASCENDCLOUD, ac_doc, {}, None, _swap_ac,
     "groups are ordered 0 scheduler, 1 prefill, 2 decode"),
    ("server-count", rt.MINDIE_MOTOR, mm_doc, {}, None,
     _set(lambda d: (grp(d, 2), "server_count"), "3"), "server_count: must equal the length of server_list (2)"),
    ("server-count-string", rt.MINDIE_MOTOR, mm_doc, {}, None,
     _set(lambda d: (grp(d, 2), "server_count"), 2), "server_count: must be a string holding a non-negative integer"),
    ("device-ip", rt.ASCENDCLOUD, ac_doc, {}, _set(lambda d: (dev(d, 1, 0, 0), "device_ip"), "fd00::22"),
     _set(lambda d: (dev(d, 1, 0, 0), "device_ip"), "29.1.1"),
     'server_group_list[1].server_list[0].device[0].device_ip: must be a well-formed IPv4 or IPv6 address (got "29.1.1")'),
    ("server-ip", rt.MINDIE_MOTOR, mm_doc, {}, _set(lambda d: (grp(d, 2)["server_list"][0], "server_ip"), "10.9.9.9"),
     _set(lambda d: (grp(d, 2)["server_list"][0], "server_ip"), "10.**.**.1"),
     'server_ip: must be a well-formed IPv4 or IPv6 address (got "10.**.**.1")'),
    ("localhost-only-ascendcloud", rt.MINDIE_MOTOR, mm_doc, {}, None,
     _set(lambda d: (grp(d, 2)["server_list"][0], "server_id"), "localhost"),
     'server_id: must be a well-formed IPv4 or IPv6 address (got "localhost")'),
    ("device-list-empty", rt.MINDIE_MOTOR, mm_doc, {}, None, _no_devices, "must be a list of 1 to 128 devices"),
    ("device-list-129", rt.MINDIE_MOTOR, mm_doc, {"equal_devices": False}, None, _many_devices,
     "must be a list of 1 to 128 devices (got 129)"),
    ("device-id", rt.ASCENDCLOUD, ac_doc, {}, None, _set(lambda d: (dev(d, 2, 0, 0), "device_id"), "06"),
     'device_id: must be a string holding a non-negative integer (got "06")'),
    ("rank-contiguous-instance", rt.ASCENDCLOUD, ac_doc, {}, _ranks(["1", "0"]), _ranks(["0", "2"]),
     "server_group_list[1].server_list[0].device[*].rank_id: rank_id values must be 0..1, each once"),
    ("rank-required-ascendcloud", rt.ASCENDCLOUD, ac_doc, {}, None,
     lambda d: dev(d, 1, 0, 1).pop("rank_id"), "rank_id: must be a string holding a non-negative integer (got null)"),
    ("rank-contiguous-pod", rt.MINDIE_MOTOR, single_doc, {}, None, _mm_single_restart,
     "rank_id values must be 0..7, each once"),
    ("rank-all-or-none-in-pod", rt.MINDIE_MOTOR, mm_doc, {}, None, _mm_missing_rank,
     "every device of the pod needs a rank_id when one has it"),
    ("logical-id-unique-in-pod", rt.MINDIE_MOTOR, single_doc, {}, None, _logical_dup,
     "device_logical_id is used twice in pod 127.0.0.1"),
    ("device-twice-on-host", rt.ASCENDCLOUD, ac_doc, {}, None, _reuse_device,
     "server_group_list[2].server_list[0].device[0].device_id: device is used twice on host localhost "
     "(also server_group_list[1].server_list[0].device[1].device_id)"),
    ("device-ip-twice", rt.MINDIE_MOTOR, mm_doc, {}, None, _reuse_ip, "device IP is used twice"),
    ("equal-device-counts", rt.MINDIE_MOTOR, mm_doc, {}, None, _third_device,
     "must hold 2 devices like server_group_list[0].server_list[0]: P and D instances use the same number of NPUs"),
    ("equal-device-counts-off", rt.MINDIE_MOTOR, mm_doc, {"equal_devices": False}, _third_device, _reuse_ip,
     "device IP is used twice"),
    ("one-coordinator", rt.MINDIE_MOTOR, mm_doc, {}, None, _two(0), "must hold at most one coordinator"),
    ("controller-when-completed", rt.MINDIE_MOTOR, mm_doc, {}, _combine(_none(1), _status("initializing")),
     _none(1), "must hold exactly one controller when status is completed"),
    ("servers-when-completed", rt.MINDIE_MOTOR, mm_doc, {}, _combine(_none(2), _status("initializing")),
     _none(2), "must hold at least one server when status is completed"),
    ("at-most-96-servers", rt.MINDIE_MOTOR, mm_doc, {}, _servers(96), _servers(97), "must hold at most 96 servers"),
    ("one-scheduler", rt.ASCENDCLOUD, ac_doc, {}, None, _two(0), "must hold at most one scheduler / API entry"),
    ("scheduler-required", rt.ASCENDCLOUD, ac_doc, {}, None, _none(0),
     "must hold exactly one scheduler / API entry"),
    ("scheduler-not-required-partial", rt.ASCENDCLOUD, ac_doc, {"partial": True}, _none(0), _two(0),
     "must hold at most one scheduler / API entry"),
    ("decode-required", rt.ASCENDCLOUD, ac_doc, {}, None, _none(2), "must hold at least one decode instance"),
    ("devices-only-on-servers", rt.MINDIE_MOTOR, mm_doc, {}, None, _device_on(0),
     "only server entries carry devices"),
    ("devices-only-on-instances", rt.ASCENDCLOUD, ac_doc, {}, None, _device_on(0),
     "only prefill / decode entries carry devices"),
    ("port-range", rt.MINDIE_MOTOR, single_doc, {}, _port("65535"), _port("70000"),
     'predict_port: must be a string holding a port 1..65535 (got "70000")'),
    ("port-unique-in-pod", rt.MINDIE_MOTOR, single_doc, {}, None, _port("20001"),
     "port is used twice in pod 127.0.0.1 (also server_group_list[0].server_list[0].predict_port)"),
    ("hardware-type-values", rt.MINDIE_MOTOR, hetero_doc, {}, _hw(0, "800I A2(64G)"), _hw(0, "800I A3"),
     "hardware_type: must be one of 800I A2(32G), 800I A2(64G)"),
    ("hardware-type-all-or-none", rt.MINDIE_MOTOR, hetero_doc, {}, _combine(_hw(0, None), _hw(1, None)),
     _hw(1, None), "is required on every server when one has it"),
    ("a3-super-device-id", rt.MINDIE_MOTOR, a3_doc, {"hardware_type": "800I_A3"}, None, _sdid(1, 0, None),
     "super_device_id: is required on every device of an 800I_A3 ranktable"),
    ("a3-super-device-id-unique", rt.MINDIE_MOTOR, a3_doc, {}, _sdid(1, 0, "99"), _sdid(1, 0, "10485760"),
     "super_device_id is used twice in super pod 0"),
    ("a3-super-pod-list", rt.MINDIE_MOTOR, a3_doc, {"hardware_type": "800I_A3"}, None, _pods(None),
     "super_pod_list: is required in group 2 of an 800I_A3 ranktable"),
    ("a3-host-in-a-pod", rt.MINDIE_MOTOR, a3_doc, {}, None,
     _pods([{"super_pod_id": "0", "server_list": []}]), "host is in no super pod of super_pod_list"),
    ("a3-pod-member-known", rt.MINDIE_MOTOR, a3_doc, {},
     _pods([{"super_pod_id": "0", "server_list": [{"server_id": "127.0.0.1"}]}]),
     _pods([{"super_pod_id": "0", "server_list": [{"server_id": "127.0.0.1"}, {"server_id": "127.0.0.2"}]}]),
     "is not a server_id of group 2"),
    ("a2-forbids-super-pod", rt.MINDIE_MOTOR, mm_doc, {"hardware_type": "800I_A2"}, None,
     _pods([{"super_pod_id": "0", "server_list": []}]), "only 800I_A3 ranktables carry super_pod_list"),
]


@pytest.mark.parametrize("rule", RULES, ids=[r[0] for r in RULES])
def test_rule(rule):
    _id, fmt, base, kwargs, ok, bad, expected = rule
    good = base()
    if ok is not None:
        ok(good)
    assert rt.validate(good, fmt, **kwargs) == []
    broken = base()
    bad(broken)
    errors = rt.validate(broken, fmt, **kwargs)
    assert any(expected in e for e in errors), errors


def test_all_errors_are_reported_together():
    doc = ac_doc()
    _swap_ac(doc)
    dev(doc, 1, 0, 0)["device_ip"] = "bad"
    doc["status"] = "done"
    errors = rt.validate(doc, rt.ASCENDCLOUD)
    assert any("status:" in e for e in errors)
    assert any("groups are ordered" in e for e in errors)
    assert any('(got "bad")' in e for e in errors)


@pytest.mark.parametrize("doc", [[], "x", None, {"version": "1.0"}])
def test_not_a_table(doc):
    assert rt.validate(doc, rt.MINDIE_MOTOR)


# ---------------------------------------------------------------------------- local tables

def test_local_rules():
    good = sample("ascendcloud_local_decode.json")
    for mutate, expected in [
        (lambda d: d.__setitem__("group_id", "2"), 'group_id: must be "0" in a local ranktable'),
        (lambda d: d["server_list"].append(d["server_list"][0]), "must be a list of exactly one server"),
        (lambda d: d.__setitem__("server_count", "2"), 'server_count: must be "1"'),
        (lambda d: d["server_list"][0]["device"][1].__setitem__("rank_id", "3"), "rank_id values must be 0..1"),
    ]:
        doc = copy.deepcopy(good)
        mutate(doc)
        errors = rt.validate_local(doc)
        assert any(expected in e for e in errors), errors


def test_local_must_equal_its_global_instance():
    local = sample("ascendcloud_local_decode.json")
    local["server_list"][0]["device"][0]["device_ip"] = "29.0.0.57"
    errors = rt.validate_ascendcloud_files({"global_ranktable_localhost.json": ac_doc(),
                                           "local_ranktable_localhost_67.json": local})
    assert errors and "correspond one to one" in errors[0]


def test_host_table_must_name_the_scheduler():
    files = rt.build_ascendcloud("192.0.2.21", ["0,1"], ["2,3"], True, ips(1, range(4)))
    assert rt.validate_ascendcloud_files(files) == []
    files["local_ranktable_192.0.2.21_host.json"]["server_list"][0]["server_ip"] = "192.0.2.22"
    assert "must be the scheduler / API entry" in rt.validate_ascendcloud_files(files)[0]


# ---------------------------------------------------------------------------- gen

def test_gen_mindie_motor_shape():
    doc = rt.build_mindie_motor(mm_servers(), device_ips=mm_ips())
    assert [g["group_id"] for g in doc["server_group_list"]] == ["2", "1", "0"]
    s = grp(doc, 2)["server_list"][1]
    assert s == {"server_id": "192.0.2.12", "server_ip": "10.244.2.5", "device": [
        {"device_id": "0", "device_ip": "29.12.0.1", "rank_id": "0", "device_logical_id": "0"},
        {"device_id": "1", "device_ip": "29.12.0.2", "rank_id": "1", "device_logical_id": "1"}]}
    assert grp(doc, 0)["server_list"] == [{"server_id": "192.0.2.10", "server_ip": "10.244.0.2"}]
    assert doc["version"] == "1.0" and doc["status"] == "completed"


def test_gen_mindie_motor_single_pod_ranks_continue():
    recs = [{"server_id": "192.0.2.11", "container_ip": "10.244.1.5", "device_ids": [2 * i, 2 * i + 1],
             "predict_port": 20000 + 4 * i, "mgmt_port": 20001 + 4 * i} for i in range(4)]
    recs += mm_servers(0)
    doc = rt.build_mindie_motor(recs, device_ips={"192.0.2.11": ips(11, range(8))})
    ranks = [d["rank_id"] for s in grp(doc, 2)["server_list"] for d in s["device"]]
    assert ranks == [str(i) for i in range(8)]
    assert grp(doc, 2)["server_list"][3]["predict_port"] == "20012"
    assert rt.validate(doc, rt.MINDIE_MOTOR) == []


def test_gen_mindie_motor_a3_and_npu_facts_input():
    facts = {"devices": [{"id": i, "ip": "29.20.1.%d" % (11 + i), "super_device_id": str(100 + i)}
                         for i in range(16)]}
    recs = mm_servers(0) + [{"server_id": "192.0.2.31", "container_ip": "10.244.3.1", "device_ids": "0,1",
                             "super_pod_id": 1}]
    doc = rt.build_mindie_motor(recs, hardware_type="800I_A3", device_ips={"192.0.2.31": facts})
    assert grp(doc, 2)["super_pod_list"] == [{"super_pod_id": "1", "server_list": [{"server_id": "192.0.2.31"}]}]
    assert dev(doc, 2, 0, 1)["super_device_id"] == "101"
    assert rt.validate(doc, rt.MINDIE_MOTOR, hardware_type="800I_A3") == []


def test_gen_mindie_motor_heterogeneous_and_record_ips():
    recs = mm_servers(0) + [
        {"server_id": "192.0.2.11", "device_ids": [0], "device_ips": ["29.0.0.1"], "hardware_type": "800I A2(32G)"},
        {"server_id": "192.0.2.12", "device_ids": [0], "device_ips": {"0": "29.0.0.2"},
         "hardware_type": "800I A2(64G)"}]
    doc = rt.build_mindie_motor(recs)
    assert [s["hardware_type"] for s in grp(doc, 2)["server_list"]] == ["800I A2(32G)", "800I A2(64G)"]
    assert grp(doc, 2)["server_list"][0]["server_ip"] == "192.0.2.11"   # container_ip defaults to server_id


def test_gen_mindie_motor_reports_every_input_error_by_input_path():
    recs = mm_servers()
    recs[2]["device_ids"] = [0, 0]                      # device twice on the host
    recs[3]["server_id"] = "192.0.2.300"                # bad IP
    recs.append({"server_id": "192.0.2.13", "device_ids": [5, 6]})  # no IPs known
    recs.append({"server_id": "192.0.2.10", "group": "planner"})    # unknown group
    with pytest.raises(rt.RanktableError) as info:
        rt.build_mindie_motor(recs, device_ips=mm_ips())
    text = "\n".join(info.value.errors)
    assert "servers[2].device_ids[1]: device is used twice on host 192.0.2.11" in text
    assert 'servers[3].server_id: must be a well-formed IPv4 or IPv6 address (got "192.0.2.300")' in text
    assert "servers[4].device_ids[0]: device has no IP" in text
    assert 'servers[5].group: must be one of coordinator, controller, server or 0, 1, 2 (got "planner")' in text


def test_gen_mindie_motor_a3_needs_super_device_ids():
    with pytest.raises(rt.RanktableError) as info:
        rt.build_mindie_motor(mm_servers(), hardware_type="800I_A3", device_ips=mm_ips())
    assert any("800I_A3 needs a super_device_id" in e for e in info.value.errors)


def test_gen_mindie_motor_host_in_one_super_pod():
    recs = mm_servers(0) + [
        {"server_id": "192.0.2.11", "container_ip": "10.244.1.1", "device_ids": [0], "super_pod_id": 0,
         "super_device_ids": [7]},
        {"server_id": "192.0.2.11", "container_ip": "10.244.1.2", "device_ids": [1], "super_pod_id": 1,
         "super_device_ids": [8]}]
    with pytest.raises(rt.RanktableError) as info:
        rt.build_mindie_motor(recs, hardware_type="800I_A3", device_ips={"192.0.2.11": ips(11, [0, 1])})
    assert any("host 192.0.2.11 is already in super pod 0" in e for e in info.value.errors)


def test_gen_ascendcloud_files_as_the_document_names_them():
    files = rt.build_ascendcloud("192.0.2.18", ["4,5"], [[6, 7]], True,
                                 {"192.0.2.18": ips(18, range(8))})
    assert list(files) == ["global_ranktable_192.0.2.18.json", "local_ranktable_192.0.2.18_45.json",
                           "local_ranktable_192.0.2.18_67.json", "local_ranktable_192.0.2.18_host.json"]
    g = files["global_ranktable_192.0.2.18.json"]
    assert [x["group_id"] for x in g["server_group_list"]] == ["0", "1", "2"]
    assert files["local_ranktable_192.0.2.18_67.json"]["server_list"][0] == grp(g, 2)["server_list"][0]
    assert [d["rank_id"] for d in grp(g, 2)["server_list"][0]["device"]] == ["0", "1"]
    assert rt.validate(g, rt.ASCENDCLOUD) == []


def test_gen_ascendcloud_without_api_server_is_partial():
    files = rt.build_ascendcloud("192.0.2.19", ["0,1"], [], False, ips(19, range(2)))
    g = files["global_ranktable_192.0.2.19.json"]
    assert grp(g, 0)["server_list"] == [] and len(files) == 2
    assert rt.validate(g, rt.ASCENDCLOUD, partial=True) == []
    assert rt.validate(g, rt.ASCENDCLOUD)


def test_gen_ascendcloud_input_errors_all_at_once():
    with pytest.raises(rt.RanktableError) as info:
        rt.build_ascendcloud("192.0.2.300", ["0,1", "1,x"], ["2,3,4"], False, ips(1, range(4)))
    text = "\n".join(info.value.errors)
    assert 'host_ip: must be a well-formed IPv4 or IPv6 address or \'localhost\' (got "192.0.2.300")' in text
    assert 'prefill_instances[1][1]: must be a non-negative integer device id (got "x")' in text
    assert "decode_instances[0][2]: device has no IP" in text
    assert "prefill_instances[1][0]: device is used twice on host" in text
    assert "P and D instances use the same number of NPUs" in text


# ---------------------------------------------------------------------------- merge

def _host(ip, p, d, api=False, octet=1):
    files = rt.build_ascendcloud(ip, p, d, api, ips(octet, range(16)))
    return (rt.ascendcloud_global_name(ip), files[rt.ascendcloud_global_name(ip)])


def test_merge_ascendcloud_hosts():
    a = _host("192.0.2.21", ["0,1"], ["2,3"], True, 21)
    b = _host("192.0.2.22", ["0,1", "2,3"], ["4,5"], False, 22)
    merged = rt.merge([a, b], rt.ASCENDCLOUD)
    assert rt.validate(merged, rt.ASCENDCLOUD) == []
    order = [(i["role"], i["server_ip"], i["device_ids"]) for i in rt.instances(merged, rt.ASCENDCLOUD)[1:]]
    assert order == [("prefill", "192.0.2.21", ["0", "1"]), ("prefill", "192.0.2.22", ["0", "1"]),
                     ("prefill", "192.0.2.22", ["2", "3"]), ("decode", "192.0.2.21", ["2", "3"]),
                     ("decode", "192.0.2.22", ["4", "5"])]


def test_merge_exactly_one_scheduler():
    a = _host("192.0.2.21", ["0,1"], ["2,3"], True, 21)
    b = _host("192.0.2.22", ["0,1"], ["2,3"], True, 22)
    with pytest.raises(rt.RanktableError) as info:
        rt.merge([a, b], rt.ASCENDCLOUD)
    assert "exactly one scheduler / API entry is allowed across the merged tables (found 2)" in info.value.errors[0]
    assert "global_ranktable_192.0.2.22.json" in info.value.errors[0]
    c = _host("192.0.2.22", ["0,1"], ["2,3"], False, 22)
    d = _host("192.0.2.21", ["0,1"], ["2,3"], False, 21)
    with pytest.raises(rt.RanktableError) as info:
        rt.merge([c, d], rt.ASCENDCLOUD)
    assert "(found 0)" in info.value.errors[0]


def test_merge_host_once_and_same_status():
    a = _host("192.0.2.21", ["0,1"], ["2,3"], True, 21)
    b = _host("192.0.2.21", ["4,5"], ["6,7"], False, 21)
    b[1]["status"] = "initializing"
    with pytest.raises(rt.RanktableError) as info:
        rt.merge([a, ("again.json", b[1])], rt.ASCENDCLOUD)
    text = "\n".join(info.value.errors)
    assert "again.json.status: must equal status of global_ranktable_192.0.2.21.json" in text
    assert 'again.json: host already appears in global_ranktable_192.0.2.21.json' in text


def test_merge_reports_bad_inputs_by_name():
    a = _host("192.0.2.21", ["0,1"], ["2,3"], True, 21)
    broken = copy.deepcopy(a[1])
    dev(broken, 1, 0, 0)["device_ip"] = "nope"
    with pytest.raises(rt.RanktableError) as info:
        rt.merge([a, ("hostB.json", broken)], rt.ASCENDCLOUD)
    assert info.value.errors[0].startswith("hostB.json.server_group_list[1].server_list[0].device[0].device_ip")


def test_merge_mindie_motor_parts():
    head = rt.build_mindie_motor(mm_servers(0) + [{"server_id": "192.0.2.11", "device_ids": [0, 1]}],
                                 device_ips=mm_ips(1))
    tail = rt.build_mindie_motor([{"server_id": "192.0.2.12", "device_ids": [0, 1]}], device_ips=mm_ips(2),
                                 partial=True)
    merged = rt.merge([("head", head), ("tail", tail)], rt.MINDIE_MOTOR)
    assert rt.validate(merged, rt.MINDIE_MOTOR) == []
    assert [s["server_id"] for s in grp(merged, 2)["server_list"]] == ["192.0.2.11", "192.0.2.12"]
    with pytest.raises(rt.RanktableError) as info:
        rt.merge([("head", head), ("head2", copy.deepcopy(head))], rt.MINDIE_MOTOR)
    assert any("exactly one coordinator entry" in e for e in info.value.errors)


def test_merge_needs_inputs():
    with pytest.raises(rt.RanktableError):
        rt.merge([], rt.ASCENDCLOUD)


def test_dumps_loads_round_trip(tmp_path):
    doc = mm_doc()
    path = tmp_path / "g.json"
    path.write_text(rt.dumps(doc), encoding="utf-8")
    assert rt.load(str(path)) == doc
    assert rt.dumps(doc).endswith("}\n") and '\n    "server_group_list"' in rt.dumps(doc)
    with pytest.raises(rt.RanktableError) as info:
        rt.load(str(tmp_path / "missing.json"))
    assert "cannot be read" in info.value.errors[0]


def test_gen_a2_ignores_host_super_device_ids_but_refuses_record_ones():
    facts = {"devices": [{"id": i, "ip": "29.11.0.%d" % (i + 1), "super_device_id": str(i)} for i in range(2)]}
    doc = rt.build_mindie_motor(mm_servers(1), device_ips={"192.0.2.11": facts})
    assert "super_device_id" not in dev(doc, 2, 0, 0)
    recs = mm_servers(1)
    recs[2]["super_device_ids"] = [5, 6]
    with pytest.raises(rt.RanktableError) as info:
        rt.build_mindie_motor(recs, device_ips={"192.0.2.11": facts})
    assert "servers[2].super_device_ids: only 800I_A3 ranktables carry super_device_id" in info.value.errors[0]
