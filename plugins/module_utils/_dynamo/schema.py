# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The input of the Dynamo-on-RoleBasedGroup stack (engine: ``_schema``) and its defaults: the
users' document's 2P1D example (``dynamo-rbg-pd.md``: Qwen3-32B, 2 prefill and 1 decode workers
of 2 GPUs each with TP 2, a round-robin router, etcd and NATS deployed beside it, the model on
the PVC ``llm-model``)."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._schema import NO, Spec

MODEL_SOURCES = ("pvc", "pv", "host_path")
ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
#: Dynamo's router modes (the document's ``router`` key; ``kv`` routes by KV cache overlap).
ROUTERS = ("round-robin", "random", "kv")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
SERVICE_TYPES = ("ClusterIP", "NodePort")
#: The PD roles, in start order.
ROLES = ("processor", "prefill", "decode")

#: The images of the document's etcd StatefulSet and NATS Deployment.
DOC_ETCD_IMAGE = "ac2-registry.cn-hangzhou.cr.aliyuncs.com/ac2/etcd:3.6.1"
DOC_NATS_IMAGE = "ac2-registry.cn-hangzhou.cr.aliyuncs.com/ac2/nats:2.11.5"

#: The graph of the document (pd_disagg.py): the frontend, processor and router of Dynamo's
#: LLM example; the workers are served on their own.
DEFAULT_GRAPH = (
    "from components.frontend import Frontend\n"
    "from components.kv_router import Router\n"
    "from components.processor import Processor\n"
    "\n"
    "Frontend.link(Processor).link(Router)\n"
)


def _obj(keys, closed=True):
    return Spec("obj", default={}, keys=keys, closed=closed)


def _str(default=NO, check=None, enum=None, nonempty=False, required=False):
    return Spec("str", default=default, check=check, enum=enum, nonempty=nonempty, required=required)


def _int(default, lo=None, hi=None):
    return Spec("int", default=default, lo=lo, hi=hi)


def _port(default):
    return Spec("port", default=default)


def _scheduling():
    return {
        "node_selector": Spec("obj", default={}, closed=False),
        "tolerations": Spec("list", default=[]),
    }


def _resources(cpu, memory):
    return _obj({"cpu": _str(cpu, nonempty=True), "memory": _str(memory, check="quantity")})


def _worker(replicas, lo):
    return _obj(dict({
        "replicas": _int(replicas, lo, 64),
        "gpus": _int(2, 1, 64),
        "tensor_parallel_size": _int(2, 1, 64),
        "workers": _int(1, 1, 64),
        "gpu_memory_utilization": Spec("num", default=0.95, lo=0, hi=1, lo_open=True),
        "resources": _resources("12", "50Gi"),
        "env": Spec("obj", default={}, closed=False),
    }, **_scheduling()))


SPEC = Spec("obj", keys={
    "name": _str("dynamo-pd", check="name"),
    "namespace": _str("dynamo", check="name"),
    "image": _str(check="nonempty", required=True),
    "image_pull_policy": _str("IfNotPresent", enum=PULL_POLICIES),
    "served_model_name": _str("qwen", nonempty=True),
    "dynamo_name": _str("dynamo", nonempty=True),
    # Dynamo's own namespace (DYNAMO_NAMESPACE); the Kubernetes namespace when empty
    "dynamo_namespace": _str(""),
    "rp_timeout": _int(60, 1, 86400),
    "workdir": _str("/workspace/examples/llm", check="abspath"),
    "config_file": _str("qwen3.yaml", nonempty=True),
    "graph_file": _str("pd_disagg.py", nonempty=True),
    "graph": _str(DEFAULT_GRAPH, nonempty=True),
    "router": _str("round-robin", enum=ROUTERS),
    "model": _obj({
        "path": _str("/models/Qwen3-32B/", check="weightpath"),
        "source": _str("pvc", enum=MODEL_SOURCES),
        "claim_name": _str("llm-model", check="name"),
        "size": _str("30Gi", check="quantity"),
        "access_mode": _str("ReadOnlyMany", enum=ACCESS_MODES),
        "storage_class": _str(""),
        "csi": Spec("obj", default={}, closed=False),
        "host_path": _str(""),
        "max_model_len": _int(2048, 1, 10 ** 7),
        "max_num_batched_tokens": _int(2048, 1, 10 ** 7),
        "block_size": _int(128, 1, 4096),
    }),
    "processor": _obj(dict({
        "replicas": _int(1, 1, 16),
        "resources": _resources("8", "12Gi"),
        "env": Spec("obj", default={}, closed=False),
    }, **_scheduling())),
    "prefill": _worker(2, 0),
    "decode": _worker(1, 1),
    "gpu_product": _str(""),
    "ports": _obj({
        "http": _port(8000),
        "request": _port(9345),
        "api": _port(443),
        "metrics": _port(9347),
    }),
    "service": _obj({
        "name": _str("dynamo-service", check="name"),
        "type": _str("ClusterIP", enum=SERVICE_TYPES),
        "port": _port(8000),
        "node_port": _int(0, 0, 32767),
    }),
    "etcd": _obj(dict({
        "deploy": Spec("bool", default=True),
        "endpoints": Spec("list", default=[]),
        "image": _str(DOC_ETCD_IMAGE),
        "client_port": _port(2379),
        "peer_port": _port(2380),
        "resources": _resources("500m", "1Gi"),
    }, **_scheduling())),
    "nats": _obj(dict({
        "deploy": Spec("bool", default=True),
        "url": _str(""),
        "image": _str(DOC_NATS_IMAGE),
        "client_port": _port(4222),
        "monitor_port": _port(8222),
        "cluster_port": _port(6222),
        "resources": _resources("500m", "1Gi"),
    }, **_scheduling())),
    # Dynamo configuration sections merged over the ones we derive (Common, Frontend, Processor,
    # VllmWorker, PrefillWorker, ...): the file's own keys, as Dynamo reads them.
    "dynamo_config": Spec("obj", default={}, closed=False),
    "env": Spec("obj", default={}, closed=False),
    "rbg_version": _str("", enum=("", "v1alpha1", "v1alpha2")),
})
