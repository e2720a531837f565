# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""MindIE Motor (the older, C++ generation) PD disaggregation configuration files (private API).

One input model (a plain dict, see ``docs/motor_config.md``) -> the four files MindIE Motor's
``kubernetes_deploy_scripts`` put into their ``conf`` ConfigMap, rendered and validated together:

- ``ms_controller.json`` (controller), ``ms_coordinator.json`` (coordinator),
- ``config.json`` (MindIE Server; single container: ``config1.json`` .. ``config<N>.json``, one per
  server process, the names the upstream ``boot.sh`` reads with ``MINDIE_MS_GEN_SERVER_PORT=false``),
- ``http_client_ctl.json`` (the probe client).

Three shapes: ``multi_machine`` (controller, coordinator and server Deployments, server replicas
= P + D), ``single_container`` (one pod runs everything) and ``heterogeneous`` (P on 800I A2 32G
nodes, D on 800I A2 64G nodes, chosen by a node label).

Its modules, by job: ``constants`` (the document's facts), ``model`` (schema and
:func:`normalize`), ``rules`` (rules on the model), ``render`` (the four files), ``file_rules``
(the files must agree), ``derive`` (what the stack steps read), ``pipeline`` (the entry points),
``ranktable`` (the global ranktable from the deployed pods).

Public names:

- :func:`validate` ``(model) -> [ConfigError]`` every broken rule, never raises for bad input
- :func:`render` ``(model) -> {"files": {name: dict}, "derived": {...}}``; raises
  :class:`MotorConfigInvalid` (carrying ``.errors``) when the model is invalid
- :func:`build` ``(model) -> (errors, files, derived)`` both at once (files / derived empty on error)
- :func:`warnings` ``(model) -> [str]`` advice that does not block (TLS off, model family)
- :func:`normalize` ``(model) -> (errors, normalized model with defaults)``
- :func:`stack_view` ``(derived) -> dict`` the derived values in the shape the stack role reads

Rules come from ``mindie-motor-pd-disaggregation.md`` (cited as "doc") unless marked "upstream"
(MindIE Motor's own config checks, e.g. ports >= 1024, rates <= 767). Errors are
:class:`~._schema.ConfigError` so they read the same as ``validate_config``'s. Paths of the model
are dotted (``ports.server.port``); paths inside a rendered file are ``<file>:<dotted path>``.

Only the standard library and this collection's module_utils are used (shipped to the host).
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._motor.constants import (
    CONTROLLER_FILE,
    COORDINATOR_FILE,
    PROBE_FILE,
    SERVER_FILE,
    SHAPES,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.derive import POD_NAMES, SERVER_PODS, stack_view
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.model import MotorConfigInvalid, SCHEMA, normalize
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.pipeline import build, render, validate, warnings
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.render import server_file_names

__all__ = [
    "MotorConfigInvalid",
    "build",
    "normalize",
    "render",
    "server_file_names",
    "stack_view",
    "validate",
    "warnings",
    "POD_NAMES",
    "SCHEMA",
    "SERVER_PODS",
    "SHAPES",
    "CONTROLLER_FILE",
    "COORDINATOR_FILE",
    "SERVER_FILE",
    "PROBE_FILE",
]
