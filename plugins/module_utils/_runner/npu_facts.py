# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.npu_facts module (private: not a public API).

Gather facts about the Ascend NPUs of a node (device IPs, links, health).

It runs on the managed host: ``argspec()`` and ``run(module)`` over the module's AnsibleModule.
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._npu import (
    HCCN_TOOL_DIRS,
    NPU_SMI_DIRS,
    NpuToolError,
    find_tool,
    gather,
)


def argspec():
    return dict(
        npu_smi_path=dict(type="str", default="npu-smi"),
        hccn_tool_path=dict(type="str", default="hccn_tool"),
        hccn_conf_path=dict(type="path", default="/etc/hccn.conf"),
    )


def run(module):
    """The module's work on an AnsibleModule made with argspec()."""
    params = module.params

    def which(name, dirs):
        return module.get_bin_path(name, required=False, opt_dirs=dirs)

    def run(argv):
        return module.run_command(argv, check_rc=False, environ_update={"LANG": "C", "LC_ALL": "C"})

    try:
        npu_smi = find_tool(params["npu_smi_path"], NPU_SMI_DIRS, which)
        hccn_tool = find_tool(params["hccn_tool_path"], HCCN_TOOL_DIRS, which)
        facts = gather(run, npu_smi, hccn_tool, params["hccn_conf_path"])
    except NpuToolError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, npu=facts, ansible_facts={"npu": facts})
