# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Property tests: generation and merge round-trips of module_utils/_ranktable."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.pdserve.cluster.plugins.module_utils import _ranktable as rt

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def host_layouts(draw, max_hosts=4, npus=8):
    """Hosts with disjoint device groups of one size k: [(host_ip, [(role, [ids])...])]."""
    k = draw(st.sampled_from([1, 2, 4]))
    n_hosts = draw(st.integers(1, max_hosts))
    hosts = []
    for h in range(n_hosts):
        order = draw(st.permutations(list(range(npus))))
        m = draw(st.integers(1, npus // k))
        groups = [sorted(order[i * k:(i + 1) * k]) for i in range(m)]
        roles = draw(st.lists(st.sampled_from(["prefill", "decode"]), min_size=m, max_size=m))
        hosts.append(("192.0.2.%d" % (10 + h), list(zip(roles, groups))))
    return k, hosts


def device_ips(h, npus=16):
    return {str(d): "29.%d.0.%d" % (h, d + 1) for d in range(npus)}


@st.composite
def mindie_clusters(draw):
    k, hosts = draw(host_layouts())
    a3 = draw(st.booleans())
    records = [{"server_id": hosts[0][0], "container_ip": "10.244.0.2", "group": "coordinator"},
               {"server_id": hosts[0][0], "container_ip": "10.244.0.3", "group": "controller"}]
    ips = {}
    pod = 0
    for h, (host, groups) in enumerate(hosts):
        ips[host] = {str(d): {"ip": "29.%d.0.%d" % (h, d + 1), "super_device_id": str(h * 100 + d)}
                     for d in range(8)}
        for _role, ids in groups:
            pod += 1
            rec = {"server_id": host, "container_ip": "10.245.%d.%d" % (pod // 200, pod % 200 + 1), "device_ids": ids}
            if a3:
                rec["super_pod_id"] = h % 2
            records.append(rec)
    return ("800I_A3" if a3 else "800I_A2"), records, ips


@given(mindie_clusters())
@SETTINGS
def test_mindie_motor_gen_is_valid_and_round_trips(cluster):
    hardware_type, records, ips = cluster
    doc = rt.build_mindie_motor(records, hardware_type=hardware_type, device_ips=ips)
    assert rt.validate(doc, rt.MINDIE_MOTOR, hardware_type=hardware_type) == []
    assert json.loads(rt.dumps(doc)) == doc
    servers = [i for i in rt.instances(doc, rt.MINDIE_MOTOR) if i["role"] == "server"]
    expected = [r for r in records if "device_ids" in r]
    assert [(s["server_id"], s["server_ip"], s["device_ids"]) for s in servers] == \
        [(r["server_id"], r["container_ip"], [str(d) for d in r["device_ids"]]) for r in expected]
    for s in servers:
        assert s["device_ips"] == [ips[s["server_id"]][d]["ip"] for d in s["device_ids"]]


@given(mindie_clusters(), st.data())
@SETTINGS
def test_mindie_motor_merge_of_split_equals_whole(cluster, data):
    hardware_type, records, ips = cluster
    whole = rt.build_mindie_motor(records, hardware_type=hardware_type, device_ips=ips)
    servers = [r for r in records if "device_ids" in r]
    cut = data.draw(st.integers(0, len(servers)))
    head = rt.build_mindie_motor(records[:2] + servers[:cut], hardware_type=hardware_type, device_ips=ips,
                                 partial=True)
    parts = [("head", head)]
    if servers[cut:]:
        parts.append(("tail", rt.build_mindie_motor(servers[cut:], hardware_type=hardware_type, device_ips=ips,
                                                    partial=True)))
    if any(p["server_id"] in {s["server_id"] for s in servers[:cut]} for p in servers[cut:]):
        return  # a host split across inputs is refused by design (tested separately)
    merged = rt.merge(parts, rt.MINDIE_MOTOR, hardware_type=hardware_type)
    # rank_id restarts per pod, so the split tables carry the same ranks as the whole one.
    assert rt.instances(merged, rt.MINDIE_MOTOR) == rt.instances(whole, rt.MINDIE_MOTOR)
    assert merged["server_group_list"][0]["server_list"] == whole["server_group_list"][0]["server_list"]


def _ascendcloud_hosts(layout, api_host):
    _k, hosts = layout
    out = []
    for h, (host, groups) in enumerate(hosts):
        p = [ids for role, ids in groups if role == "prefill"]
        d = [ids for role, ids in groups if role == "decode"]
        files = rt.build_ascendcloud(host, p, d, h == api_host, {host: device_ips(h)})
        out.append((host, p, d, files))
    return out


@given(host_layouts(), st.data())
@SETTINGS
def test_ascendcloud_gen_locals_match_global(layout, data):
    api_host = data.draw(st.integers(0, len(layout[1]) - 1))
    for host, p, d, files in _ascendcloud_hosts(layout, api_host):
        assert rt.validate_ascendcloud_files(files, partial=True) == []
        assert len(files) == 1 + len(p) + len(d) + (1 if host == layout[1][api_host][0] else 0)


def _key(instance):
    return instance["role"], instance["server_ip"], instance.get("device_ids", [])


@given(host_layouts(), st.data())
@SETTINGS
def test_ascendcloud_merge_round_trip(layout, data):
    api_host = data.draw(st.integers(0, len(layout[1]) - 1))
    hosts = _ascendcloud_hosts(layout, api_host)
    named = [(rt.ascendcloud_global_name(h), files[rt.ascendcloud_global_name(h)]) for h, _p, _d, files in hosts]
    has_p = any(p for _h, p, _d, _f in hosts)
    has_d = any(d for _h, _p, d, _f in hosts)
    if not (has_p and has_d):
        try:
            rt.merge(named, rt.ASCENDCLOUD)
        except rt.RanktableError as exc:
            assert any("at least one" in e for e in exc.errors)
            return
        raise AssertionError("a merge without prefill or decode instances must fail")
    merged = rt.merge(named, rt.ASCENDCLOUD)
    assert rt.validate(merged, rt.ASCENDCLOUD) == []
    insts = rt.instances(merged, rt.ASCENDCLOUD)
    assert [i["server_ip"] for i in insts if i["role"] == "scheduler"] == [hosts[api_host][0]]
    # Splitting the merged table by host gives back each host's instances, in order.
    for host, p, d, _files in hosts:
        got_p = [[int(x) for x in i["device_ids"]] for i in insts if i["role"] == "prefill" and i["server_ip"] == host]
        got_d = [[int(x) for x in i["device_ids"]] for i in insts if i["role"] == "decode" and i["server_ip"] == host]
        assert (got_p, got_d) == (p, d)
    # A complete table merges into itself; host order only reorders the instances.
    assert rt.merge([("merged", merged)], rt.ASCENDCLOUD) == merged
    flipped = rt.merge(list(reversed(named)), rt.ASCENDCLOUD)
    assert sorted(map(_key, rt.instances(flipped, rt.ASCENDCLOUD))) == sorted(map(_key, insts))


@given(host_layouts(max_hosts=2), st.data())
@SETTINGS
def test_a_device_used_twice_is_always_caught(layout, data):
    k, hosts = layout
    host, groups = hosts[0]
    assume_pairs = [ids for _r, ids in groups]
    if len(assume_pairs) < 2:
        return
    a, b = data.draw(st.sampled_from([(i, j) for i in range(len(assume_pairs)) for j in range(len(assume_pairs))
                                      if i != j]))
    clash = list(assume_pairs[b])
    clash[0] = assume_pairs[a][data.draw(st.integers(0, k - 1))]
    if len(set(clash)) != len(clash):
        return
    p = [clash if i == b else ids for i, ids in enumerate(assume_pairs)]
    try:
        rt.build_ascendcloud(host, p, [], True, {host: device_ips(0)})
    except rt.RanktableError as exc:
        assert any("device is used twice on host %s" % host in e for e in exc.errors)
    else:
        raise AssertionError("duplicate device not caught")
