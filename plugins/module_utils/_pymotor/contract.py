# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The contract between the MindIE-PyMotor stacks' pods and the programs they run (private API).

One place for what every pod of a MindIE-PyMotor stack must give the program inside it: the
entry point, the environment, the ports, the probes, the resources, the security context, the
volumes, the Services that let the components find each other, and the RBAC the controller
needs. Computed once, from ``validate_config``'s result and the calling stack's settings; the
templates (``roles/stack/templates/pymotor/``) only print it.

Each fact is taken from what the runtime reads (MindIE-PyMotor's ``motor/``) or what the
current upstream deployer (``examples/deployer``) renders; docs/pymotor_contract.md names the
source of each, and every place where pdserve deliberately differs. Values we could not read in
a source are marked GUESS here and in the document.

Public names: :func:`build` (the contract); :data:`~.contract_facts.COMPONENT_ROLES`,
:func:`~.services.service_fqdn`, :func:`~.services.cert_dns_names`, :func:`~.services.rbac`.
Only the standard library is used.
"""
from __future__ import annotations

import copy
import hashlib
import json

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    CA_SHA256_ANNOTATION,
    RING_CONTROLLER,
    RING_CONTROLLER_LABEL,
    SCHEDULE_POLICY_ANNOTATION,
    SP_BLOCK_ANNOTATION,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.contract_facts import (
    COMPONENT_ROLES,
    CONFIG_PATH,
    CONFIGMAP,
    CONFIGMAP_PATH,
    _CONTROL_TOLERATIONS,
    DEFAULT_SETTINGS,
    ENGINE_LETTER,
    ISS_NAME,
    ISS_ROLE,
    SA_CONTROLLER,
    SA_NONE,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.services import (
    _service_env,
    _services,
    rbac,
    with_obs_node_ports,
)


def _merge(base, override):
    """Settings over the defaults: dicts merge, and a None in ``override`` keeps the default
    (unlike ``_schema.merge``: a role passes None for a setting it leaves unset)."""
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif value is not None or key not in out:
            out[key] = copy.deepcopy(value)
    return out


def generation(user_config, env_config):
    """A short hash of the configuration without the instance counts: part of every JOB_NAME
    and of SERVICE_ID. Upstream appends a timestamp and a random id instead, which makes every
    run change every pod; ours changes only when the configuration does (not on scaling)."""
    user = copy.deepcopy(user_config or {})
    deploy = user.get("motor_deploy_config") or {}
    for key in ("hybrid_instances_num", "p_instances_num", "d_instances_num"):
        deploy.pop(key, None)
    text = json.dumps([user, env_config or {}], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _field(name, path):
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}


def _val(name, value):
    return {"name": name, "value": str(value)}


def _programs(d, s):
    """What boot.sh finally runs per ROLE (after its set-up); the module names are the
    runtime's entry points (motor/*/main.py), the rest is upstream's roles/*.sh."""
    scripts = s["upstream_scripts_dir"].rstrip("/")
    return {
        "controller": 'python3 -m motor.controller.main --config "$USER_CONFIG_PATH"',
        # motor/coordinator/main.py takes no --config: CoordinatorConfig.from_json() reads
        # USER_CONFIG_PATH (motor/common/utils/env.py).
        "coordinator": "python3 -m motor.coordinator.main",
        # Engines start through the node manager: it registers the instance with the
        # controller, handles the ranktable and starts motor.engine_server.cli.
        "engine": "python3 -m motor.node_manager.main",
        "kv_pool": ('mooncake_master --port "$KV_POOL_PORT" --eviction_high_watermark_ratio '
                    '"$KV_POOL_EVICTION_HIGH_WATERMARK_RATIO" --eviction_ratio "$KV_POOL_EVICTION_RATIO" '
                    '--default_kv_lease_ttl "$DEFAULT_KV_LEASE_TTL"'),
        "kv_conductor_setup": ('python3 "%s/mooncake_config.py" conductor "$CONDUCTOR_CONFIG_PATH" '
                               '"$USER_CONFIG_PATH"' % scripts),
        "kv_conductor": "mooncake_conductor",
        "kv_pool_client_setup": ('python3 "%s/mooncake_config.py" pool "$MOONCAKE_CONFIG_PATH" '
                                 '"$USER_CONFIG_PATH"' % scripts),
        "hccl": 'python3 "%s/hccl_tools.py" --hccl_path "$HCCL_PATH"' % scripts,
    }


def _resources(s, group, npus=0, npu_resource=None):
    res = copy.deepcopy(s["resources"][group])
    if npus:
        res.setdefault("requests", {})[npu_resource] = str(npus)
        res.setdefault("limits", {})[npu_resource] = str(npus)
    return res


def _probe_exec(kind, ports, s):
    return {
        "exec": {"command": ["python3", CONFIGMAP_PATH + "/probe.py", kind] + [str(p) for p in ports]},
        "periodSeconds": 10,
        "timeoutSeconds": 30 if kind != "startup" else 10,
        "failureThreshold": 100 if kind == "startup" else 5,
    }


def _probe_tcp(kind, port, s):
    return {
        "tcpSocket": {"port": port},
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": s["startup_failure_threshold"] if kind == "startup" else 3,
    }


def _run_as_user(s, engine):
    """The user a pod runs as: run_as_user, or for the control pods control_run_as_user when set."""
    if not engine and s.get("control_run_as_user") is not None:
        return s["control_run_as_user"]
    return s["run_as_user"]


def _security(s, engine):
    pod = {"fsGroup": s["fs_group"]}
    if s["seccomp_profile"]:
        pod["seccompProfile"] = {"type": s["seccomp_profile"]}
    user = _run_as_user(s, engine)
    if user is not None:
        pod["runAsUser"] = int(user)
        pod["runAsGroup"] = int(s["run_as_group"] if s["run_as_group"] is not None else user)
        pod["runAsNonRoot"] = int(user) != 0
    caps = {"drop": ["ALL"]}
    if engine and s["engine_capabilities_add"]:
        caps["add"] = list(s["engine_capabilities_add"])
    container = {"allowPrivilegeEscalation": False, "privileged": False, "capabilities": caps}
    return pod, container


def _common_env(d, user, gen):
    """Set by upstream's set_env_to_shell into motor_common_env for every component."""
    engine = user.get("motor_engine_prefill_config") or user.get("motor_engine_union_config") or {}
    env = {
        "ENGINE_TYPE": d["engine_type"] or "",
        "MODEL_NAME": d["served_model_name"] or "",
        "SERVICE_ID": "%s_%s" % (d["job_id"], gen),
    }
    north = (user.get("north_config") or {}).get("name")
    if north:
        env["NORTH_PLATFORM"] = north
    del engine
    return env


def _log_root(d, component):
    env = d["roles"].get(component, {}).get("env") or d["roles"]["controller"]["env"]
    return env.get("MOTOR_LOG_ROOT_PATH")


def build(config, settings=None):
    """The contract of every pod of a MindIE-PyMotor stack.

    ``config`` is validate_config's result (``user_config``, ``env_config``, ``derived``);
    ``settings`` override :data:`DEFAULT_SETTINGS`. Returns ``{"iss_name", "generation",
    "services", "service_env", "components", "rbac", "programs", "configmap_path",
    "config_path", "tls"}``; ``components[name]`` has ``role`` (ROLE), ``replicas``,
    ``instances``, ``labels``, ``annotations``, ``workload_annotations``, ``pod`` (the pod
    template's spec fields, containers[0] complete).
    """
    s = _merge(DEFAULT_SETTINGS, settings or {})
    d = config["derived"]
    user = config["user_config"]
    env_config = config.get("env_config") or {}
    mode = d["deploy_mode"]
    ns = d["namespace"]
    gen = generation(user, env_config)
    iss_name = ISS_NAME.get(d.get("engine_type") or "vllm", "mindie-server")
    labels = dict(s["labels"])
    d = with_obs_node_ports(d)
    services = _services(d, mode, iss_name, labels)
    svc_env = _service_env(services, ns, mode)
    common = _common_env(d, user, gen)
    programs = _programs(d, s)
    tls = dict(s["tls"], enabled=bool(d["tls"]["any"]))
    hw = d["hardware"]
    image = s["image"] or d["image"]

    components = {}
    if mode == "single_container":
        names = ["single_container"]
    else:
        names = ["controller", "coordinator"] + list(d["engine_roles"])
        if d["kv_pool"]["enabled"]:
            names.append("kv_pool")
        if d["ports"].get("kv_conductor"):
            names.append("kv_conductor")
    for name in names:
        components[name] = _component(name, d, user, s, mode, gen, iss_name, labels, svc_env, common,
                                      tls, hw, image)
    return {
        "mode": mode,
        "namespace": ns,
        "iss_name": iss_name,
        "generation": gen,
        "services": services,
        "service_env": svc_env,
        "components": components,
        "order": names,
        "rbac": rbac(d["job_id"], ns, labels),
        "programs": programs,
        "configmap": CONFIGMAP,
        "configmap_path": CONFIGMAP_PATH,
        "config_path": CONFIG_PATH,
        "tls": tls,
        "a5_skip_hccl": bool(hw["a5"]),
        "engine_letters": dict(ENGINE_LETTER),
        "upstream_scripts_dir": s["upstream_scripts_dir"].rstrip("/"),
        "role_env": {n: dict(r.get("env") or {}) for n, r in d["roles"].items()},
    }


def _component(name, d, user, s, mode, gen, iss_name, labels, svc_env, common, tls, hw, image):
    engine = name in ("union", "prefill", "decode")
    single = name == "single_container"
    control = name in ("controller", "coordinator", "kv_pool", "kv_conductor")
    motor = name not in ("kv_pool", "kv_conductor")  # runs a motor program (reads user_config)
    job_id = d["job_id"]
    ports = d["ports"]
    role = d["roles"].get(name) or {}

    # ---- environment (order: downward API first, so $(POD_IP) can be used after it)
    env = [_field("POD_IP", "status.podIP"), _field("HOST_IP", "status.hostIP")]
    if name in ("controller", "coordinator", "single_container"):
        env.append(_field("POD_NAMESPACE", "metadata.namespace"))
    env += [_val("CONFIGMAP_PATH", CONFIGMAP_PATH), _val("CONFIG_PATH", CONFIG_PATH),
            # upstream's common.sh: the ConfigMap's user_config.json, copied into CONFIG_PATH
            # (and kept in sync) by boot.sh; every motor program reads it from here.
            _val("USER_CONFIG_PATH", CONFIG_PATH + "/user_config.json"),
            _val("ROLE", COMPONENT_ROLES[name])]
    if motor:
        if engine:
            if mode == "infer_service_set":
                # engine.sh appends -<INFER_SERVICE_INDEX>-<letter><INSTANCE_INDEX> (operator env)
                job = "%s-%s-%s" % (job_id, iss_name, gen)
            else:
                job = None  # per instance: set by the workload template (job_names)
        else:
            job = "%s-%s-%s" % (job_id, "SINGLE_CONTAINER" if single else name, gen)
        if job:
            env.append(_val("JOB_NAME", job))
        for key in ("CONTROLLER_SERVICE", "COORDINATOR_SERVICE", "COORDINATOR_INFER_SERVICE",
                    "COORDINATOR_OBS_SERVICE"):
            env.append(_val(key, svc_env[key]))
        for key, value in sorted(common.items()):
            env.append(_val(key, value))
        log_root = _log_root(d, name if not single else "controller")
        if log_root:
            base = "%s/%s/%s" % (log_root.rstrip("/"), common["MODEL_NAME"], common["SERVICE_ID"])
            env.append(_val("MOTOR_LOG_PATH", base + "/motor"))
            if engine or single:
                env.append(_val("ASCEND_WORK_PATH", base + "/ascend_work_path"))
                env.append(_val("ASCEND_CACHE_PATH", base + "/ascend_cache_path"))
    if name == "coordinator" and "KV_CONDUCTOR_SERVICE" in svc_env:
        env.append(_val("KV_CONDUCTOR_SERVICE", svc_env["KV_CONDUCTOR_SERVICE"]))
    if name == "coordinator":
        bootstrap = ((user.get("motor_engine_prefill_config") or {}).get("engine_config") or {}).get(
            "disaggregation_bootstrap_port")
        if bootstrap:
            env.append(_val("DISAGGREGATION_BOOTSTRAP_PORT", bootstrap))
    kvp = d["kv_pool"]
    if kvp["enabled"] and (engine or name in ("kv_pool", "kv_conductor") or single):
        env.append(_val("KVP_MASTER_SERVICE", "$(POD_IP)" if single else svc_env["KVP_MASTER_SERVICE"]))
    if kvp["enabled"] and name in ("kv_pool", "single_container"):
        env += [_val("KV_POOL_PORT", kvp["port"]),
                _val("KV_POOL_EVICTION_HIGH_WATERMARK_RATIO", kvp["eviction_high_watermark_ratio"]),
                _val("KV_POOL_EVICTION_RATIO", kvp["eviction_ratio"]),
                _val("DEFAULT_KV_LEASE_TTL", kvp["default_kv_lease_ttl"])]
    if engine or single:
        if not hw["a5"]:
            env += [_val("HCCL_PATH", CONFIG_PATH + "/hccl.json"),
                    _val("RANKTABLE_PATH", CONFIG_PATH + "/ranktable.json")]
        if kvp["enabled"]:
            env.append(_val("MOONCAKE_CONFIG_PATH", CONFIG_PATH + "/kv_cache_pool_config.json"))
    if name == "kv_conductor":
        env.append(_val("CONDUCTOR_CONFIG_PATH", CONFIG_PATH + "/kv_conductor_config.json"))

    # ---- ports, probes
    cports = []
    probes = {}
    if name == "controller":
        cports = [("api", ports["controller_api"]), ("obs", ports["controller_obs"])]
        for kind in ("startup", "readiness", "liveness"):
            probes[kind] = _probe_exec(kind, [ports["controller_api"]], s)
    elif name == "coordinator":
        cports = [("infer", ports["coordinator_infer"]), ("mgmt", ports["coordinator_mgmt"]),
                  ("obs", ports["coordinator_obs"])]
        for kind in ("startup", "readiness", "liveness"):
            probes[kind] = _probe_exec(kind, [ports["coordinator_mgmt"]], s)
    elif engine:
        nm = role["ports"]["node_manager_port"]
        cports = [("node-manager", nm)]
        # Upstream probes no engine (engine_template.yaml); the engine port serves no
        # /startup etc. The node manager's API port answers as soon as it runs.
        probes["startup"] = _probe_tcp("startup", nm, s)
        probes["readiness"] = _probe_tcp("readiness", nm, s)
    elif name == "kv_pool":
        cports = [("kvp", kvp["port"])]
        probes["readiness"] = _probe_tcp("readiness", kvp["port"], s)
    elif name == "kv_conductor":
        cports = [("http", ports["kv_conductor"])]
        probes["readiness"] = _probe_tcp("readiness", ports["kv_conductor"], s)
    elif single:
        cports = [("infer", ports["coordinator_infer"]), ("mgmt", ports["coordinator_mgmt"]),
                  ("api", ports["controller_api"])]
        for kind in ("startup", "readiness", "liveness"):
            probes[kind] = _probe_exec(kind, [ports["coordinator_mgmt"], ports["controller_api"]], s)

    # ---- resources
    if engine:
        npus = role["npus_per_pod"]
        resources = _resources(s, "engine", npus, hw["npu_resource"])
    elif single:
        npus = sum(d["roles"][r]["instances"] * d["roles"][r]["npus_per_pod"] for r in d["engine_roles"])
        resources = _resources(s, "engine", npus, hw["npu_resource"])
    else:
        npus = 0
        resources = _resources(s, "kv" if name.startswith("kv_") else name)

    # ---- volumes
    mounts = [{"name": "motor-config", "mountPath": CONFIGMAP_PATH, "readOnly": True},
              {"name": "motor-conf", "mountPath": CONFIG_PATH}]
    volumes = [{"name": "motor-config", "configMap": {"name": CONFIGMAP, "defaultMode": 0o550}},
               {"name": "motor-conf", "emptyDir": {"sizeLimit": "1Gi"}}]
    log_root = _log_root(d, name if not single else "controller") if motor else None
    if log_root:
        mounts.append({"name": "motor-log", "mountPath": log_root.rstrip("/") or "/"})
        volumes.append({"name": "motor-log", "emptyDir": {"sizeLimit": "10Gi"}})
    use_tls = tls["enabled"] and motor
    if use_tls:
        secret = "server" if (engine or single) else name
        mounts += [{"name": "pdserve-security", "mountPath": tls["mount_path"], "readOnly": True},
                   {"name": "pdserve-cert-tools", "mountPath": "/opt/pdserve/cert-tools", "readOnly": True},
                   {"name": "pdserve-tls", "mountPath": tls["cert_dir"]}]
        secret_mode = 0o400 if _run_as_user(s, engine or single) in (None, 0) else 0o440
        volumes += [{"name": "pdserve-security",
                     "secret": {"secretName": "%s-%s" % (tls["secret_prefix"], secret), "defaultMode": secret_mode}},
                    {"name": "pdserve-cert-tools", "configMap": {"name": tls["tools_configmap"], "defaultMode": 0o444}},
                    {"name": "pdserve-tls", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}}]
    if engine or single:
        # GUESS: the Ascend device plugin mounts the driver into NPU pods, so we mount no
        # /usr/local/Ascend/driver (upstream's multi_deployment template does).
        wmp = d["weight_mount_path"]
        mounts += [{"name": "weights", "mountPath": wmp, "readOnly": True},
                   {"name": "hccn-conf", "mountPath": "/etc/hccn.conf", "readOnly": True},
                   {"name": "hccn-tool", "mountPath": "/usr/local/Ascend/driver/tools/hccn_tool", "readOnly": True},
                   {"name": "shm", "mountPath": "/dev/shm"}]
        volumes += [{"name": "weights", "hostPath": {"path": wmp, "type": "Directory"}},
                    {"name": "hccn-conf", "hostPath": {"path": "/etc/hccn.conf", "type": "File"}},
                    {"name": "hccn-tool", "hostPath": {"path": "/usr/local/Ascend/driver/tools/hccn_tool",
                                                       "type": "File"}},
                    {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": s["shm_size"]}}]

    # ---- pod
    pod_sc, container_sc = _security(s, engine or single)
    uses_api = name in ("controller", "single_container")
    container = {
        "name": name.replace("_", "-"),
        "image": image,
        "imagePullPolicy": s["image_pull_policy"],
        "command": ["/bin/bash", CONFIGMAP_PATH + "/boot.sh"],
        "env": env,
        "ports": [{"name": n, "containerPort": p, "protocol": "TCP"} for n, p in cports],
        "resources": resources,
        "securityContext": container_sc,
        "volumeMounts": mounts,
    }
    if uses_api:
        # Upstream defect handled here: the controller polls stdin with select(); at end of file
        # (a pod's default stdin) it spins at 100% CPU. An open stdin that never delivers keeps
        # select() blocking.
        container["stdin"] = True
    for kind in ("startup", "readiness", "liveness"):
        if kind in probes:
            container[kind + "Probe"] = probes[kind]
    group = "engine" if (engine or single) else "control"
    tolerations = ([] if group == "engine" else copy.deepcopy(_CONTROL_TOLERATIONS)) + list(s["tolerations"][group])
    node_selector = dict(role.get("node_selector") or {}) if engine else (dict(d["node_selector"]) if single else {})
    node_selector.update(s["node_selector"][group] or {})
    pod = {
        "serviceAccountName": SA_CONTROLLER if uses_api else SA_NONE,
        "automountServiceAccountToken": uses_api,
        "securityContext": pod_sc,
        "terminationGracePeriodSeconds": 60 if group == "engine" else 30,
        "containers": [container],
        "volumes": volumes,
    }
    if group == "engine":
        pod["schedulerName"] = s["scheduler_name"]
    if node_selector:
        pod["nodeSelector"] = node_selector
    if tolerations:
        pod["tolerations"] = tolerations

    # ---- metadata
    plabels = dict(labels, **{"app.kubernetes.io/component": name})
    annotations = {}
    workload_annotations = {}
    if engine or single:
        plabels.update({"fault-scheduling": "grace", "fault-retry-times": "10000"})
        if hw["ring_controller"]:
            plabels[RING_CONTROLLER_LABEL] = RING_CONTROLLER
        if d["sp_block"]:
            if mode == "infer_service_set":
                annotations[SP_BLOCK_ANNOTATION] = str(role["npus_per_pod"])  # infer_service.py: per pod
            else:
                # engine.py / single_container.py: on the Deployment, the instance's NPUs
                workload_annotations[SP_BLOCK_ANNOTATION] = str(npus if single else role["pods_per_instance"] * npus)
        if hw["schedule_policy"]:
            annotations[SCHEDULE_POLICY_ANNOTATION] = hw["schedule_policy"]
    if use_tls and tls.get("ca_sha256"):
        annotations[CA_SHA256_ANNOTATION] = tls["ca_sha256"]

    instances = role.get("instances", 1)
    job_names = {}
    if engine and mode != "infer_service_set":
        job_names = {str(i): "%s-%s%d-%s" % (job_id, ENGINE_LETTER[name], i, gen) for i in range(instances)}
    return {
        "role": COMPONENT_ROLES[name],
        "iss_role": ISS_ROLE.get(name, name),
        "engine": engine,
        "instances": instances if engine else 1,
        # pods of one instance (engines) or of the component (controller / coordinator standby)
        "replicas": role.get("pods_per_instance", 1) if engine else role.get("instances", 1) if control else 1,
        "job_names": job_names,
        "labels": plabels,
        "annotations": annotations,
        "workload_annotations": workload_annotations,
        "pod": pod,
        "uses_api": uses_api,
        "npus": npus,
    }
