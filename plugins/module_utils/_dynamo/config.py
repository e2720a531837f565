# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The Dynamo configuration file (the document's ``qwen3.yaml``) and its rules.

Dynamo's ``ServiceConfig.as_args`` (``dynamo.sdk`` of ai-dynamo 0.1/0.2, read in its source)
turns a section of this file into a component's command-line arguments: every key of the section
but ``ServiceArgs`` and ``common-configs``, plus each key listed in ``common-configs`` that
``Common`` has and the section does not set. A listed key that neither ``Common`` nor the section
has is silently dropped: we refuse it. ``ServiceArgs`` (``workers``, ``resources.gpu``) sizes the
worker processes of a component.
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._schema import ConfigError, copy_json, merge

COMMON = "Common"
COMMON_KEY = "common-configs"
#: The sections of the document's file, by the role that reads them.
SECTIONS = {"processor": ("Frontend", "Processor"), "prefill": ("PrefillWorker",), "decode": ("VllmWorker",)}
WORKER_SECTION = {"prefill": "PrefillWorker", "decode": "VllmWorker"}


def base_config(cfg):
    """The file the document writes, with its values taken from the input ``cfg``."""
    model = cfg["model"]
    common = {
        "model": model["path"],
        "kv-transfer-config": '{"kv_connector":"DynamoNixlConnector"}',
        "router": cfg["router"],
        "block-size": model["block_size"],
        "max-model-len": model["max_model_len"],
        "max-num-batched-tokens": model["max_num_batched_tokens"],
        "disable-log-requests": True,
    }

    def worker(role, extra, keys):
        spec = cfg[role]
        out = {COMMON_KEY: keys}
        out.update(extra)
        out.update({
            "gpu-memory-utilization": spec["gpu_memory_utilization"],
            "tensor-parallel-size": spec["tensor_parallel_size"],
            "ServiceArgs": {"workers": spec["workers"], "resources": {"gpu": spec["tensor_parallel_size"]}},
        })
        return out

    return {
        COMMON: common,
        "Frontend": {
            "served_model_name": cfg["served_model_name"],
            "endpoint": "%s.Processor.chat/completions" % cfg["dynamo_name"],
            "port": cfg["ports"]["http"],
        },
        "Processor": {COMMON_KEY: ["model", "router"]},
        "VllmWorker": worker("decode", {"remote-prefill": True, "conditional-disagg": False},
                             ["model", "kv-transfer-config", "router", "block-size", "max-model-len",
                              "disable-log-requests"]),
        "PrefillWorker": worker("prefill", {},
                                ["model", "kv-transfer-config", "block-size", "max-model-len",
                                 "max-num-batched-tokens", "gpu-memory-utilization", "disable-log-requests"]),
    }


def build(cfg):
    """The file: our base with the input's ``dynamo_config`` sections merged over it."""
    return merge(base_config(cfg), copy_json(cfg.get("dynamo_config") or {}))


def rules(cfg, doc, ctx):
    """Cross-field rules of the merged file ``doc`` against the input ``cfg``."""
    common = doc.get(COMMON)
    if common is not None and not isinstance(common, dict):
        ctx.err("dynamo_config.Common", common, "must be an object")
        common = {}
    common = common or {}
    for section, body in sorted(doc.items()):
        if not isinstance(body, dict):
            ctx.err("dynamo_config.%s" % section, body, "must be an object (a section of the Dynamo configuration)")
            continue
        keys = body.get(COMMON_KEY)
        if keys is None:
            continue
        path = "dynamo_config.%s.%s" % (section, COMMON_KEY)
        if not isinstance(keys, list):
            ctx.err(path, keys, "must be a list of keys of the Common section")
            continue
        for index, key in enumerate(keys):
            if key not in common and key not in body:
                ctx.err("%s[%d]" % (path, index), key,
                        "is neither a key of Common (%s) nor set in %s: Dynamo would drop it silently"
                        % (", ".join(sorted(common)) or "empty", section))
    for role, section in sorted(WORKER_SECTION.items()):
        body = doc.get(section)
        if not isinstance(body, dict):
            ctx.err("dynamo_config.%s" % section, body, "is required: the %s workers read it" % role)
            continue
        spec = cfg[role]
        tp = body.get("tensor-parallel-size")
        args = body.get("ServiceArgs") if isinstance(body.get("ServiceArgs"), dict) else {}
        workers = args.get("workers", 1)
        per_worker = (args.get("resources") or {}).get("gpu", tp) if isinstance(args.get("resources"), dict) else tp
        if tp != spec["tensor_parallel_size"]:
            ctx.err("dynamo_config.%s.tensor-parallel-size" % section, tp,
                    "must equal %s.tensor_parallel_size (%s): the pod's GPUs are sized from it"
                    % (role, spec["tensor_parallel_size"]))
        if per_worker != tp:
            ctx.err("dynamo_config.%s.ServiceArgs.resources.gpu" % section, per_worker,
                    "must equal the tensor parallel size (%s): each worker process runs one TP group" % tp)
        if workers != spec["workers"]:
            ctx.err("dynamo_config.%s.ServiceArgs.workers" % section, workers,
                    "must equal %s.workers (%s)" % (role, spec["workers"]))
        if isinstance(tp, int) and isinstance(workers, int) and tp * workers != spec["gpus"]:
            ctx.err("%s.gpus" % role, spec["gpus"],
                    "must equal tensor_parallel_size x workers (%s x %s = %s): each worker process "
                    "uses one GPU per TP rank" % (tp, workers, tp * workers))
    frontend = doc.get("Frontend") if isinstance(doc.get("Frontend"), dict) else {}
    if frontend.get("port", cfg["ports"]["http"]) != cfg["ports"]["http"]:
        ctx.err("dynamo_config.Frontend.port", frontend.get("port"),
                "must equal ports.http (%s): the Service and the probe reach the frontend there"
                % cfg["ports"]["http"])
    return ctx


def served_model(doc):
    """The model name the frontend answers to."""
    return ((doc.get("Frontend") or {}).get("served_model_name"))


__all__ = ["build", "rules", "served_model", "ConfigError"]
