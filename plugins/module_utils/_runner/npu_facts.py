# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.npu_facts module (private: not a public API).

Gather facts about the Ascend NPUs of a node (device IPs, links, health). ``facts`` is also what
node_prepare_probe runs with its O(npu_check) (one module run per node instead of two).

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


def facts(params, run_command, get_bin_path):
    """The NPU facts of this node (``gather``) with the tools found as the module finds them;
    raises NpuToolError. ``run_command`` / ``get_bin_path`` are AnsibleModule's."""

    def which(name, dirs):
        return get_bin_path(name, required=False, opt_dirs=dirs)

    def run(argv):
        return run_command(argv, check_rc=False, environ_update={"LANG": "C", "LC_ALL": "C"})

    npu_smi = find_tool(params["npu_smi_path"], NPU_SMI_DIRS, which)
    hccn_tool = find_tool(params["hccn_tool_path"], HCCN_TOOL_DIRS, which)
    return gather(run, npu_smi, hccn_tool, params["hccn_conf_path"])


def run(module):
    """The module's work on an AnsibleModule made with argspec()."""
    try:
        npu = facts(module.params, module.run_command, module.get_bin_path)
    except NpuToolError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, npu=npu, ansible_facts={"npu": npu})
