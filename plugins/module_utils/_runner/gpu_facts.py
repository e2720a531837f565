# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.gpu_facts module (private: not a public API).

Gather facts about the NVIDIA GPUs of a node and its container runtime's NVIDIA runtime.

It runs on the managed host: ``argspec()`` and ``run(module)`` over the module's AnsibleModule.
"""
from __future__ import annotations

import os

from ansible_collections.pdserve.cluster.plugins.module_utils._gpu import NVIDIA_SMI_DIRS, GpuToolError, gather


def argspec():
    return dict(
        nvidia_smi_path=dict(type="str", default="nvidia-smi"),
        containerd_config_path=dict(type="path", default="/etc/containerd/config.toml"),
        docker_config_path=dict(type="path", default="/etc/docker/daemon.json"),
        expected_count=dict(type="int"),
    )


def _read(path):
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def run(module):
    """The module's work on an AnsibleModule made with argspec()."""
    params = module.params
    smi = params["nvidia_smi_path"]
    if "/" not in smi:
        smi = module.get_bin_path(smi, required=False, opt_dirs=list(NVIDIA_SMI_DIRS))
        if not smi:
            module.fail_json(msg="nvidia-smi not found on PATH or in %s: is the NVIDIA driver installed?"
                             % ", ".join(NVIDIA_SMI_DIRS))

    def run_command(argv):
        return module.run_command(argv, check_rc=False, environ_update={"LANG": "C", "LC_ALL": "C"})

    try:
        facts = gather(run_command, smi, _read(params["containerd_config_path"]), _read(params["docker_config_path"]),
                       params["expected_count"])
    except (GpuToolError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, gpu=facts, ansible_facts={"gpu": facts})
