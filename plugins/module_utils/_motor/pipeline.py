# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Entry points: :func:`build` (validate and render), :func:`validate`, :func:`render`,
:func:`warnings`."""
from __future__ import annotations

import json

from ansible_collections.pdserve.cluster.plugins.module_utils._motor.constants import (
    _FAMILY_RE,
    TLS_CHANNELS,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.derive import _derive
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.file_rules import _rules_files
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.model import (
    MotorConfigInvalid,
    normalize,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.render import _render_files
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.rules import (
    _rules_env,
    _rules_model,
    _rules_ports,
    _rules_rates,
    _server_ports,
)


def build(model):
    """Validate and render: ``(errors, files, derived)``; files and derived are ``{}`` on error."""
    errors, m = normalize(model)
    if errors or not m:
        return errors, {}, {}
    env_values = _rules_env(m, errors)
    effective = _rules_rates(m, env_values, errors)
    _rules_model(m, [k for k in ("p_world_size", "d_world_size") if isinstance(model, dict) and k in model],
                 errors)
    server_ports = _server_ports(m, errors)
    _rules_ports(m, server_ports, errors)
    if errors:
        return errors, {}, {}
    files = _render_files(m, server_ports, errors)
    if errors:
        return errors, {}, {}
    _rules_files(m, files, errors)
    if errors:
        return errors, {}, {}
    return [], files, _derive(m, files, server_ports, effective)


def validate(model):
    """Every broken rule of ``model`` as :class:`ConfigError`; ``[]`` when it is valid."""
    return build(model)[0]


def render(model):
    """``{"files": {name: dict}, "derived": {...}}``; raises :class:`MotorConfigInvalid` on bad input."""
    errors, files, derived = build(model)
    if errors:
        raise MotorConfigInvalid(errors)
    return {"files": files, "derived": derived}


def warnings(model):
    """Advice that does not block: TLS channels switched off, a model family the doc does not list."""
    errors, m = normalize(model)
    out = []
    if not m:
        return out
    tls = m.get("tls") or {}
    off = [c for c in TLS_CHANNELS if tls.get(c) is False]
    if off:
        out.append("TLS is off for %s: the doc recommends HTTPS everywhere (high network security risk "
                   "otherwise)" % ", ".join(off))
    name = m.get("model_name")
    if isinstance(name, str) and name.strip() and not _FAMILY_RE.search(name):
        out.append("model_name %s: the doc supports PD disaggregation for the LLaMA3 and Qwen2 series only"
                   % json.dumps(name))
    return out
