# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The Dynamo stack's pipeline: schema (defaults filled in), cross-field rules, the Dynamo file,
and what the shared stack steps read (``derived``, module_utils/_family.py)."""
from __future__ import annotations

import re

from ansible_collections.pdserve.cluster.plugins.module_utils._dynamo import config as _config
from ansible_collections.pdserve.cluster.plugins.module_utils._dynamo import rbg as _rbg
from ansible_collections.pdserve.cluster.plugins.module_utils._dynamo.schema import ROLES, SPEC
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    GPU_PRODUCT_LABEL,
    GPU_RESOURCE,
    stack_labels,
    system_path_rule,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    Ctx,
    ErrorsResult,
    copy_json,
    is_env_name,
    is_label_key,
    is_label_value,
    walk_schema,
)

#: The deploy mode of this family (the key the stack role's template table uses).
DEPLOY_MODE = "rolebasedgroup"
#: Scale: the only input keys that may differ from the deployed configuration.
SCALE_FIELDS = ("prefill.replicas", "decode.replicas")
_ETCD_RE = re.compile(r"^https?://[^/:\s]+:\d{1,5}/?$")
_NATS_RE = re.compile(r"^(nats|tls)://[^/:\s]+:\d{1,5}/?$")


class Result(ErrorsResult):
    """``ok``, ``errors`` (ConfigError list), ``config`` (the input with its defaults),
    ``dynamo_config`` (the file), ``derived``."""

    def __init__(self, errors, config, dynamo_config, derived):
        self.errors = errors
        self.config = config
        self.dynamo_config = dynamo_config
        self.derived = derived


def _check_env(env, path, ctx):
    for name, value in (env or {}).items():
        if not is_env_name(name):
            ctx.err("%s.%s" % (path, name), value, "must be a valid environment variable name")
        elif not isinstance(value, (str, int, float, bool)):
            ctx.err("%s.%s" % (path, name), value, "must be a string, number or boolean")


def _check_selector(selector, path, ctx):
    for key, value in (selector or {}).items():
        if not is_label_key(key):
            ctx.err("%s.%s" % (path, key), value, "must be a valid Kubernetes label key")
        elif not isinstance(value, str) or not (value == "" or is_label_value(value)):
            ctx.err("%s.%s" % (path, key), value, "must be a Kubernetes label value (a string)")


def _unique_ports(items, ctx):
    """``items``: (path, port) pairs that share one network namespace or one Service."""
    seen = {}
    for path, port in items:
        if port in seen:
            ctx.err(path, port, "is already used by %s: ports must be unique" % seen[port])
        else:
            seen[port] = path


def _rules(cfg, ctx):
    model = cfg["model"]
    source = model["source"]
    if source == "host_path":
        if not model["host_path"].startswith("/"):
            ctx.err("model.host_path", model["host_path"] or None,
                    "is required with model.source host_path: an absolute path on the nodes")
        elif system_path_rule(model["host_path"]):
            ctx.err("model.host_path", model["host_path"], system_path_rule(model["host_path"]))
    if source == "pv" and not (model["storage_class"] or model["csi"]):
        ctx.err("model.storage_class", model["storage_class"] or None,
                "model.source pv needs a storage class (a PVC it provisions) or model.csi (a static PV we make)")
    if model["csi"]:
        for key in ("driver", "volume_handle"):
            if not isinstance(model["csi"].get(key), str) or not model["csi"].get(key):
                ctx.err("model.csi.%s" % key, model["csi"].get(key), "is required for a static CSI PersistentVolume")
        if source != "pv":
            ctx.err("model.csi", model["csi"], "is used only with model.source pv")
    if model["storage_class"] and source != "pv":
        ctx.err("model.storage_class", model["storage_class"], "is used only with model.source pv")
    if model["host_path"] and source != "host_path":
        ctx.err("model.host_path", model["host_path"], "is used only with model.source host_path")
    if not model["path"].rstrip("/"):
        ctx.err("model.path", model["path"], "must name a folder below /")
    for name in ("etcd", "nats"):
        part = cfg[name]
        if part["deploy"] and not part["image"]:
            ctx.err("%s.image" % name, part["image"] or None, "is required when %s.deploy is true" % name)
    etcd, nats = cfg["etcd"], cfg["nats"]
    if etcd["deploy"] and etcd["endpoints"]:
        ctx.err("etcd.endpoints", etcd["endpoints"], "must be empty when etcd.deploy is true (we deploy it)")
    if not etcd["deploy"]:
        if not etcd["endpoints"]:
            ctx.err("etcd.endpoints", None, "is required when etcd.deploy is false: http://host:port, ...")
        for index, url in enumerate(etcd["endpoints"]):
            if not isinstance(url, str) or not _ETCD_RE.match(url):
                ctx.err("etcd.endpoints[%d]" % index, url, "must be http(s)://host:port")
    if nats["deploy"] and nats["url"]:
        ctx.err("nats.url", nats["url"], "must be empty when nats.deploy is true (we deploy it)")
    if not nats["deploy"] and not _NATS_RE.match(nats["url"] or ""):
        ctx.err("nats.url", nats["url"] or None, "is required when nats.deploy is false: nats://host:port")
    ports = cfg["ports"]
    _unique_ports([("ports.%s" % k, ports[k]) for k in ("http", "request", "api", "metrics")], ctx)
    _unique_ports([("etcd.client_port", etcd["client_port"]), ("etcd.peer_port", etcd["peer_port"])], ctx)
    _unique_ports([("nats.%s" % k, nats[k]) for k in ("client_port", "monitor_port", "cluster_port")], ctx)
    service = cfg["service"]
    if service["node_port"] and (service["type"] != "NodePort" or not 30000 <= service["node_port"] <= 32767):
        ctx.err("service.node_port", service["node_port"],
                "needs service.type NodePort and must be in the default NodePort range 30000-32767")
    if service["name"] in ("etcd", "nats") and (etcd["deploy"] or nats["deploy"]):
        ctx.err("service.name", service["name"], "is the name of our etcd / NATS Service")
    for role in ("processor", "prefill", "decode", "etcd", "nats"):
        _check_selector(cfg[role]["node_selector"], "%s.node_selector" % role, ctx)
        for index, tol in enumerate(cfg[role]["tolerations"]):
            if not isinstance(tol, dict):
                ctx.err("%s.tolerations[%d]" % (role, index), tol, "must be a toleration object")
    for role in ROLES:
        _check_env(cfg[role]["env"], "%s.env" % role, ctx)
    _check_env(cfg["env"], "env", ctx)
    if len(_rbg.workload_name(cfg["name"], "processor")) + 11 > 63:
        ctx.err("name", cfg["name"], "is too long: RBG's workload names <name>-<role> and their pods must stay within 63")


def endpoints(cfg):
    """The etcd endpoints and the NATS URL the pods are given (our Services' DNS names, or the
    endpoints the input names)."""
    ns = cfg["namespace"]
    etcd = (",".join(cfg["etcd"]["endpoints"]) if not cfg["etcd"]["deploy"]
            else "http://etcd.%s.svc:%d" % (ns, cfg["etcd"]["client_port"]))
    nats = cfg["nats"]["url"] if not cfg["nats"]["deploy"] else "nats://nats.%s.svc:%d" % (ns, cfg["nats"]["client_port"])
    return {"etcd": etcd, "nats": nats}


def _role(instances, gpus, selector, env):
    return {"instances": instances, "pods_per_instance": 1, "npus_per_pod": gpus, "total_npus": instances * gpus,
            "node_selector": dict(selector), "env": dict(env)}


def derive(cfg, doc):
    """What the shared stack steps and the templates read."""
    gpu_selector = {GPU_PRODUCT_LABEL: cfg["gpu_product"]} if cfg["gpu_product"] else {}
    roles = {
        "processor": _role(cfg["processor"]["replicas"], 0, cfg["processor"]["node_selector"], cfg["processor"]["env"]),
    }
    for name in ("prefill", "decode"):
        spec = cfg[name]
        roles[name] = _role(spec["replicas"], spec["gpus"], dict(gpu_selector, **spec["node_selector"]), spec["env"])
    for name in ("etcd", "nats"):
        if cfg[name]["deploy"]:
            roles[name] = _role(1, 0, cfg[name]["node_selector"], {})
    eps = endpoints(cfg)
    return {
        # the stack's instance label, which status / logs / uninstall find by namespace: the
        # namespace (the RoleBasedGroup keeps its own name)
        "job_id": cfg["namespace"],
        "namespace": cfg["namespace"],
        "deploy_mode": DEPLOY_MODE,
        "mode": DEPLOY_MODE,
        "roles": roles,
        "engine_roles": ["prefill", "decode"],
        "node_selector": gpu_selector,
        "tls": {"any": False},
        # the accelerator the preflight counts (the shared step reads hardware.npu_resource)
        "hardware": {"npu_resource": GPU_RESOURCE},
        "ports": {"frontend_node_port": cfg["service"]["node_port"]},
        "endpoints": eps,
        "dynamo_namespace": cfg["dynamo_namespace"] or cfg["namespace"],
        "served_model_name": _config.served_model(doc),
        "labels": stack_labels(cfg["namespace"]),
        "rbg_workloads": {role: _rbg.workload_name(cfg["name"], role) for role in ROLES},
    }


def validate(config):
    """Check ``config`` (the stack's input) and derive everything from it; every error at once."""
    ctx = Ctx()
    cfg = walk_schema(SPEC, copy_json(config if config is not None else {}), "", ctx, fresh=True)
    if ctx.errors:
        return Result(ctx.errors, cfg, {}, {})
    _rules(cfg, ctx)
    doc = _config.build(cfg)
    _config.rules(cfg, doc, ctx)
    if ctx.errors:
        return Result(ctx.errors, cfg, doc, {})
    return Result([], cfg, doc, derive(cfg, doc))
