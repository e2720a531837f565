# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""TLS of a MindIE-PyMotor configuration: the rules of the ``tls_config`` sections and the
one TLS default policy (:func:`_default_tls`: inference and management TLS on, with the per-pod
certificate files, unless the user says otherwise)."""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.constants import (
    TLS_DEFAULT_FILES,
    TLS_DEFAULT_SECTIONS,
    TLS_FILES_REQUIRED,
    TLS_FOREIGN_KEYS,
    TLS_KEYS,
    TLS_SECTIONS,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    join,
)


def _rules_tls(user, ctx):
    deploy = user["motor_deploy_config"]
    tls = deploy.get("tls_config")
    out = {}
    if tls is not None and not isinstance(tls, dict):
        return {name.replace("_tls_config", ""): False for name in TLS_SECTIONS}
    tls = tls if tls is not None else {}
    for name in TLS_SECTIONS:
        short = name.replace("_tls_config", "")
        item = tls.get(name)
        base = join("motor_deploy_config.tls_config", name)
        if not isinstance(item, dict) or ctx.is_bad(base):
            out[short] = False
            continue
        for foreign, right in sorted(TLS_FOREIGN_KEYS.items()):
            if foreign in item:
                # Upstream's deployer passes it on; motor/config/tls_config.py drops it.
                ctx.err(join(base, foreign), item[foreign],
                        "is not read by MindIE-PyMotor (motor/config/tls_config.py keeps only %s and "
                        "silently drops other keys, so this setting would have no effect%s); write %s"
                        % (", ".join(TLS_KEYS), " and TLS would stay off" if foreign == "tls_enable" else "",
                           right))
        enabled = item.get("enable_tls") is True
        out[short] = enabled
        if not enabled:
            continue
        for key in TLS_FILES_REQUIRED:
            value = item.get(key, ABSENT)
            path = join(base, key)
            if ctx.is_bad(path):
                continue
            if value is ABSENT or value == "":
                ctx.err(path, value, "is required when TLS is enabled (%s.enable_tls is true)" % name)
            elif not value.startswith("/"):
                ctx.err(path, value, "must be an absolute path inside the container")
    # Upstream defect handled here: with management TLS on, the engine side of the runtime
    # (config_utils._update_engine_server_tls_config) reads infer_tls_config's enable_tls and
    # its key / cert / CA files even when inference TLS is off: a KeyError without them.
    mgmt, infer = tls.get("mgmt_tls_config"), tls.get("infer_tls_config")
    if out.get("mgmt") and isinstance(infer, dict) and not ctx.is_bad("motor_deploy_config.tls_config.infer_tls_config"):
        for key in ("key_file", "cert_file", "ca_file"):
            if not infer.get(key):
                ctx.err("motor_deploy_config.tls_config.infer_tls_config.%s" % key, infer.get(key, ABSENT),
                        "is required while mgmt_tls_config.enable_tls is true: MindIE-PyMotor's engine "
                        "side reads the inference section's files for the KV transfer then, even with "
                        "inference TLS off")
    elif out.get("mgmt") and not isinstance(infer, dict):
        ctx.err("motor_deploy_config.tls_config.infer_tls_config", ABSENT,
                "is required while mgmt_tls_config.enable_tls is true (MindIE-PyMotor's engine side "
                "reads its enable_tls and files then)")
    del mgmt
    out["any"] = any(out.values())
    return out


def _default_tls(user, cert_dir):
    """Turn TLS on in TLS_DEFAULT_SECTIONS where the user did not say (enable_tls), with the
    files the per-pod generator writes into ``cert_dir``; a section the user turned off keeps
    enable_tls false but gets the files it lacks (the runtime's engine side reads the inference
    section's files while management TLS is on). Returns the sections turned off explicitly."""
    deploy = user.get("motor_deploy_config")
    if not isinstance(deploy, dict):
        return []
    tls = deploy.setdefault("tls_config", {})
    if not isinstance(tls, dict):
        return []  # the schema reports it
    off = []
    for name in TLS_DEFAULT_SECTIONS:
        item = tls.setdefault(name, {})
        if not isinstance(item, dict):
            continue
        if any(k in item for k in TLS_FOREIGN_KEYS):
            continue  # reported by _rules_tls; filling in would hide the mistake
        if "enable_tls" in item:
            if item["enable_tls"] is not True:
                off.append(name)
        else:
            item["enable_tls"] = True
        for key, filename in TLS_DEFAULT_FILES:
            item.setdefault(key, cert_dir.rstrip("/") + "/" + filename)
    return off


def _tls_warnings(off):
    return ["TLS is off for motor_deploy_config.tls_config.%s (enable_tls: false): its traffic travels "
            "unencrypted and unauthenticated. Remove the setting to get TLS with per-pod certificates "
            "(the default)." % name for name in off]
