# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""prefill.sh / decode.sh of the kthena_mooncake stack (private API).

Each script is the document's: the NIC and HCCL / GLOO / TP socket interface, the role's
environment, ``MOONCAKE_ENGINE_ID`` from the pod's Kthena group and role-id labels (the pod gets
them as GROUP_NAME / ROLE_ID through the downward API), then ``vllm serve`` with the role's DP / TP
and ports and ``--kv-transfer-config`` for ``MooncakeConnectorV1``. vLLM-Ascend's Mooncake
connector reads kv_port, engine_id and kv_connector_extra_config.{prefill,decode}.{dp_size,
tp_size} (vllm_ascend/distributed/kv_transfer/kv_p2p/mooncake_connector.py).

:func:`serve_argv` is the argument list ``vllm`` receives, with the pod's values (``$POD_IP``,
the engine id) as the placeholders :data:`POD_IP` / :data:`ENGINE_ID`: the tests run the script
with a recording ``vllm`` and compare its arguments with this list.
"""
from __future__ import annotations

import json
import shlex

from ansible_collections.pdserve.cluster.plugins.module_utils._kthena.inputs import KV_ROLE

POD_IP = "${POD_IP}"
ENGINE_ID = "${MOONCAKE_ENGINE_ID}"
#: A marker replaced by the shell's engine id in the JSON of --kv-transfer-config.
_ENGINE_MARK = "@@ENGINE_ID@@"


def kv_extra_config(config):
    """kv_connector_extra_config: the configured keys plus each role's real DP / TP sizes."""
    out = dict(config["kv_connector_extra_config"])
    for role in ("prefill", "decode"):
        spec = config["roles"][role]
        out[role] = {"dp_size": spec["dp"], "tp_size": spec["tp"]}
    return out


def kv_transfer_config(config, role, engine_id=_ENGINE_MARK):
    """The --kv-transfer-config object of ``role`` (kv_port a string, as the document writes it)."""
    return {"kv_connector": config["kv_connector"], "kv_role": KV_ROLE[role],
            "kv_port": str(config["roles"][role]["kv_port"]), "engine_id": engine_id,
            "kv_connector_module_path": config["kv_connector_module_path"],
            "kv_connector_extra_config": kv_extra_config(config)}


def serve_argv(config, role, pod_ip=POD_IP, engine_id=ENGINE_ID):
    """The arguments after ``vllm`` (``serve``, the model, the flags) with the pod's values."""
    spec = config["roles"][role]
    argv = ["serve", config["model_path"], "--host", pod_ip, "--port", str(spec["port"]),
            "--data-parallel-size", str(spec["dp"])]
    if spec.get("dp_local") is not None:
        argv += ["--data-parallel-size-local", str(spec["dp_local"])]
    argv += ["--data-parallel-address", pod_ip, "--data-parallel-rpc-port", str(spec["dp_rpc_port"]),
             "--tensor-parallel-size", str(spec["tp"]), "--served-model-name", config["served_model_name"]]
    argv += [str(a) for a in spec["extra_args"]]
    argv += ["--kv-transfer-config", json.dumps(kv_transfer_config(config, role, engine_id), separators=(", ", ": "))]
    return argv


def script(config, role):
    """The text of ``<role>.sh``."""
    spec = config["roles"][role]
    lines = ["#!/bin/bash",
             "# %s.sh of the kthena_mooncake stack %s (rendered by pdserve.cluster)" % (role, config["name"]),
             "set -e",
             "nic_name=%s" % shlex.quote(config["nic_name"]),
             'local_ip="$POD_IP"',
             'export HCCL_IF_IP="$local_ip"',
             'export GLOO_SOCKET_IFNAME="$nic_name"',
             'export TP_SOCKET_IFNAME="$nic_name"',
             'export HCCL_SOCKET_IFNAME="$nic_name"']
    for key, value in spec["env"].items():
        lines.append("export %s=%s" % (key, shlex.quote(str(value))))
    lines.append('export MOONCAKE_ENGINE_ID="${GROUP_NAME}_${ROLE_ID}"')
    words = []
    for arg in serve_argv(config, role, pod_ip=_ENGINE_MARK + "IP", engine_id=_ENGINE_MARK):
        if arg == _ENGINE_MARK + "IP":
            words.append('"$POD_IP"')
        elif _ENGINE_MARK in arg:
            # the JSON in single quotes, the engine id spliced in from the shell (double-quoted)
            quoted = arg.replace("'", "'\\''")
            words.append("'" + quoted.replace(_ENGINE_MARK, "'\"${MOONCAKE_ENGINE_ID}\"'") + "'")
        else:
            words.append(shlex.quote(arg))
    # one flag and its value per line, as the document writes them
    rows = [words[0] + " " + words[1]]
    for word in words[2:]:
        if rows[-1].startswith("--") and " " not in rows[-1] and not word.startswith("--"):
            rows[-1] += " " + word
        else:
            rows.append(word)
    lines.append("exec %s %s" % (shlex.quote(config["vllm"]), " \\\n  ".join(rows)))
    return "\n".join(lines) + "\n"
