# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The values derived for the stack steps, and the stack role's view of them."""
from __future__ import annotations

import copy
import json

from ansible_collections.pdserve.cluster.plugins.module_utils._motor.constants import (
    CONTROLLER_FILE,
    DEPLOY_MODE,
    TLS_CHANNELS,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.render import server_file_names
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    HW_A3,
    node_selector,
)


def control_probes(tls, keep_with_tls=False):
    """Whether the controller's and coordinator's pods get Kubernetes probes: the doc removes them
    while any TLS channel is on (restarts under load); ``keep_with_tls`` keeps them, as upstream's
    templates do (the pd_separate role's ``pd_separate_motor_control_probes_with_tls``)."""
    return keep_with_tls or not any(tls.get(c) for c in TLS_CHANNELS)


def pod_probes(pod, keep_with_tls=False):
    """Whether a pod of :func:`stack_view`'s ``pods`` gets its probes (the one home of that rule;
    the templates call it through the filter ``pdserve.cluster.motor_pod_probes``)."""
    return bool(pod.get("probes", True)) or bool(keep_with_tls)


def _derive(m, files, server_ports, effective_rate):
    shape, hardware = m["deploy_shape"], m["hardware_type"]
    tls = m["tls"]
    p, d, world = m["p_instances"], m["d_instances"], m["p_world_size"]
    servers = p + d
    base_selector = node_selector(hardware)
    env = {str(k): str(v) for k, v in (m.get("env") or {}).items()}
    common_env = dict(env)
    common_env.update({"MINDIE_LOG_LEVEL": m["log"]["level"], "MINDIE_LOG_TO_FILE": "1" if m["log"]["to_file"] else "0",
                       "MINDIE_LOG_TO_STDOUT": "1" if m["log"]["to_stdout"] else "0"})
    server_env = dict(common_env)
    server_env.update({"MINDIE_ENDPOINT_HTTPS_ENABLED": json.dumps(tls["server"]),
                       "MINDIE_INTER_COMM_TLS_ENABLED": json.dumps(tls["inter_comm"])})
    ctrl_probes = control_probes(tls)
    res = m["coordinator_resources"]
    coordinator_resources = {"requests": {"memory": res["requests_memory"]}, "limits": {"memory": res["limits_memory"]}}
    server_files = server_file_names(m)
    pods = {}
    if shape == "single_container":
        total = p * world + d * m["d_world_size"]
        single_env = dict(server_env)
        single_env["MINDIE_MS_GEN_SERVER_PORT"] = "false"  # we render config1..N with their own ports
        pods["single_container"] = {
            "replicas": 1, "npus_per_pod": total, "node_selector": base_selector,
            "sp_block": total if hardware == HW_A3 else None, "env": single_env,
            "config_files": server_files, "probes": True, "ports": server_ports,
        }
    else:
        ctrl_env = dict(common_env)
        pods["controller"] = {"replicas": 1, "npus_per_pod": 0, "node_selector": dict(m["controller_node_selector"]),
                              "env": ctrl_env, "probes": ctrl_probes}
        pods["coordinator"] = {"replicas": 1, "npus_per_pod": 0, "node_selector": {}, "env": dict(common_env),
                               "probes": ctrl_probes, "liveness_probe": False, "resources": coordinator_resources}
        if shape == "heterogeneous":
            hetero = m["heterogeneous"]
            key = hetero["label_key"]
            pods["server"] = {"replicas": p, "npus_per_pod": world, "role": "prefill",
                              "node_selector": dict(base_selector, **{key: hetero["prefill_label"]}),
                              "hardware_type": hetero["prefill_hardware_type"], "env": dict(server_env),
                              "config_files": server_files, "ports": server_ports[0]}
            pods["server_heterogeneous"] = {"replicas": d, "npus_per_pod": m["d_world_size"], "role": "decode",
                                            "node_selector": dict(base_selector, **{key: hetero["decode_label"]}),
                                            "hardware_type": hetero["decode_hardware_type"], "env": dict(server_env),
                                            "config_files": server_files, "ports": server_ports[0]}
        else:
            pods["server"] = {"replicas": servers, "npus_per_pod": world, "role": None,
                              "node_selector": base_selector, "hardware_type": None, "env": dict(server_env),
                              "config_files": server_files, "ports": server_ports[0]}
        total = p * world + d * m["d_world_size"]
    if effective_rate is None or effective_rate[0] == 0:
        rate = {"p": 0, "d": 0, "source": "auto"}
    else:
        rate = {"p": effective_rate[0], "d": effective_rate[1],
                "source": "env" if effective_rate[2] == "env" else CONTROLLER_FILE}
    ports = dict(m["ports"])
    ports["servers"] = server_ports
    return {
        "job_id": m["job_id"],
        "namespace": m["job_id"],
        "image": m["image"].strip(),
        "hardware_type": hardware,
        "deploy_shape": shape,
        "deploy_mode": DEPLOY_MODE[shape],
        "model_name": m["model_name"],
        "model_weight_path": m["model_weight_path"],
        "p_instances": p,
        "d_instances": d,
        "server_count": servers,
        "world_size": world,
        "npus_per_server_pod": world if shape != "single_container" else total,
        "total_npus": total,
        "npus_per_node": m["npus_per_node"],
        "sp_block": total if shape == "single_container" and hardware == HW_A3 else None,
        "pods": pods,
        "pd_rate": rate,
        "ports": ports,
        "coordinator_node_port": m["ports"]["coordinator_node_port"],
        "coordinator_resources": coordinator_resources,
        "tls": dict(tls, any=any(tls[c] for c in TLS_CHANNELS)),
        "config_files": sorted(files),
        "server_config_files": server_files,
        "heterogeneous": ({"enabled": True, "label_key": m["heterogeneous"]["label_key"],
                           "prefill_label": m["heterogeneous"]["prefill_label"],
                           "decode_label": m["heterogeneous"]["decode_label"],
                           "prefill_hardware_type": m["heterogeneous"]["prefill_hardware_type"],
                           "decode_hardware_type": m["heterogeneous"]["decode_hardware_type"]}
                          if shape == "heterogeneous" else {"enabled": False}),
    }


#: Deployment name and app.kubernetes.io/component label of each pod kind (the document's names)
POD_NAMES = {"controller": ("mindie-ms-controller", "controller"),
             "coordinator": ("mindie-ms-coordinator", "coordinator"),
             "server": ("mindie-server", "server"),
             "server_heterogeneous": ("mindie-server-heterogeneous", "server-heterogeneous"),
             "single_container": ("mindie-service", "single-container")}
#: pod kinds that ask for NPUs and appear in the global ranktable's server group
SERVER_PODS = ("server", "server_heterogeneous", "single_container")


def stack_view(derived):
    """``derived`` (of :func:`render`) in the shape the stack role (``roles/stack``) reads,
    the same shape ``validate_config`` gives for MindIE-PyMotor, plus every motor key.

    - ``deploy_mode``: the deploy shape (the key of the stack's ``stack_templates_by_mode``);
      the files' own value stays in ``motor_deploy_mode``
    - ``mode``: the deploy shape (``single_container`` makes the stack count one pod)
    - ``roles``: per pod kind ``instances`` (one per pod: a server pod is one P or D instance),
      ``pods_per_instance`` 1, ``npus_per_pod``, ``total_npus``, ``node_selector``, ``env``,
      ``deployment`` and ``component`` (names); ``engine_roles``: the kinds with NPUs
    - ``node_selector``: the single container's (the stack's single-container capacity check)
    - ``tls.any`` as in ``derived``
    """
    view = copy.deepcopy(derived)
    pods = view.get("pods") or {}
    roles = {}
    for kind, pod in pods.items():
        deployment, component = POD_NAMES[kind]
        roles[kind] = {"instances": pod["replicas"], "pods_per_instance": 1, "npus_per_pod": pod["npus_per_pod"],
                       "total_npus": pod["replicas"] * pod["npus_per_pod"],
                       "node_selector": dict(pod.get("node_selector") or {}), "env": dict(pod.get("env") or {}),
                       "deployment": deployment, "component": component}
    view.update(
        motor_deploy_mode=derived.get("deploy_mode"),
        deploy_mode=derived.get("deploy_shape"),
        mode=derived.get("deploy_shape"),
        roles=roles,
        engine_roles=[k for k in SERVER_PODS if k in pods],
        node_selector=dict((pods.get("single_container") or {}).get("node_selector") or {}),
    )
    return view
