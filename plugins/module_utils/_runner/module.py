# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The one ``main()`` of the pdserve modules whose work is a runner (private).

A runner (module_utils/_runner/<module>.py) exposes ``ARGUMENT_SPEC()`` (AnsibleModule keyword
arguments) and ``execute(params, check_mode[, diff]) -> dict`` (``failed`` / ``msg`` on
failure); as a separate process the module file runs it through ``run_module``, in the
controller's process the action plugin through plugins/plugin_utils/_inprocess.py.
"""
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule


def run_module(runner):
    """Run ``runner`` (a module of _runner/: ``ARGUMENT_SPEC()``, ``execute``, optional
    ``SUPPORTS_DIFF``) as the module process: exit_json with its result, fail_json on ``failed``."""
    module = AnsibleModule(supports_check_mode=True, **runner.ARGUMENT_SPEC())
    kwargs = {"diff": module._diff} if getattr(runner, "SUPPORTS_DIFF", False) else {}
    result = runner.execute(module.params, module.check_mode, **kwargs)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)
