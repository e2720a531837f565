# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The MindIE Motor pods' runtime contract (docs/pd_separate_motor.md, "What the programs check"),
rendered without a cluster the way roles/pd_separate does: motor_config's model -> the role's
defaults and tasks/mindie_motor.yml's settings -> the templates, with Ansible's own templar.

The expectations are upstream's rules (Ascend/MindIE-Motor: Util.cpp's file checks, boot.sh,
probe.sh, the deploy templates), not values the templates compute. The last tests run the
rendered boot.sh and probe.sh on this machine against the TEST-ONLY stand-ins, with the
ConfigMap presented as Kubernetes does (symbolic links, 0444)."""

from __future__ import annotations

import copy
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.pdserve.cluster.plugins.module_utils import _motor

try:  # ansible-core >= 2.19 renders only trusted template text
    from ansible.template import trust_as_template
except ImportError:  # pragma: no cover
    def trust_as_template(text):
        return text

ROOT = pathlib.Path(__file__).resolve().parents[4]
ROLE = ROOT / "roles" / "pd_separate"
TEMPLATES = ROLE / "templates" / "mindie_motor"
STANDIN = ROOT / "tools" / "sandbox" / "images" / "standin" / "mindie_motor_standin.py"
LABELS = {"app.kubernetes.io/managed-by": "pdserve", "pdserve.io/stack": "pd_separate"}
TLS = {"secret_prefix": "pdserve-pki", "tools_configmap": "pdserve-cert-tools", "mount_path": "/mnt/security",
       "cert_dir": "/mnt/pdserve-tls", "ca_sha256": ""}


def model(**changes):
    base = {"image": "mindie:2.0.RC1", "model_name": "llama3-8b", "model_weight_path": "/data/LLaMA3-8B",
            "p_instances": 1, "d_instances": 1, "world_size": 2, "tls": {"cert_dir": TLS["cert_dir"]}}
    base.update(copy.deepcopy(changes))
    return base


def _trusted(value):
    """Role defaults and task vars are templates to Ansible: mark their strings so."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {k: _trusted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_trusted(v) for v in value]
    return value


def _template(templar, value):
    return templar.template(_trusted(value))


def settings(extra=None):
    """pd_separate_motor as tasks/mindie_motor.yml builds it from the role's defaults."""
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    tasks = yaml.safe_load((ROLE / "tasks" / "mindie_motor.yml").read_text())
    task = tasks[0]
    variables = dict(_trusted(defaults), **(extra or {}))
    variables.update(_trusted(task.get("vars") or {}))
    templar = Templar(loader=DataLoader(), variables=variables)
    # the task's vars first (they name the defaults), then the facts
    for key, value in (task.get("vars") or {}).items():
        variables[key] = _template(templar, value)
    templar = Templar(loader=DataLoader(), variables=variables)
    effective = task["ansible.builtin.set_fact"]["pd_separate_motor_effective"]
    return {key: _template(templar, value) for key, value in effective.items()}


def render(motor_model, extra=None):
    out = _motor.render(motor_model)
    derived = _motor.stack_view(out["derived"])
    derived["namespace"] = derived["job_id"]
    stack_config = {"source": "motor", "derived": derived, "files": out["files"], "global_ranktable_text": "{}"}
    variables = {"stack_config": stack_config, "stack_common_labels": LABELS, "stack_service_account": "pdserve-motor",
                 "stack_tls": TLS, "pd_separate_motor": settings(extra)}
    objects = []
    for name in ("configmap.yaml.j2", "workloads.yaml.j2"):
        templar = Templar(loader=DataLoader(), variables=variables)
        templar = templar.copy_with_new_env(searchpath=[str(TEMPLATES)])
        text = templar.template(trust_as_template((TEMPLATES / name).read_text()))
        objects += [doc for doc in yaml.safe_load_all(text) if doc]
    return out, objects


def deployments(objects):
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}


def configmap(objects):
    return next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "mindie-motor-config")


SHAPES = {
    "multi": model(),
    "single_a3": model(deploy_shape="single_container", hardware_type="800I_A3",
                       model_weight_path="/mnt/mindie-service/ms/model"),
    "hetero": model(deploy_shape="heterogeneous", heterogeneous={"prefill_label": "a2-32g", "decode_label": "a2-64g"}),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_pod_has_upstreams_security_context_and_no_token(shape):
    _, objects = render(SHAPES[shape])
    for name, dep in deployments(objects).items():
        spec = dep["spec"]["template"]["spec"]
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["fsGroup"] == 1001, name
        ctx = spec["containers"][0]["securityContext"]
        assert ctx == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                       "seccompProfile": {"type": "RuntimeDefault"}}, name


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_configmaps_at_0640_and_the_pod_ip_for_every_listener(shape):
    _, objects = render(SHAPES[shape])
    for name, dep in deployments(objects).items():
        spec = dep["spec"]["template"]["spec"]
        modes = {v["name"]: v["configMap"]["defaultMode"] for v in spec["volumes"] if "configMap" in v}
        assert modes["mindie-conf"] == 0o640 and modes["global-ranktable"] == 0o640, name
        env = {e["name"]: e for e in spec["containers"][0]["env"]}
        for var in ("POD_IP", "MIES_CONTAINER_IP", "MIES_CONTAINER_MANAGEMENT_IP"):
            assert env[var]["valueFrom"] == {"fieldRef": {"fieldPath": "status.podIP"}}, (name, var)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_server_pods_request_cpu_and_memory(shape):
    _, objects = render(SHAPES[shape])
    for name, dep in deployments(objects).items():
        requests = dep["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
        assert requests.get("cpu") and requests.get("memory"), (name, requests)


def test_the_a3_single_container_is_volcanos_even_where_the_stack_uses_another_scheduler():
    _, objects = render(SHAPES["single_a3"], {"pdserve_scheduler_name": "default-scheduler"})
    pod = deployments(objects)["mindie-service"]["spec"]["template"]
    assert pod["metadata"]["annotations"]["sp-block"] == "4"
    assert pod["spec"]["schedulerName"] == "volcano"
    _, objects = render(SHAPES["multi"], {"pdserve_scheduler_name": "default-scheduler"})
    assert deployments(objects)["mindie-server"]["spec"]["template"]["spec"]["schedulerName"] == "default-scheduler"


def _probe_args(container, probe):
    return container[probe + "Probe"]["exec"]["command"][2:]


def test_probes_are_upstreams_paths_on_upstreams_ports():
    out, objects = render(model(tls={"enabled": False}))
    files = out["files"]
    deps = deployments(objects)
    server = deps["mindie-server"]["spec"]["template"]["spec"]["containers"][0]
    mgmt = str(files["config.json"]["ServerConfig"]["managementPort"])
    for probe in ("startup", "readiness", "liveness"):
        assert _probe_args(server, probe) == [mgmt, "/v2/health/ready", "false"]
    ctl = deps["mindie-ms-controller"]["spec"]["template"]["spec"]["containers"][0]
    port = str(files["ms_controller.json"]["http_server"]["port"])
    assert [_probe_args(ctl, p)[1] for p in ("startup", "readiness", "liveness")] == ["/v1/startup", "/v1/health", "/v1/health"]
    assert {_probe_args(ctl, p)[0] for p in ("startup", "readiness", "liveness")} == {port}
    coord = deps["mindie-ms-coordinator"]["spec"]["template"]["spec"]["containers"][0]
    status = files["ms_coordinator.json"]["http_config"]["status_port"]
    assert _probe_args(coord, "startup") == [status, "/v1/startup", "false"]
    assert _probe_args(coord, "readiness") == [status, "/v1/readiness", "false"]


def test_probe_failure_thresholds_kubernetes_default_then_the_settings():
    """Readiness 3 always; liveness 3 (Kubernetes' default) unless set; startup its own."""
    for extra, liveness in ((None, 3), ({"pd_separate_motor_liveness_failure_threshold": 10}, 10)):
        _, objects = render(model(tls={"enabled": False}), extra)
        server = deployments(objects)["mindie-server"]["spec"]["template"]["spec"]["containers"][0]
        assert server["livenessProbe"]["failureThreshold"] == liveness
        assert server["readinessProbe"]["failureThreshold"] == 3
        assert server["startupProbe"]["failureThreshold"] == 100
        assert server["livenessProbe"]["periodSeconds"] == 10


@pytest.mark.parametrize("generation,programs", [
    ("mindie_service", ["/usr/local/Ascend/mindie/latest/mindie-service/bin/ms_controller",
                        "/usr/local/Ascend/mindie/latest/mindie-service/bin/ms_coordinator",
                        "/usr/local/Ascend/mindie/latest/mindie-service/bin/mindieservice_daemon"]),
    ("mindie_motor", ["mindie_motor_controller", "mindie_motor_coordinator", "mindie_llm_server"]),
])
def test_boot_copies_instead_of_linking_and_runs_the_generations_programs(generation, programs):
    _, objects = render(SHAPES["multi"], {"pd_separate_motor_generation": generation})
    boot = configmap(objects)["data"]["boot.sh"]
    assert "ln -s" not in boot
    for program in programs:
        assert program in boot
    if generation == "mindie_motor":
        assert '"$server_bin" --config-file "$MIES_CONFIG_JSON_PATH"' in boot
    assert "MINDIE_UTILS_HTTP_CLIENT_CTL_CONFIG_FILE_PATH" in configmap(objects)["data"]["probe.sh"]
    subprocess.run(["bash", "-n"], input=boot, text=True, check=True)


# ---- boot.sh and probe.sh run here, against the stand-ins -------------------------------------

def _free_ports(count):
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _kube_configmap(folder, data, mode=0o444):
    """A ConfigMap volume as the kubelet writes it: ..data -> a timestamped folder, each key a
    symbolic link through ..data."""
    real = folder / "..2026_11_30_00_00_00.000000001"
    real.mkdir(parents=True)
    for key, value in data.items():
        (real / key).write_text(value)
        os.chmod(real / key, mode)
    os.symlink(real.name, folder / "..data")
    for key in data:
        os.symlink(os.path.join("..data", key), folder / key)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("generation", ["mindie_service", "mindie_motor"])
def test_the_rendered_boot_satisfies_the_standins_with_kubernetes_style_mounts(tmp_path, generation):
    ports = _free_ports(7)
    m = model(tls={"enabled": False}, ports={
        "server": {"port": ports[0], "management": ports[1], "metrics": ports[2], "inter_comm": ports[3]},
        "controller": {"http_server": ports[4]},
        "coordinator": {"predict": ports[5], "manage": ports[6]}})
    status_port = _free_ports(1)[0]
    m["ports"]["coordinator"]["status"] = status_port
    bindir = tmp_path / "bin"
    bindir.mkdir()
    names = {"controller": "ms_controller", "coordinator": "ms_coordinator", "server": "mindieservice_daemon",
             "probe_client": "http_client_ctl"}
    if generation == "mindie_motor":
        names.update(controller="mindie_motor_controller", coordinator="mindie_motor_coordinator",
                     server="mindie_llm_server")
    programs = {}
    for key, name in names.items():
        (bindir / name).symlink_to(STANDIN)
        programs[key] = str(bindir / name)
    install = tmp_path / "install"
    (install / "bin").mkdir(parents=True)
    conf, rt, run = tmp_path / "conf", tmp_path / "rt", tmp_path / "run"
    extra = {"pd_separate_motor_generation": generation, "pd_separate_motor_programs": programs,
             "pd_separate_motor_conf_mount": str(conf), "pd_separate_motor_ranktable_mount": str(rt),
             "pd_separate_motor_runtime_dir": str(run), "pd_separate_motor_user_home": str(tmp_path),
             "pd_separate_motor_package_path": str(install)}
    if generation == "mindie_service":
        (tmp_path / "Ascend/mindie/latest/mindie-service/bin").mkdir(parents=True)
    out, objects = render(m, extra)
    _kube_configmap(conf, configmap(objects)["data"])
    _kube_configmap(rt, {"global_ranktable.json": json.dumps({"status": "completed", "server_group_list": []})})
    env = dict(os.environ, POD_IP="127.0.0.1", GLOBAL_RANK_TABLE_FILE_PATH=str(rt / "global_ranktable.json"),
               MIES_CONTAINER_IP="127.0.0.1", MIES_CONTAINER_MANAGEMENT_IP="127.0.0.1", PYTHONUNBUFFERED="1")
    deps = deployments(objects)
    kinds = {"controller": "mindie-ms-controller", "coordinator": "mindie-ms-coordinator", "server": "mindie-server"}
    procs = {}
    try:
        for kind in kinds:
            procs[kind] = subprocess.Popen(["bash", str(conf / "boot.sh"), kind], env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
        for kind, dep in kinds.items():
            container = deps[dep]["spec"]["template"]["spec"]["containers"][0]
            command = container["readinessProbe"]["exec"]["command"]
            deadline = time.time() + 20
            while True:
                assert procs[kind].poll() is None, procs[kind].communicate()[0]
                if subprocess.run(command, env=env, capture_output=True).returncode == 0:
                    break
                assert time.time() < deadline, "%s never ready" % kind
                time.sleep(0.3)
        # what the programs read: regular files, 0640, in the runtime folder
        for path in (run / "conf").iterdir():
            st = os.lstat(path)
            assert not path.is_symlink() and oct(st.st_mode & 0o777) == "0o640", path
        # and the mounted file itself is what they refuse
        refused = subprocess.run(
            [programs["probe_client"], "127.0.0.1", str(status_port), "/v1/health"],
            env=dict(env, MINDIE_UTILS_HTTP_CLIENT_CTL_CONFIG_FILE_PATH=str(conf / "http_client_ctl.json")),
            capture_output=True, text=True)
        assert refused.returncode == 1 and "is a symbolic link" in refused.stderr
    finally:
        for proc in procs.values():  # boot.sh's background loops too: the whole session
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for proc in procs.values():
            proc.wait()
