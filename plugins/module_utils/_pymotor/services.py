# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The Services of a MindIE-PyMotor stack, the *_SERVICE variables that name them, the DNS
names of the per-pod certificates, and the controller's RBAC."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import COMPONENT
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.constants import (
    CONTROLLER_OBS_NODE_PORT,
    COORDINATOR_OBS_NODE_PORT,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.contract_facts import (
    DEVICE_INFO_NAMESPACE,
    ISS_NAME,
    ISS_ROLE,
    SA_CONTROLLER,
    SA_NONE,
)


def service_fqdn(name, namespace):
    return "%s.%s.svc.cluster.local" % (name, namespace)


def with_obs_node_ports(d):
    """``d`` with the observability NodePorts upstream's templates fix (coordinator_template.yaml,
    controller_template.yaml) when the configuration does not set them."""
    ports = dict(d["ports"])
    ports.setdefault("coordinator_obs_node_port", COORDINATOR_OBS_NODE_PORT)
    ports.setdefault("controller_obs_node_port", CONTROLLER_OBS_NODE_PORT)
    return dict(d, ports=ports)


def _services(d, mode, iss_name, labels):
    """Every Service the stack defines: [{component, short, name, type, ports, selector}].

    ``short`` is the name inside an InferServiceSet role, ``name`` the Service the cluster gets
    (the operator's ``<short>-<iss>-0-<role>``; or our own object's name)."""
    ports = d["ports"]
    out = []

    def add(component, short, multi_name, kind, port_list):
        role = ISS_ROLE.get(component, component)
        name = "%s-%s-0-%s" % (short, iss_name, role) if mode == "infer_service_set" else multi_name
        selector = dict(labels, **{COMPONENT: component})
        out.append({"component": component, "short": short, "name": name, "type": kind,
                    "ports": port_list, "selector": selector})

    def port(name, number, node_port=None):
        item = {"name": name, "port": number, "targetPort": number, "protocol": "TCP"}
        if node_port:
            item["nodePort"] = node_port
        return item

    if mode == "single_container":
        # upstream's single_container_template.yaml: the inference NodePort only; the
        # components inside reach each other on the pod IP.
        add("single_container", "", "%s-coordinator-service" % d["job_id"], "NodePort",
            [port("infer", ports["coordinator_infer"], ports["coordinator_node_port"])])
        return out
    iss = mode == "infer_service_set"
    add("controller", "mindie-motor-service", "mindie-motor-controller-service", "ClusterIP",
        [port("api", ports["controller_api"])])
    add("controller", "mindie-motor-observability", "mindie-motor-controller-observability-service", "NodePort",
        [port("obs", ports["controller_obs"], ports["controller_obs_node_port"])])
    add("coordinator", "mindie-motor-coordinator-infer", "mindie-motor-coordinator-infer", "NodePort",
        [port("infer", ports["coordinator_infer"], ports["coordinator_node_port"])])
    add("coordinator", "mindie-motor-coordinator-mgmt", "mindie-motor-coordinator-mgmt", "ClusterIP",
        [port("mgmt", ports["coordinator_mgmt"])])
    add("coordinator", "mindie-motor-coordinator-obs", "mindie-motor-coordinator-obs", "NodePort",
        [port("obs", ports["coordinator_obs"], ports["coordinator_obs_node_port"])])
    if d["kv_pool"]["enabled"]:
        add("kv_pool", "kvp-master", "kvp-master", "ClusterIP", [port("kvp", d["kv_pool"]["port"])])
    if ports.get("kv_conductor"):
        add("kv_conductor", "kv-conductor", "kv-conductor", "ClusterIP", [port("http", ports["kv_conductor"])])
    del iss
    return out


def cert_dns_names(config):
    """{component: [Service FQDN, ...]}: the names clients use to reach each component's
    Services (the *_SERVICE variables), for the per-pod certificates' DNS SANs.

    With management TLS on, motor's clients verify the server's host name: the node manager
    registers with https://$CONTROLLER_SERVICE:<port> (a Service name), so a certificate naming
    only the pod IP fails with "Hostname mismatch" (seen with 3.0.0b2 on the sandbox's node)."""
    d = config["derived"]
    mode = d["deploy_mode"]
    if mode == "single_container":
        return {}
    iss_name = ISS_NAME.get(d.get("engine_type") or "vllm", "mindie-server")
    out = {}
    for svc in _services(with_obs_node_ports(d), mode, iss_name, {}):
        if svc["component"] in ("controller", "coordinator"):
            out.setdefault(svc["component"], []).append(service_fqdn(svc["name"], d["namespace"]))
    return out


def _service_env(services, namespace, mode):
    """The *_SERVICE variables: the FQDN of the Service that serves each port."""
    if mode == "single_container":
        return {name: "$(POD_IP)" for name in ("CONTROLLER_SERVICE", "COORDINATOR_SERVICE",
                                               "COORDINATOR_INFER_SERVICE", "COORDINATOR_OBS_SERVICE")}
    by_port = {}
    for svc in services:
        for p in svc["ports"]:
            by_port[(svc["component"], p["name"])] = service_fqdn(svc["name"], namespace)
    env = {
        "CONTROLLER_SERVICE": by_port[("controller", "api")],
        "COORDINATOR_SERVICE": by_port[("coordinator", "mgmt")],
        "COORDINATOR_INFER_SERVICE": by_port[("coordinator", "infer")],
        "COORDINATOR_OBS_SERVICE": by_port[("coordinator", "obs")],
    }
    if ("kv_pool", "kvp") in by_port:
        env["KVP_MASTER_SERVICE"] = by_port[("kv_pool", "kvp")]
    if ("kv_conductor", "http") in by_port:
        env["KV_CONDUCTOR_SERVICE"] = by_port[("kv_conductor", "http")]
    return env


def rbac(job_id, namespace, labels):
    """ServiceAccounts and the controller's read-only access.

    The controller (motor/controller/fault_tolerance/k8s/) lists pods of all namespaces by
    status.podIP, watches its node, and watches kube-system/mindx-dl-deviceinfo-<node>: get,
    list and watch on pods and nodes (cluster-wide: the pod lookup is across namespaces) and on
    ConfigMaps in kube-system. Nothing else, for nobody else: no pod may write motor-config,
    whose boot.sh every pod runs. (Node names are not known when rendering, so the kube-system
    grant cannot name the device-info ConfigMaps one by one.)"""
    name = "pdserve-%s-controller" % job_id
    meta = {"labels": dict(labels)}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": dict(meta, name=SA_NONE, namespace=namespace), "automountServiceAccountToken": False},
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": dict(meta, name=SA_CONTROLLER, namespace=namespace), "automountServiceAccountToken": True},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": dict(meta, name=name),
         "rules": [{"apiGroups": [""], "resources": ["pods", "nodes"], "verbs": ["get", "list", "watch"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": dict(meta, name=name),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
         "subjects": [{"kind": "ServiceAccount", "name": SA_CONTROLLER, "namespace": namespace}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": dict(meta, name=name + "-deviceinfo", namespace=DEVICE_INFO_NAMESPACE),
         "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": dict(meta, name=name + "-deviceinfo", namespace=DEVICE_INFO_NAMESPACE),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name + "-deviceinfo"},
         "subjects": [{"kind": "ServiceAccount", "name": SA_CONTROLLER, "namespace": namespace}]},
    ]
