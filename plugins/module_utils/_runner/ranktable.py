# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The work of the pdserve.cluster.ranktable module (private: not a public API).

Generate, merge and validate HCCL global ranktables for PD disaggregation.

It runs on the managed host: ``argspec()`` and ``run(module)`` over the module's AnsibleModule.
"""
from __future__ import annotations

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.pdserve.cluster.plugins.module_utils import _ranktable as rt


def argspec():
    return dict(
        action=dict(type="str", required=True, choices=["gen", "merge", "validate"]),
        format=dict(type="str", default=rt.MINDIE_MOTOR, choices=list(rt.FORMATS)),
        hardware_type=dict(type="str", choices=list(rt.HARDWARE_TYPES)),
        status=dict(type="str", default="completed", choices=list(rt.STATUSES)),
        servers=dict(type="list", elements="dict"),
        device_ips=dict(type="dict"),
        host_ip=dict(type="str"),
        prefill_instances=dict(type="list", elements="raw"),
        decode_instances=dict(type="list", elements="raw"),
        api_server=dict(type="bool", default=False),
        ranktables=dict(type="list", elements="dict"),
        srcs=dict(type="list", elements="path"),
        src=dict(type="path"),
        ranktable=dict(type="dict"),
        partial=dict(type="bool", default=False),
        equal_device_counts=dict(type="bool", default=True),
        fail_on_invalid=dict(type="bool", default=True),
        dest=dict(type="path"),
        mode=dict(type="raw", default="0644"),
    )


# Options each action reads; any other given option is an error (a typo in the play).
_USES = {
    ("gen", rt.MINDIE_MOTOR): {"servers", "device_ips"},
    ("gen", rt.ASCENDCLOUD): {"host_ip", "prefill_instances", "decode_instances", "api_server", "device_ips"},
    ("merge", rt.MINDIE_MOTOR): {"ranktables", "srcs"},
    ("merge", rt.ASCENDCLOUD): {"ranktables", "srcs"},
    ("validate", rt.MINDIE_MOTOR): {"src", "ranktable", "fail_on_invalid"},
    ("validate", rt.ASCENDCLOUD): {"src", "ranktable", "fail_on_invalid"},
}
_SPECIFIC = {"servers", "device_ips", "host_ip", "prefill_instances", "decode_instances", "ranktables",
             "srcs", "src", "ranktable"}


def check_options(params):
    errors = []
    action, fmt = params["action"], params["format"]
    uses = _USES[(action, fmt)]
    for name in sorted(_SPECIFIC - uses):
        if params.get(name) not in (None, [], {}):
            errors.append("%s: is not used by action=%s format=%s (got a value)" % (name, action, fmt))
    if params["api_server"] and "api_server" not in uses:
        errors.append("api_server: is only used by action=gen format=ascendcloud (got true)")
    if action == "gen" and fmt == rt.MINDIE_MOTOR and not params.get("servers"):
        errors.append("servers: is required by action=gen format=mindie_motor (got nothing)")
    if action == "gen" and fmt == rt.ASCENDCLOUD and not params.get("host_ip"):
        errors.append("host_ip: is required by action=gen format=ascendcloud (got nothing)")
    if action == "merge" and not (params.get("ranktables") or params.get("srcs")):
        errors.append("ranktables: merge needs at least one table in ranktables or srcs (got nothing)")
    if action == "validate":
        if (params.get("src") is None) == (params.get("ranktable") is None):
            errors.append("src: validate needs exactly one of src and ranktable")
        if params.get("dest"):
            errors.append("dest: is not used by action=validate (got %s)" % params["dest"])
    return errors


def _dest_files(params, files, default_name):
    """[(path, text)] to write."""
    dest = params["dest"]
    if params["action"] == "gen" and params["format"] == rt.ASCENDCLOUD:
        return [(os.path.join(dest, name), rt.dumps(doc)) for name, doc in files.items()]
    (name, doc), = files.items()
    if os.path.isdir(dest) or params["dest"].endswith("/"):
        return [(os.path.join(dest, default_name), rt.dumps(doc))]
    return [(dest, rt.dumps(doc))]


def write_file(module, path, text, mode):
    """Write text to path when it differs; returns (changed, diff)."""
    before = None
    if os.path.exists(path):
        with open(path, "rb") as handle:
            before = handle.read().decode("utf-8", errors="replace")
    changed = before != text
    diff = {"before_header": path, "after_header": path, "before": before or "", "after": text}
    if changed and not module.check_mode:
        directory = os.path.dirname(path) or "."
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        fd, tmp = tempfile.mkstemp(prefix=".ranktable.", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(to_bytes(text))
        except Exception:
            os.unlink(tmp)
            raise
        module.atomic_move(tmp, path)
    if os.path.exists(path):
        changed = module.set_mode_if_different(path, mode, changed)
    return changed, diff


def run(module):
    params = module.params
    fmt = params["format"]
    action = params["action"]
    result = {"changed": False, "errors": [], "valid": False}
    errors = check_options(params)
    if errors:
        module.fail_json(msg="Bad options: " + "; ".join(errors), **dict(result, errors=errors))
    files = {}
    try:
        if action == "gen" and fmt == rt.MINDIE_MOTOR:
            doc = rt.build_mindie_motor(params["servers"], hardware_type=params["hardware_type"] or "800I_A2",
                                        status=params["status"], device_ips=params["device_ips"],
                                        equal_devices=params["equal_device_counts"], partial=params["partial"])
            files = {rt.MINDIE_MOTOR_FILE: doc}
        elif action == "gen":
            files = rt.build_ascendcloud(params["host_ip"], params["prefill_instances"], params["decode_instances"],
                                         params["api_server"], params["device_ips"], status=params["status"],
                                         equal_devices=params["equal_device_counts"])
            doc = next(iter(files.values()))
        elif action == "merge":
            named = []
            load_errors = []
            for path in params["srcs"] or []:
                try:
                    named.append((path, rt.load(path)))
                except rt.RanktableError as exc:
                    load_errors.extend(exc.errors)
            for i, item in enumerate(params["ranktables"] or []):
                named.append(("ranktables[%d]" % i, item))
            if load_errors:
                raise rt.RanktableError(load_errors)
            doc = rt.merge(named, fmt, hardware_type=params["hardware_type"],
                           equal_devices=params["equal_device_counts"])
            files = {rt.MINDIE_MOTOR_FILE if fmt == rt.MINDIE_MOTOR else rt.ASCENDCLOUD_MERGE_FILE: doc}
        else:
            doc, errors = _validate(params)
            result.update(ranktable=doc, errors=errors, valid=not errors)
            if errors and params["fail_on_invalid"]:
                module.fail_json(msg="The ranktable breaks %d rule(s): %s" % (len(errors), "; ".join(errors)),
                                 **result)
            if not errors:
                result["instances"] = rt.instances(doc, fmt)
            module.exit_json(**result)
    except rt.RanktableError as exc:
        result["errors"] = exc.errors
        module.fail_json(msg="%d problem(s), nothing written: %s" % (len(exc.errors), "; ".join(exc.errors)),
                         **result)
    result.update(ranktable=doc, files=files, valid=True, instances=rt.instances(doc, fmt))
    if params["dest"]:
        diffs = []
        paths = []
        default_name = rt.MINDIE_MOTOR_FILE if fmt == rt.MINDIE_MOTOR else rt.ASCENDCLOUD_MERGE_FILE
        for path, text in _dest_files(params, files, default_name):
            changed, diff = write_file(module, path, text, params["mode"])
            result["changed"] = result["changed"] or changed
            paths.append(path)
            if changed:
                diffs.append(diff)
        result["paths"] = paths
        if module._diff:
            result["diff"] = diffs
    module.exit_json(**result)


def _validate(params):
    fmt = params["format"]
    kwargs = dict(hardware_type=params["hardware_type"], partial=params["partial"],
                  equal_devices=params["equal_device_counts"])
    src = params["src"]
    if src is None:
        doc = params["ranktable"]
        return doc, rt.validate(doc, fmt, **kwargs)
    if os.path.isdir(src):
        if fmt == rt.MINDIE_MOTOR:
            src = os.path.join(src, rt.MINDIE_MOTOR_FILE)
        else:
            files = {}
            errors = []
            for name in sorted(os.listdir(src)):
                if name.endswith(".json") and name.startswith(("global_ranktable", "local_ranktable")):
                    try:
                        files[name] = rt.load(os.path.join(src, name))
                    except rt.RanktableError as exc:
                        errors.extend(exc.errors)
            if errors:
                return None, errors
            errors = rt.validate_ascendcloud_files(files, partial=params["partial"],
                                                   equal_devices=params["equal_device_counts"])
            globals_ = [n for n in files if n.startswith("global_ranktable")]
            return (files[globals_[0]] if len(globals_) == 1 else None), errors
    try:
        doc = rt.load(src)
    except rt.RanktableError as exc:
        return None, exc.errors
    return doc, rt.validate(doc, fmt, path="", **kwargs)
