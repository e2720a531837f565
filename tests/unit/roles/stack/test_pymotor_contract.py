# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The MindIE-PyMotor pods we render, checked against the configuration we were given.

Every expectation here comes from the test's input (user_config.json / env.json / settings)
and from facts of the programs (what MindIE-PyMotor's runtime reads, what upstream's deployer
renders), written out as literals - never from values the code under test derived.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess

import pytest

from pymotor_render import fixture, render, sandbox_inventory

# Facts of the runtime / upstream deployer (see docs/pymotor_contract.md for the source lines).
ROLE_OF = {"controller": "controller", "coordinator": "coordinator", "union": "union", "prefill": "prefill",
           "decode": "decode", "kv_pool": "kv_pool", "kv_conductor": "kv_conductor",
           "single_container": "SINGLE_CONTAINER"}
ENTRY = {  # what boot.sh must finally exec per ROLE
    "controller": 'python3 -m motor.controller.main --config "$USER_CONFIG_PATH"',
    "coordinator": "python3 -m motor.coordinator.main",
    "union": "python3 -m motor.node_manager.main",
    "prefill": "python3 -m motor.node_manager.main",
    "decode": "python3 -m motor.node_manager.main",
    "kv_pool": "mooncake_master",
    "kv_conductor": "mooncake_conductor",
}
MOTOR_ENV = ("POD_IP", "HOST_IP", "CONFIG_PATH", "USER_CONFIG_PATH", "ROLE", "CONTROLLER_SERVICE",
             "COORDINATOR_SERVICE", "COORDINATOR_INFER_SERVICE", "COORDINATOR_OBS_SERVICE")
DEFAULT_PORTS = {"controller_api_port": 1026, "observability_api_port": 1027, "coordinator_api_infer_port": 1025,
                 "coordinator_api_mgmt_port": 1026, "coordinator_obs_port": 1027, "node_manager_port": 1026}
ENGINES = ("union", "prefill", "decode")
NPU_KEYS = {"union": ("hybrid_instances_num", "hybrid_pod_npu_num"),
            "prefill": ("p_instances_num", "p_pod_npu_num"), "decode": ("d_instances_num", "d_pod_npu_num")}


# ---------------------------------------------------------------------------------------
# Configurations
# ---------------------------------------------------------------------------------------

def hybrid_iss():
    return sandbox_inventory()


def hybrid_multi_custom_ports():
    user, env = sandbox_inventory()
    user["motor_deploy_config"].update(deploy_mode="multi_deployment", hybrid_instances_num=2)
    user["motor_controller_config"] = {"api_config": {"controller_api_port": 2026, "observability_api_port": 2027}}
    user["motor_coordinator_config"] = {"api_config": {"coordinator_api_infer_port": 2025,
                                                       "coordinator_api_mgmt_port": 2036,
                                                       "coordinator_obs_port": 2037}}
    user["motor_engine_union_config"]["motor_nodemanger_config"] = {"api_config": {"node_manager_port": 3026}}
    env["motor_engine_union_env"]["OMP_PROC_BIND"] = False  # a boolean, as upstream examples write it
    return user, env


def pd_iss_a2():
    return fixture("pd_separate_a2.user_config.json"), fixture("pd_separate_a2.env.json")


def pd_multi_kv():
    user, env = pd_iss_a2()
    user["motor_deploy_config"]["deploy_mode"] = "multi_deployment"
    user["motor_coordinator_config"]["scheduler_config"]["deploy_mode"] = "pd_dual_dispatch"
    user["kv_cache_pool_config"] = {"eviction_high_watermark_ratio": 0.9, "eviction_ratio": 0.1}
    user["kv_conductor_config"] = {"http_server_port": 13333}
    user["motor_engine_prefill_config"]["engine_config"]["disaggregation_bootstrap_port"] = 8998
    return user, env


def pd_single_container():
    user, env = pd_iss_a2()
    deploy = user["motor_deploy_config"]
    deploy.update(deploy_mode="single_container", p_instances_num=1, p_pod_npu_num=2, d_pod_npu_num=2)
    for role in ("prefill", "decode"):
        user["motor_engine_%s_config" % role]["engine_config"]["tensor_parallel_size"] = 2
    del user["motor_coordinator_config"]["scheduler_config"]["deploy_mode"]
    user["motor_controller_config"]["api_config"]["controller_api_port"] = 2026
    return user, env


def pd_a5():
    user, env = pd_iss_a2()
    user["motor_deploy_config"].update(hardware_type="950-SuperPod-Atlas-8", p_pod_npu_num=8)
    user["motor_engine_prefill_config"]["engine_config"]["tensor_parallel_size"] = 8
    user["motor_coordinator_config"]["scheduler_config"]["deploy_mode"] = "cpcd_separate"
    return user, env


CONFIGS = {
    "hybrid_iss": hybrid_iss,
    "hybrid_multi_custom_ports": hybrid_multi_custom_ports,
    "pd_iss_a2": pd_iss_a2,
    "pd_multi_kv": pd_multi_kv,
    "pd_single_container": pd_single_container,
    "pd_a5": pd_a5,
}


@pytest.fixture(params=sorted(CONFIGS), scope="module")
def case(request):
    user, env = CONFIGS[request.param]()
    return request.param, copy.deepcopy(user), render(user, env)


# ---------------------------------------------------------------------------------------
# Helpers reading the input and the rendered objects
# ---------------------------------------------------------------------------------------

def port_in(user, section, key):
    return ((user.get(section) or {}).get("api_config") or {}).get(key, DEFAULT_PORTS[key])


def nm_port(user, role):
    sec = user["motor_engine_%s_config" % role].get("motor_nodemanger_config") or {}
    return (sec.get("api_config") or {}).get("node_manager_port", DEFAULT_PORTS["node_manager_port"])


def env_of(container):
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def container_of(tmpl):
    (container,) = tmpl["spec"]["containers"]
    return container


def boot_branch(boot, role):
    """The commands boot.sh runs for one ROLE (its case branch)."""
    match = re.search(r"^\s+%s\)\n(.*?);;" % re.escape(role), boot, re.M | re.S)
    assert match, "boot.sh has no branch for ROLE=%s" % role
    return match.group(1)


def mode_of(user):
    return user["motor_deploy_config"].get("deploy_mode", "infer_service_set")


# ---------------------------------------------------------------------------------------
# Entry points and ROLE
# ---------------------------------------------------------------------------------------

def test_every_pod_runs_boot_sh_from_the_mounted_configmap(case):
    _name, _user, r = case
    cm = r.configmap()
    for component, _index, tmpl in r.pods():
        container = container_of(tmpl)
        env = env_of(container)
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in tmpl["spec"]["volumes"]}
        cm_mounts = [m for name, m in mounts.items()
                     if (volumes[name].get("configMap") or {}).get("name") == cm["metadata"]["name"]]
        assert len(cm_mounts) == 1 and cm_mounts[0]["readOnly"] is True
        assert container["command"] == ["/bin/bash", cm_mounts[0]["mountPath"] + "/boot.sh"]
        assert env["CONFIGMAP_PATH"] == cm_mounts[0]["mountPath"]
        assert env["ROLE"] == ROLE_OF[component]


def test_boot_sh_starts_the_real_entry_point_per_role(case):
    _name, _user, r = case
    boot = r.configmap()["data"]["boot.sh"]
    for component, _index, tmpl in r.pods():
        role = env_of(container_of(tmpl))["ROLE"]
        if role == "SINGLE_CONTAINER":
            branch = boot_branch(boot, role)
            for c in ("controller", "coordinator", "prefill"):
                assert ENTRY[c] in branch
            continue
        branch = boot_branch(boot, role)
        assert "exec " + ENTRY[component] in branch
        assert "motor.engine_server.main" not in boot  # no such module in MindIE-PyMotor


def test_user_config_reaches_the_path_the_runtime_reads(case):
    _name, user, r = case
    cm = r.configmap()
    boot = cm["data"]["boot.sh"]
    for _component, _index, tmpl in r.pods():
        env = env_of(container_of(tmpl))
        if env["ROLE"] in ("kv_pool", "kv_conductor"):
            continue
        # USER_CONFIG_PATH lies in the writable CONFIG_PATH; boot.sh copies the ConfigMap's file there
        assert env["USER_CONFIG_PATH"].startswith(env["CONFIG_PATH"] + "/")
        assert 'cp -f "$CONFIGMAP_PATH/user_config.json"' in boot
        mounts = [m["mountPath"] for m in container_of(tmpl)["volumeMounts"]]
        assert env["CONFIG_PATH"] in mounts  # writable (emptyDir), also for a non-root user
    rendered = json.loads(cm["data"]["user_config.json"])
    assert rendered["motor_deploy_config"]["job_id"] == user["motor_deploy_config"]["job_id"]


# ---------------------------------------------------------------------------------------
# Environment -> Services -> pods
# ---------------------------------------------------------------------------------------

def test_motor_pods_get_the_environment_the_runtime_reads(case):
    _name, _user, r = case
    for component, index, tmpl in r.pods():
        env = env_of(container_of(tmpl))
        if component in ("kv_pool", "kv_conductor"):
            continue
        missing = [k for k in MOTOR_ENV if k not in env]
        assert not missing, (component, missing)
        assert env["POD_IP"] == {"fieldRef": {"fieldPath": "status.podIP"}}
        assert env["HOST_IP"] == {"fieldRef": {"fieldPath": "status.hostIP"}}
        if component in ("controller", "coordinator"):
            assert env["POD_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
        if component in ENGINES and index is None:
            assert env["JOB_NAME"]  # InferServiceSet: boot.sh appends the operator's indexes
        assert env.get("JOB_NAME"), component


def test_service_variables_name_services_that_serve_the_configured_ports(case):
    name, user, r = case
    services = r.services()
    ns = user["motor_deploy_config"]["job_id"]
    pods = r.pods()
    wanted = {
        "CONTROLLER_SERVICE": ("controller", port_in(user, "motor_controller_config", "controller_api_port")),
        "COORDINATOR_SERVICE": ("coordinator", port_in(user, "motor_coordinator_config", "coordinator_api_mgmt_port")),
        "COORDINATOR_INFER_SERVICE": ("coordinator",
                                      port_in(user, "motor_coordinator_config", "coordinator_api_infer_port")),
        "COORDINATOR_OBS_SERVICE": ("coordinator", port_in(user, "motor_coordinator_config", "coordinator_obs_port")),
    }
    for component, _index, tmpl in pods:
        env = env_of(container_of(tmpl))
        if component in ("kv_pool", "kv_conductor"):
            continue
        for var, (target, port) in wanted.items():
            value = env[var]
            if mode_of(user) == "single_container":
                assert value == "$(POD_IP)"  # everything runs in this pod
                continue
            suffix = ".%s.svc.cluster.local" % ns
            assert value.endswith(suffix), (var, value)
            svc = services.get(value[:-len(suffix)])
            assert svc, "%s=%s names no rendered Service (have %s)" % (var, value, sorted(services))
            assert port in [p["port"] for p in svc["spec"]["ports"]], (var, port, svc["spec"]["ports"])
            targets = [p["targetPort"] for p in svc["spec"]["ports"] if p["port"] == port]
            # the Service selects the target component's pods, which listen on that port
            selected = [c for c, _i, t in pods
                        if set(svc["spec"]["selector"].items()) <= set(t["metadata"]["labels"].items())]
            assert selected and set(selected) == {target}, (var, selected)
            for c, _i, t in pods:
                if c == target:
                    assert targets[0] in [p["containerPort"] for p in container_of(t)["ports"]]


def test_every_service_has_a_selector_matching_pods(case):
    _name, _user, r = case
    labels = [t["metadata"]["labels"] for _c, _i, t in r.pods()]
    for name, svc in r.services().items():
        selector = svc["spec"].get("selector")
        assert selector, name  # MindCluster's operator adds none (component/infer-operator)
        assert any(set(selector.items()) <= set(l.items()) for l in labels), name


def test_inference_node_port_as_upstream(case):
    _name, user, r = case
    infer = port_in(user, "motor_coordinator_config", "coordinator_api_infer_port")
    node_ports = {p.get("nodePort"): p["port"] for s in r.services().values() for p in s["spec"]["ports"]}
    assert node_ports.get(31015) == infer


# ---------------------------------------------------------------------------------------
# Probes
# ---------------------------------------------------------------------------------------

def test_probes_only_on_endpoints_the_component_serves(case):
    _name, user, r = case
    for component, _index, tmpl in r.pods():
        container = container_of(tmpl)
        probes = {k: v for k, v in container.items() if k.endswith("Probe")}
        served = [p["containerPort"] for p in container["ports"]]
        for kind, probe in probes.items():
            assert "httpGet" not in probe  # TLS or not, the scripts / TCP checks decide
            if component in ENGINES:
                # the engine port serves no /startup etc.: a TCP check of the node manager's port
                assert set(probe) >= {"tcpSocket"} and probe["tcpSocket"]["port"] == nm_port(user, component)
                assert nm_port(user, component) in served
            elif component == "controller":
                port = port_in(user, "motor_controller_config", "controller_api_port")
                assert probe["exec"]["command"][-1] == str(port) and port in served
                assert probe["exec"]["command"][-2] == kind.replace("Probe", "")
            elif component == "coordinator":
                port = port_in(user, "motor_coordinator_config", "coordinator_api_mgmt_port")
                assert probe["exec"]["command"][-1] == str(port) and port in served
            elif component == "single_container":
                ports = probe["exec"]["command"][-2:]
                assert ports == [str(port_in(user, "motor_coordinator_config", "coordinator_api_mgmt_port")),
                                 str(port_in(user, "motor_controller_config", "controller_api_port"))]
        if component in ("controller", "coordinator", "single_container"):
            assert set(probes) == {"startupProbe", "readinessProbe", "livenessProbe"}


def test_probe_script_uses_https_with_the_ca_when_management_tls_is_on(case):
    _name, _user, r = case
    probe = r.configmap()["data"]["probe.py"]
    assert '"enable_tls") is True' in probe and "load_cert_chain" in probe and "cafile" in probe


# ---------------------------------------------------------------------------------------
# TLS keys as motor/config/tls_config.py reads them
# ---------------------------------------------------------------------------------------

def test_tls_sections_use_the_runtime_keys(case):
    _name, _user, r = case
    text = r.configmap()["data"]["user_config.json"]
    tls = json.loads(text)["motor_deploy_config"]["tls_config"]
    for section in ("infer_tls_config", "mgmt_tls_config"):
        assert tls[section]["enable_tls"] is True
        assert tls[section]["cert_file"].startswith("/mnt/pdserve-tls/")
    assert "tls_enable" not in text and "tls_crl" not in text


# ---------------------------------------------------------------------------------------
# Resources, security, service accounts, RBAC
# ---------------------------------------------------------------------------------------

def test_every_container_has_cpu_and_memory_requests_and_limits(case):
    _name, user, r = case
    hardware = user["motor_deploy_config"]["hardware_type"]
    npu = "huawei.com/npu" if hardware[0].isdigit() and not hardware.startswith("800I") else "huawei.com/Ascend910"
    deploy = user["motor_deploy_config"]
    for component, _index, tmpl in r.pods():
        res = container_of(tmpl)["resources"]
        for part in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(res[part]), (component, res)
        if component in ENGINES:
            want = str(deploy[NPU_KEYS[component][1]])
            assert res["requests"][npu] == res["limits"][npu] == want
            assert res["requests"]["cpu"] == "16" and res["requests"]["memory"] == "64Gi"  # upstream engine
        elif component == "single_container":
            # every P and D instance's NPUs: the runtime gives instance i its own device offset
            want = sum(deploy[NPU_KEYS[r_][0]] * deploy[NPU_KEYS[r_][1]] for r_ in ("prefill", "decode"))
            assert res["requests"][npu] == str(want)
        else:
            assert not [k for k in res["requests"] if k.startswith("huawei.com/")]


def test_security_context_everywhere(case):
    _name, _user, r = case
    for component, _index, tmpl in r.pods():
        spec = tmpl["spec"]
        assert spec["securityContext"]["fsGroup"] == 1001
        sc = container_of(tmpl)["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert sc.get("privileged") is not True


def test_service_account_token_only_for_the_controller(case):
    _name, _user, r = case
    for component, _index, tmpl in r.pods():
        spec = tmpl["spec"]
        uses_api = component in ("controller", "single_container")
        assert spec["automountServiceAccountToken"] is uses_api, component
        if uses_api:
            assert container_of(tmpl).get("stdin") is True  # the controller spins on a closed stdin


def test_rbac_is_read_only_and_for_the_controller_only(case):
    _name, user, r = case
    ns = user["motor_deploy_config"]["job_id"]
    sas = {s["metadata"]["name"]: s for s in r.of_kind("ServiceAccount")}
    token_sas = {n for n, s in sas.items() if s.get("automountServiceAccountToken") is not False}
    controller_sa = {t["spec"]["serviceAccountName"] for c, _i, t in r.pods()
                     if c in ("controller", "single_container")}
    assert token_sas == controller_sa
    grants = []
    for kind in ("ClusterRole", "Role"):
        for role in r.of_kind(kind):
            for rule in role["rules"]:
                assert set(rule["verbs"]) <= {"get", "list", "watch"}, rule
                for res in rule["resources"]:
                    grants.append((role["metadata"].get("namespace", ""), res))
    assert sorted(grants) == sorted([("", "pods"), ("", "nodes"), ("kube-system", "configmaps")])
    bindings = r.of_kind("ClusterRoleBinding") + r.of_kind("RoleBinding")
    assert len(bindings) == 2
    for binding in bindings:
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": sorted(controller_sa)[0], "namespace": ns}]


def test_nothing_can_write_the_configmap_every_pod_executes(case):
    _name, _user, r = case
    for kind in ("ClusterRole", "Role"):
        for role in r.of_kind(kind):
            for rule in role["rules"]:
                if "configmaps" in rule["resources"]:
                    assert not set(rule["verbs"]) & {"create", "update", "patch", "delete", "*"}
                    assert role["metadata"].get("namespace") == "kube-system"


# ---------------------------------------------------------------------------------------
# Scheduling and hardware
# ---------------------------------------------------------------------------------------

def test_engine_scheduling_follows_the_hardware_type(case):
    _name, user, r = case
    hardware = user["motor_deploy_config"]["hardware_type"]
    for component, _index, tmpl in r.pods():
        if component not in ENGINES + ("single_container",):
            continue
        sel = tmpl["spec"]["nodeSelector"]
        labels = tmpl["metadata"]["labels"]
        annotations = tmpl["metadata"].get("annotations") or {}
        if hardware == "800I_A2":
            assert sel == {"accelerator": "huawei-Ascend910", "accelerator-type": "module-910b-8"}
        elif hardware == "800I_A3":
            assert sel == {"accelerator": "huawei-Ascend910", "accelerator-type": "module-a3-16"}
        else:  # A5 families (upstream lib/constant.py)
            assert sel == {"accelerator": "huawei-npu", "accelerator-type": hardware}
            assert annotations["huawei.com/schedule_policy"] == "chip8-node8-ra64-sp"
            assert "ring-controller.atlas" not in labels
        if not hardware.startswith("800I") or hardware == "800I_A3":
            if mode_of(user) == "infer_service_set":
                assert annotations["sp-block"] == str(user["motor_deploy_config"][NPU_KEYS[component][1]])
        else:
            assert "sp-block" not in annotations


def test_roles_rendered_are_the_configured_ones(case):
    name, user, r = case
    deploy = user["motor_deploy_config"]
    comps = sorted({c for c, _i, _t in r.pods()})
    if mode_of(user) == "single_container":
        assert comps == ["single_container"]
        return
    engines = ["union"] if "hybrid_instances_num" in deploy else ["decode", "prefill"]
    extra = []
    if user.get("kv_cache_pool_config"):
        extra.append("kv_pool")
    if (user.get("kv_conductor_config") or {}).get("http_server_port"):
        extra.append("kv_conductor")
    assert comps == sorted(["controller", "coordinator"] + engines + extra)
    for iss in r.of_kind("InferServiceSet"):
        roles = {ro["name"]: ro for ro in iss["spec"]["template"]["roles"]}
        for e in engines:
            assert roles[e]["replicas"] == deploy[NPU_KEYS[e][0]]
            assert roles[e]["workload"]["kind"] == "StatefulSet"
        assert all(ro["replicas"] > 0 for ro in roles.values())  # no zero-replica leftovers


def test_kv_components_when_configured():
    user, env = pd_multi_kv()
    r = render(user, env)
    pods = {c: t for c, _i, t in r.pods()}
    pool_env = env_of(container_of(pods["kv_pool"]))
    assert pool_env["KV_POOL_PORT"] == "50088"  # upstream's default master port
    assert pool_env["KV_POOL_EVICTION_HIGH_WATERMARK_RATIO"] == "0.9"
    assert pool_env["KV_POOL_EVICTION_RATIO"] == "0.1"
    services = r.services()
    for component in ("prefill", "decode"):
        kvp = env_of(container_of(pods[component]))["KVP_MASTER_SERVICE"]
        assert kvp.split(".")[0] in services and 50088 in [p["port"] for p in services[kvp.split(".")[0]]["spec"]["ports"]]
    coord = env_of(container_of(pods["coordinator"]))
    assert coord["KV_CONDUCTOR_SERVICE"].split(".")[0] in services
    assert coord["DISAGGREGATION_BOOTSTRAP_PORT"] == "8998"
    assert json.loads(r.configmap()["data"]["user_config.json"])["motor_coordinator_config"][
        "scheduler_config"]["deploy_mode"] == "pd_dual_dispatch"


def test_env_json_reaches_boot_sh_as_upstream_exports_it():
    user, env = hybrid_multi_custom_ports()
    boot = render(user, env).configmap()["data"]["boot.sh"]
    union = re.search(r"set_union_env\(\) \{\n(.*?)\n\s*:\n\s*\}", boot, re.S).group(1)
    assert "export OMP_PROC_BIND=False" in union  # Python's str(False), as deploy.py writes it
    assert "export HCCL_BUFFSIZE=200" in union
    assert "export CANN_INSTALL_PATH=/usr/local/Ascend" in union  # motor_common_env merged in


def test_multi_deployment_engine_instances_get_their_own_job_name():
    user, env = hybrid_multi_custom_ports()
    r = render(user, env)
    names = [env_of(container_of(t))["JOB_NAME"] for c, i, t in r.pods() if c == "union"]
    assert len(names) == user["motor_deploy_config"]["hybrid_instances_num"] == len(set(names))
    # the same configuration renders the same names (server-side apply stays idempotent)
    again = [env_of(container_of(t))["JOB_NAME"] for c, i, t in render(*hybrid_multi_custom_ports()).pods()
             if c == "union"]
    assert again == names


def test_scaling_keeps_the_pod_templates():
    user, env = hybrid_multi_custom_ports()
    first = {(c, i): t for c, i, t in render(user, env).pods()}
    user["motor_deploy_config"]["hybrid_instances_num"] = 3
    second = {(c, i): t for c, i, t in render(user, env).pods()}
    for key, tmpl in first.items():
        assert second[key] == tmpl  # no rollout of running instances on a scale


def test_inventory_can_steer_image_and_scheduling():
    user, env = pd_iss_a2()
    toleration = {"key": "pdserve.io/real-node", "operator": "Exists", "effect": "NoSchedule"}
    r = render(user, env, settings={
        "image": "pdserve/motor-runtime:test", "image_pull_policy": "Never",
        "tolerations": {"engine": [toleration], "control": [toleration]},
        "node_selector": {"engine": {"pdserve.io/real-node": "true"}, "control": {}},
        "resources": {"engine": {"requests": {"cpu": "100m", "memory": "256Mi"}}},
        "run_as_user": 1000})
    for component, _index, tmpl in r.pods():
        container = container_of(tmpl)
        assert container["image"] == "pdserve/motor-runtime:test"
        assert container["imagePullPolicy"] == "Never"
        assert toleration in tmpl["spec"]["tolerations"]
        assert tmpl["spec"]["securityContext"]["runAsNonRoot"] is True
        if component in ENGINES:
            assert tmpl["spec"]["nodeSelector"]["pdserve.io/real-node"] == "true"
            assert container["resources"]["requests"]["cpu"] == "100m"
            assert container["resources"]["limits"]["cpu"] == "64"  # not overridden: upstream's


def test_scripts_parse(case, tmp_path):
    _name, _user, r = case
    data = r.configmap()["data"]
    (tmp_path / "boot.sh").write_text(data["boot.sh"])
    proc = subprocess.run(["bash", "-n", str(tmp_path / "boot.sh")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    compile(data["probe.py"], "probe.py", "exec")
    if shutil.which("shellcheck"):
        proc = subprocess.run(["shellcheck", "-S", "warning", str(tmp_path / "boot.sh")], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout


# ---------------------------------------------------------------------------------------
# Certificates name the Services clients use; files in CONFIG_PATH pass motor's safe_open
# ---------------------------------------------------------------------------------------

def test_certificates_name_every_service_the_components_are_reached_by(case):
    # motor's HTTPS clients check the host name: the controller's and coordinator's pod
    # certificates must carry each *_SERVICE value that points at them (seen failing with 3.0.0b2)
    from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor import services
    name, user, r = case
    config = {"user_config": r.result.user_config, "env_config": r.result.env_config or {}, "derived": r.result.derived}
    names = services.cert_dns_names(config)
    if mode_of(user) == "single_container":
        assert names == {}  # the components reach each other on the pod IP
        return
    target = {"CONTROLLER_SERVICE": "controller", "COORDINATOR_SERVICE": "coordinator",
              "COORDINATOR_INFER_SERVICE": "coordinator", "COORDINATOR_OBS_SERVICE": "coordinator"}
    seen = set()
    for _component, _index, tmpl in r.pods():
        env = env_of(container_of(tmpl))
        for var, component in target.items():
            if var in env:
                assert env[var] in names[component], (var, env[var], names)
                seen.add(var)
    assert seen == set(target)
    assert set(names) == {"controller", "coordinator"}


def test_boot_sh_keeps_config_files_in_the_process_group(case, tmp_path):
    # CONFIG_PATH is an emptyDir made setgid by the pod's fsGroup; motor's safe_open refuses a
    # file whose group is neither the process's nor root's. Run boot.sh's config sync part.
    import os
    name, user, r = case
    boot = r.configmap()["data"]["boot.sh"]
    part = re.search(r'^([ \t]*mkdir -p "\$CONFIG_PATH"\n.*?^[ \t]*sync_user_config\n)', boot, re.M | re.S)
    assert part, "boot.sh lost its config sync"
    cm, conf = tmp_path / "cm", tmp_path / "conf"
    cm.mkdir()
    conf.mkdir()
    (cm / "user_config.json").write_text(r.configmap()["data"]["user_config.json"])
    other_gid = 4242 if os.getgid() != 4242 else 4243
    try:
        os.chown(conf, -1, other_gid)
    except PermissionError:
        pytest.skip("needs root to give the folder another group")
    os.chmod(conf, 0o2777)  # what the kubelet makes of an emptyDir with fsGroup
    env = dict(os.environ, CONFIGMAP_PATH=str(cm), CONFIG_PATH=str(conf), USER_CONFIG_PATH=str(conf / "user_config.json"))
    subprocess.run(["bash", "-c", "set -e\n" + part.group(1)], env=env, check=True)
    made = conf / "user_config.json"
    assert made.read_text() == r.configmap()["data"]["user_config.json"]
    assert made.stat().st_gid == os.getgid()
    (conf / "hccl.json").write_text("{}")  # what hccl_tools.py writes later
    assert (conf / "hccl.json").stat().st_gid == os.getgid()
