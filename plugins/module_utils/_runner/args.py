# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The one argument spec helper of the pdserve modules (private: not a public API), in the spirit
of kubernetes.core's ``args_common.py``.

Each shared option set here has a doc fragment with the same options (validate-modules checks
that they match):

- the API connection options: kubernetes.core's ``AUTH_ARG_SPEC``, doc fragment
  ``kubernetes.core.k8s_auth_options``;
- ``namespace`` (the stack's namespace, required): doc fragment ``pdserve.cluster.stack.namespace``;
- ``namespace`` and ``job_id`` (the stack's instance label, defaults to the namespace): doc
  fragment ``pdserve.cluster.stack``;
- ``namespace``, ``ctr_path`` and ``docker_path`` of the node modules (the container runtime's
  image store): doc fragment ``pdserve.cluster.container_runtime``.

Standard library only, and no import of the Kubernetes client: the node modules ship this file
to the nodes (AnsiballZ bundles every module_utils file a module imports, function bodies
included), so the API modules hand in kubernetes.core's options themselves.
"""
from __future__ import annotations

import copy

SHARED = {
    "namespace": dict(type="str", required=True),
    "job_id": dict(type="str"),
}


def kube_argument_spec(auth, shared=("namespace", "job_id"), **options):
    """AnsibleModule keyword arguments of a module that talks to the API: the connection options
    ``auth`` (``_kube.client.auth_argument_spec()``), the ``shared`` options named (see SHARED),
    then the module's own ``options``."""
    spec = dict(auth)
    for name in shared:
        spec[name] = copy.deepcopy(SHARED[name])
    spec.update(options)
    return dict(argument_spec=spec)


def container_runtime_options(**options):
    """The node modules' options for the container runtime's image store, then their own."""
    spec = dict(
        namespace=dict(type="str", default="k8s.io"),
        ctr_path=dict(type="str", default="ctr"),
        docker_path=dict(type="str", default="docker"),
    )
    spec.update(options)
    return spec
