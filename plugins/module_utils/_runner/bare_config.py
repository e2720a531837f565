# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.bare_config module (private: not a public API).

Validates the bare-hosts PD stack (module_utils/_bare/) and returns its containers.

``ARGUMENT_SPEC()`` and ``execute(params, check_mode)`` serve both the module file (documentation and
``main()``) and the in-process action plugin (plugins/plugin_utils/_inprocess.py).
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._bare import validate


def argspec():
    return dict(
        name=dict(type="str", required=True),
        hosts=dict(type="list", elements="dict", required=True),
        image=dict(type="str", required=True),
        model_path=dict(type="str", required=True),
        served_model_name=dict(type="str", required=True),
        tensor_parallel_size=dict(type="int"),
        server_args=dict(type="dict", default={}),
        scheduler_args=dict(type="dict", default={}),
        tools_path=dict(type="str", default="/home/ma-user/AscendCloud/AscendCloud-LLM/llm_tools"),
        work_dir=dict(type="str", required=True),
        container_work_dir=dict(type="str"),
        base_port=dict(type="int", default=8088),
        scheduler_port=dict(type="int", default=9000),
        no_proxy=dict(type="list", elements="str", default=[]),
        use_openai=dict(type="bool", default=True),
        log_dir=dict(type="str", default="/var/log/npu"),
        driver_dir=dict(type="str", default="/usr/local/Ascend/driver"),
        npu_smi=dict(type="str", default="/usr/local/sbin/npu-smi"),
        ascend_install_info=dict(type="str", default="/etc/ascend_install.info"),
        extra_volumes=dict(type="list", elements="str", default=[]),
    )


def ARGUMENT_SPEC():
    """AnsibleModule keyword arguments (the in-process action plugin validates with them too)."""
    return dict(argument_spec=argspec())


def execute(params, check_mode=False):
    """The module's result for ``params``; ``failed`` and ``msg`` set when an input breaks a rule."""
    checked = validate(params)
    result = {"changed": False, "derived": checked.derived, "errors": [str(e) for e in checked.errors],
              "error_details": [e.to_dict() for e in checked.errors]}
    if checked.errors:
        lines = result["errors"]
        result["failed"] = True
        plural = "" if len(lines) == 1 else "s"
        result["msg"] = "%d input error%s, nothing started:\n%s" % (len(lines), plural, "\n".join(lines))
    return result
