# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The Pod Security level the real templates' pods need (docs/safety.md's table): engines need
privileged for their hostPath volumes and nothing else; control pods need baseline, and
restricted when a non-root user is set."""
from __future__ import annotations

import pytest

from pymotor_render import render, sandbox_inventory

from ansible_collections.pdserve.cluster.plugins.module_utils._kube.pod_security import required_level

HOSTPATHS = ["hostPath volume weights (/mnt/weight)", "hostPath volume hccn-conf (/etc/hccn.conf)",
             "hostPath volume hccn-tool (/usr/local/Ascend/driver/tools/hccn_tool)"]


@pytest.mark.parametrize("mode", ["infer_service_set", "multi_deployment"])
def test_engines_need_privileged_only_for_their_host_paths_control_pods_baseline(mode):
    user, env = sandbox_inventory()
    user["motor_deploy_config"]["deploy_mode"] = mode
    level, pods = required_level(render(user, env).objects)
    assert level == "privileged"
    engines = {k: v for k, v in pods.items() if "union" in k}
    control = {k: v for k, v in pods.items() if "union" not in k}
    assert engines and all(v == ("privileged", HOSTPATHS) for v in engines.values())
    assert control and all(v[0] == "baseline" and all("runAsNonRoot" in p for p in v[1]) for v in control.values())


def test_control_pods_are_restricted_with_a_non_root_user():
    user, env = sandbox_inventory()
    user["motor_deploy_config"]["deploy_mode"] = "multi_deployment"
    _level, pods = required_level(render(user, env, settings={"run_as_user": 1001}).objects)
    assert sorted(pods) == ["Deployment mindie-motor/union-0"]


def test_control_run_as_user_makes_only_the_control_pods_restricted():
    user, env = sandbox_inventory()
    r = render(user, env, settings={"control_run_as_user": 1001})
    level, pods = required_level(r.objects)
    assert level == "privileged"
    assert [k for k in pods] == ["InferServiceSet mindie-motor/vllm role union"]
    for component, _index, tmpl in r.pods():
        sc = tmpl["spec"]["securityContext"]
        if component == "union":
            assert "runAsUser" not in sc  # the image's user
        else:
            assert sc["runAsUser"] == 1001 and sc["runAsNonRoot"] is True and sc["runAsGroup"] == 1001
