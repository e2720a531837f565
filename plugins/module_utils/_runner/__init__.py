# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve modules (private: not a public API), in the spirit of kubernetes.core's
``module_utils/k8s/runner.py``.

A module file under plugins/modules/ holds DOCUMENTATION / EXAMPLES / RETURN and a ``main()``
that calls ``module.run_module(runner)``; the work lives here, one file per module: ``ARGUMENT_SPEC()``
(AnsibleModule keyword arguments, built with ``args.argument_spec``) and ``execute(params,
check_mode[, diff]) -> dict``. The in-process action plugins (plugins/plugin_utils/_inprocess.py)
import the same file, never the module file.
"""
