# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The Dynamo stack's RoleBasedGroup and frontend Service as plain dicts (the role's templates
print them). What each pod runs follows the users' document (``dynamo-rbg-pd.md``):

- processor: ``cd <workdir> && exec dynamo serve graphs.<graph>:Frontend -f ./configs/<file>``, the
  frontend's ports (HTTP, request plane, API, metrics), a TCP readiness probe on the HTTP port,
  and an init container that waits until etcd and NATS accept connections (our start order:
  they are not roles of the group);
- prefill: ``dynamo serve components.prefill_worker:PrefillWorker -f ./configs/<file>``;
- decode: ``dynamo serve components.worker:VllmWorker -f ./configs/<file> --service-name VllmWorker``;
- every container: ``DYNAMO_NAME``, ``DYNAMO_NAMESPACE``, ``ETCD_ENDPOINTS``, ``NATS_SERVER``,
  ``DYNAMO_RP_TIMEOUT``; the model volume at ``model.path``; the configuration file (and, for the
  processor, the graph) from the ConfigMap ``dynamo-configs`` by subPath.

The workers ask for ``nvidia.com/gpu`` (requests = limits); the prefill and decode roles depend on
the processor (RBG creates their workloads once its StatefulSet is ready).
"""
from __future__ import annotations

import posixpath

from ansible_collections.pdserve.cluster.plugins.module_utils._dynamo import rbg as _rbg
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import COMPONENT, GPU_RESOURCE, INSTANCE

CONFIG_MAP = "dynamo-configs"
CONTAINER = {"processor": "processor", "prefill": "prefill-worker", "decode": "vllm-worker"}
#: What ``dynamo serve`` starts per role (the document's commands).
SERVE = {
    "processor": "graphs.{graph}:Frontend",
    "prefill": "components.prefill_worker:PrefillWorker",
    "decode": "components.worker:VllmWorker",
}
EXTRA_ARGS = {"decode": " --service-name VllmWorker"}
#: The init container's check: every host:port of ETCD_ENDPOINTS and NATS_SERVER accepts a TCP
#: connection (python3 of the image; no other tool assumed).
WAIT_SCRIPT = (
    "import os, socket, sys, time\n"
    "from urllib.parse import urlsplit\n"
    "urls = os.environ['ETCD_ENDPOINTS'].split(',') + [os.environ['NATS_SERVER']]\n"
    "for url in urls:\n"
    "    part = urlsplit(url.strip())\n"
    "    while True:\n"
    "        try:\n"
    "            socket.create_connection((part.hostname, part.port), 2).close()\n"
    "            print('reached', url, flush=True)\n"
    "            break\n"
    "        except OSError as exc:\n"
    "            print('waiting for', url, exc, flush=True)\n"
    "            time.sleep(2)\n"
)


def _env(cfg, derived, extra):
    env = [
        {"name": "DYNAMO_NAME", "value": cfg["dynamo_name"]},
        {"name": "DYNAMO_NAMESPACE", "value": derived["dynamo_namespace"]},
        {"name": "ETCD_ENDPOINTS", "value": derived["endpoints"]["etcd"]},
        {"name": "NATS_SERVER", "value": derived["endpoints"]["nats"]},
        {"name": "DYNAMO_RP_TIMEOUT", "value": str(cfg["rp_timeout"])},
    ]
    known = {e["name"] for e in env}
    for name, value in sorted(dict(cfg["env"], **extra).items()):
        if name not in known:
            env.append({"name": name, "value": value if isinstance(value, str) else str(value).lower()
                        if isinstance(value, bool) else str(value)})
    return env


def _volumes(cfg):
    model = cfg["model"]
    if model["source"] == "host_path":
        source = {"hostPath": {"path": model["host_path"], "type": "Directory"}}
    else:
        source = {"persistentVolumeClaim": {"claimName": model["claim_name"], "readOnly": True}}
    return [dict({"name": "model"}, **source), {"name": "dynamo-configs", "configMap": {"name": CONFIG_MAP}}]


def pod_template(role, cfg, derived, labels, settings):
    """The pod template of ``role`` (processor, prefill, decode)."""
    spec = cfg[role]
    workdir = cfg["workdir"]
    graph_module = posixpath.splitext(cfg["graph_file"])[0]
    # `exec`: dynamo gets the pod's SIGTERM (the document's `cd ...; dynamo serve ...` leaves sh
    # as PID 1, which ignores it: every stop then waits for the grace period's SIGKILL)
    command = "cd %s && exec dynamo serve %s -f ./configs/%s%s" % (
        workdir, SERVE[role].format(graph=graph_module), cfg["config_file"], EXTRA_ARGS.get(role, ""))
    resources = {"cpu": spec["resources"]["cpu"], "memory": spec["resources"]["memory"]}
    if role != "processor":
        resources[GPU_RESOURCE] = str(spec["gpus"])
    mounts = [
        {"name": "model", "mountPath": cfg["model"]["path"], "readOnly": True},
        {"name": "dynamo-configs", "mountPath": posixpath.join(workdir, "configs", cfg["config_file"]),
         "subPath": cfg["config_file"]},
    ]
    if role == "processor":
        mounts.append({"name": "dynamo-configs", "mountPath": posixpath.join(workdir, "graphs", cfg["graph_file"]),
                       "subPath": cfg["graph_file"]})
    env = _env(cfg, derived, spec["env"])
    container = {
        "name": CONTAINER[role],
        "image": cfg["image"],
        "imagePullPolicy": cfg["image_pull_policy"],
        "command": ["sh", "-c", command],
        "env": env,
        "resources": {"requests": dict(resources), "limits": dict(resources)},
        "volumeMounts": mounts,
    }
    pod = {"serviceAccountName": settings.get("service_account", "default"), "automountServiceAccountToken": False}
    if role == "processor":
        ports = cfg["ports"]
        container["ports"] = [
            {"name": "health", "containerPort": ports["http"], "protocol": "TCP"},
            {"name": "request", "containerPort": ports["request"], "protocol": "TCP"},
            {"name": "api", "containerPort": ports["api"], "protocol": "TCP"},
            {"name": "metrics", "containerPort": ports["metrics"], "protocol": "TCP"},
        ]
        probe = settings.get("probe") or {}
        container["readinessProbe"] = {
            "tcpSocket": {"port": ports["http"]},
            "initialDelaySeconds": int(probe.get("initial_delay_seconds", 30)),
            "periodSeconds": int(probe.get("period_seconds", 30)),
        }
        pod["initContainers"] = [{
            "name": "wait-for-etcd-nats",
            "image": settings.get("wait_image") or cfg["image"],
            "imagePullPolicy": cfg["image_pull_policy"],
            "command": ["python3", "-c", WAIT_SCRIPT],
            "env": [e for e in env if e["name"] in ("ETCD_ENDPOINTS", "NATS_SERVER")],
            "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
        }]
    pod["containers"] = [container]
    selector = derived["roles"][role]["node_selector"]
    if selector:
        pod["nodeSelector"] = dict(selector)
    if spec["tolerations"]:
        pod["tolerations"] = list(spec["tolerations"])
    pod["volumes"] = _volumes(cfg)
    return {"metadata": {"labels": dict(labels, **{COMPONENT: role})}, "spec": pod}


def rolebasedgroup(cfg, derived, version, labels, settings=None):
    """The RoleBasedGroup of the stack in ``version`` (v1alpha2 or v1alpha1)."""
    settings = settings or {}
    roles = []
    for role in ("processor", "prefill", "decode"):
        role_labels = dict(labels, **{COMPONENT: role})
        roles.append(_rbg.role_object(version, role, cfg[role]["replicas"],
                                      pod_template(role, cfg, derived, labels, settings),
                                      dependencies=None if role == "processor" else ["processor"],
                                      labels=role_labels))
    return {
        "apiVersion": "%s/%s" % (_rbg.GROUP, version),
        "kind": _rbg.KIND,
        "metadata": {"name": cfg["name"], "namespace": cfg["namespace"], "labels": dict(labels)},
        "spec": {"roles": roles},
    }


def frontend_service(cfg, labels):
    """The Service in front of the processor (the frontend's OpenAI API)."""
    service = cfg["service"]
    port = {"name": "http", "port": service["port"], "targetPort": cfg["ports"]["http"], "protocol": "TCP"}
    if service["type"] == "NodePort" and service["node_port"]:
        port["nodePort"] = service["node_port"]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": service["name"], "namespace": cfg["namespace"], "labels": dict(labels)},
        "spec": {"type": service["type"], "ports": [port],
                 "selector": {INSTANCE: labels[INSTANCE], COMPONENT: "processor"}},
    }
