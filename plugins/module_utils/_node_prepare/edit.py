# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Text edits of node files and their undo, computed as text so a file is written only when a
byte must change: kubelet config keys, daemon.json log-opts, the fstab swap lines.

The fstab rule (which lines are swap entries, and the marker the role appends when it comments
one out) lives here only: the role's Jinja reads it through the ``fstab_swap_off`` filter
(plugins/filter/node_prepare.py).
"""

from __future__ import annotations

import json
import re

_PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")

# A live (not commented) fstab entry of type swap, and the marker node_prepare appends to the line
# it comments out (reset uncomments only lines carrying it).
FSTAB_SWAP_LINE = r"^(\s*[^#\s]\S*\s+\S+\s+swap\s.*)$"
FSTAB_MARK = "  # swap off for the kubelet (pdserve node_prepare)"
FSTAB_SWAP_OFF = "# \\1" + FSTAB_MARK  # the replacement of FSTAB_SWAP_LINE (re.sub / ansible.builtin.replace)


def _yaml_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if _PLAIN_SCALAR.match(text) else json.dumps(text)


def _unquote(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _plain(value):
    """The text a YAML scalar value compares as (what _unquote returns for it)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _find_top_level_key(lines, key):
    """(index, end, value) of a top-level key's line(s) in a YAML text split into lines, or
    (None, None, None). A key whose value is on the following indented lines spans them (end)."""
    pattern = re.compile(r"^%s\s*:(.*)$" % re.escape(key))
    index = next((i for i, line in enumerate(lines) if pattern.match(line.rstrip("\r\n"))), None)
    if index is None:
        return None, None, None
    current = pattern.match(lines[index].rstrip("\r\n")).group(1)
    current_value = _unquote(current.split(" #")[0])
    end = index + 1
    if current_value == "":
        # a value on the following, indented lines belongs to this key
        while end < len(lines) and lines[end][:1] in (" ", "\t") and lines[end].strip():
            end += 1
    return index, end, current_value


def set_top_level_keys(text, settings):
    """Set top-level keys of a YAML (or JSON) kubelet config, keeping every other line as it was.

    Returns (new_text, list of keys changed).
    """
    if not settings:
        return text, []
    if text.lstrip().startswith("{"):
        data = json.loads(text)
        changed = [k for k, v in settings.items() if data.get(k) != v]
        if not changed:
            return text, []
        data.update(settings)
        return json.dumps(data, indent=2) + "\n", changed
    lines = text.splitlines(keepends=True)
    changed = []
    for key, value in settings.items():
        wanted = "%s: %s" % (key, _yaml_scalar(value))
        index, end, current_value = _find_top_level_key(lines, key)
        if index is None:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines.append(wanted + "\n")
            changed.append(key)
            continue
        if current_value == _plain(value) and end == index + 1:
            continue
        lines[index:end] = [wanted + "\n"]
        changed.append(key)
    return "".join(lines), changed


def merge_log_opts(text, log_opts):
    """Merge log-opts into daemon.json text. Returns (new_text or None if unchanged, changed keys)."""
    data = json.loads(text) if text and text.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    current = data.get("log-opts") or {}
    if not isinstance(current, dict):
        raise ValueError("'log-opts' is not a JSON object")
    changed = [k for k, v in log_opts.items() if current.get(k) != v]
    if not changed and text and text.strip():
        return None, []
    merged = dict(current)
    merged.update(log_opts)
    data["log-opts"] = merged
    indent = re.search(r"\n([ \t]+)\S", text or "")  # keep the file's own indentation
    return json.dumps(data, indent=indent.group(1) if indent else 2) + "\n", changed


def swap_off_fstab(text):
    """fstab with every live swap entry commented out and marked (what the role's replace task does)."""
    return re.sub(FSTAB_SWAP_LINE, FSTAB_SWAP_OFF, text, flags=re.M)


def restore_top_level_keys(text, section, keys):
    """Put the kubelet config's recorded keys back. Returns (new_text, restored, kept).

    A key is restored only where the file still holds the value the role set; ``kept`` lists the
    keys changed since (left as they are).
    """
    records = section["keys"]
    if section.get("format") == "json":
        data = json.loads(text)
        kept = [k for k in keys if data.get(k) != records[k]["set"]]
        restored = [k for k in keys if k not in kept]
        if not restored:
            return text, [], kept
        if text == section.get("written_text") and not kept and len(keys) == len(records):
            return section["original_text"], restored, kept
        for key in restored:
            if records[key]["present"]:
                data[key] = records[key]["value"]
            else:
                data.pop(key, None)
        return json.dumps(data, indent=2) + "\n", restored, kept
    lines = text.splitlines(keepends=True)
    restored, kept = [], []
    appended_gone = False
    for key in keys:
        record = records[key]
        index, end, value = _find_top_level_key(lines, key)
        if index is None or value != record["set"] or end != index + 1:
            kept.append(key)
            continue
        if record["present"]:
            original = list(record["lines"])
            if original and not original[-1].endswith("\n") and end < len(lines):
                original[-1] += "\n"
            lines[index:end] = original
        else:
            del lines[index:end]
            appended_gone = True
        restored.append(key)
    new_text = "".join(lines)
    still_appended = [k for k, r in records.items() if not r["present"] and k not in restored]
    if appended_gone and section.get("missing_final_newline") and not still_appended and new_text.endswith("\n"):
        new_text = new_text[:-1]
    return new_text, restored, kept


def restore_log_opts(text, section):
    """daemon.json with the recorded log-opts put back. Returns (new_text or None to delete the
    file, restored keys, kept keys); new_text == text when nothing changes."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    current = data.get("log-opts")
    current = current if isinstance(current, dict) else {}
    wanted = section["set"]
    kept = [k for k in wanted if current.get(k) != wanted[k]]
    restored = [k for k in wanted if k not in kept]
    if not restored:
        return text, [], kept
    if text == section.get("written_text"):
        return section["original_text"], restored, kept
    merged = dict(current)
    for key in restored:
        record = section["keys"][key]
        if record["present"]:
            merged[key] = record["value"]
        else:
            merged.pop(key, None)
    if merged or section["log_opts_present"]:
        data["log-opts"] = merged
    else:
        data.pop("log-opts", None)
    if not data and section["original_text"] is None:
        return None, restored, kept
    indent = re.search(r"\n([ \t]+)\S", text)
    return json.dumps(data, indent=indent.group(1) if indent else 2) + "\n", restored, kept


def restore_fstab(text, lines):
    """fstab with the swap lines the role commented out uncommented again: (new_text, restored)."""
    out, restored = [], []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        if body.startswith("# ") and body.endswith(FSTAB_MARK) and body[2:-len(FSTAB_MARK)] in lines:
            body = body[2:-len(FSTAB_MARK)]
            restored.append(body)
        out.append(body + ending)
    return "".join(out), restored


# --- the NVIDIA runtime in the container runtime's configuration -------------------------------
# What `nvidia-ctk runtime configure` writes (NVIDIA/nvidia-container-toolkit,
# pkg/config/engine/containerd/config.go AddRuntimeWithOptions and docker/docker.go AddRuntime):
# containerd: runtimes.<name> = a copy of the runc runtime's table (runtime_type
# io.containerd.runc.v2 when it has none), options.BinaryName = the runtime's path, and
# default_runtime_name = <name> when asked; the CRI plugin is "io.containerd.grpc.v1.cri" in a
# version 2 config and "io.containerd.cri.v1.runtime" in version 3 (containerd.go
# criRuntimePluginName). Docker: runtimes.<name> = {"path": <path>, "args": []} and
# "default-runtime": <name> when asked. Newer nvidia-ctk writes containerd's part to a drop-in
# file it imports; we edit config.toml itself (where gpu_facts and the GPU operator look).

CONTAINERD_RUNC_V2 = "io.containerd.runc.v2"
CONTAINERD_CRI_PLUGIN = {2: "io.containerd.grpc.v1.cri", 3: "io.containerd.cri.v1.runtime"}
_TOML_TABLE = re.compile(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$")
_TOML_VERSION = re.compile(r"^\s*version\s*=\s*(\d+)\s*(#.*)?$")
_TOML_STRING_KEY = r"^\s*%s\s*=\s*\"([^\"]*)\"\s*(#.*)?$"


def _toml_tables(lines):
    """{table name: (header index, end index)} of a TOML text's [table] headers (end exclusive)."""
    headers = [(i, _TOML_TABLE.match(line).group(1).strip()) for i, line in enumerate(lines) if _TOML_TABLE.match(line)]
    tables = {}
    for number, (index, name) in enumerate(headers):
        end = headers[number + 1][0] if number + 1 < len(headers) else len(lines)
        tables.setdefault(name, (index, end))
    return tables


def containerd_config_version(text):
    """The ``version`` of a containerd config.toml text (before its first table); 1 when absent,
    as containerd reads it."""
    for line in text.splitlines():
        if _TOML_TABLE.match(line):
            break
        match = _TOML_VERSION.match(line)
        if match:
            return int(match.group(1))
    return 1


def _table_body(lines, tables, name):
    """The key lines of a table (no blank lines, no nested tables), [] when it is absent."""
    if name not in tables:
        return []
    index, end = tables[name]
    return [line if line.endswith("\n") else line + "\n" for line in lines[index + 1:end] if line.strip()]


def set_containerd_runtime(text, name, binary, set_default):
    """containerd config.toml text with the runtime ``name`` running ``binary`` (and the default
    runtime when ``set_default``). Returns (new_text, changed parts: "runtime", "default_runtime_name").

    Raises ValueError (the file is left alone) for a config we do not edit: no version 2 or 3, or a
    runtime of that name that runs another binary.
    """
    if not (text or "").strip():
        raise ValueError("the file is empty; write containerd's configuration first (containerd config default)")
    version = containerd_config_version(text)
    if version not in CONTAINERD_CRI_PLUGIN:
        raise ValueError("version %d configuration: only versions 2 and 3 are edited" % version)
    plugin = 'plugins."%s".containerd' % CONTAINERD_CRI_PLUGIN[version]
    runtime, options = "%s.runtimes.%s" % (plugin, name), "%s.runtimes.%s.options" % (plugin, name)
    lines = text.splitlines(keepends=True)
    tables = _toml_tables(lines)
    changed = []
    if runtime in tables or options in tables:
        current = [re.match(_TOML_STRING_KEY % "BinaryName", line) for line in _table_body(lines, tables, options)]
        current = [m.group(1) for m in current if m]
        if current != [binary]:
            raise ValueError("[%s] already runs %s, not %s: left as it is"
                             % (runtime, current[0] if current else "no BinaryName", binary))
    else:
        # like nvidia-ctk: the runc runtime's settings (SystemdCgroup above all) copied, BinaryName ours
        runc_body = _table_body(lines, tables, "%s.runtimes.runc" % plugin)
        if not any(re.match(r"^\s*runtime_type\s*=", line) for line in runc_body):
            runc_body = ['  runtime_type = "%s"\n' % CONTAINERD_RUNC_V2] + runc_body
        runc_options = [line for line in _table_body(lines, tables, "%s.runtimes.runc.options" % plugin)
                        if not re.match(r"^\s*BinaryName\s*=", line)]
        block = ["\n", "[%s]\n" % runtime] + runc_body + ["\n", "[%s]\n" % options] + runc_options
        block.append('  BinaryName = "%s"\n' % binary)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines += block
        changed.append("runtime")
    if set_default:
        tables = _toml_tables(lines)
        wanted = '  default_runtime_name = "%s"\n' % name
        if plugin in tables:
            index, end = tables[plugin]
            found = [i for i in range(index + 1, end) if re.match(_TOML_STRING_KEY % "default_runtime_name", lines[i])]
            if not found:
                lines.insert(index + 1, wanted)
                changed.append("default_runtime_name")
            elif re.match(_TOML_STRING_KEY % "default_runtime_name", lines[found[0]]).group(1) != name:
                lines[found[0]] = re.sub(r'"[^"]*"', '"%s"' % name, lines[found[0]], count=1)
                changed.append("default_runtime_name")
        else:
            lines += ["\n", "[%s]\n" % plugin, wanted]
            changed.append("default_runtime_name")
    return "".join(lines), changed


def set_docker_runtime(text, name, binary, set_default):
    """daemon.json text with runtimes.<name> = {"path": binary, "args": []} (and default-runtime).
    Returns (new_text, changed parts: "runtime", "default-runtime"); new_text == text when nothing
    changes. Raises ValueError for a file dockerd would refuse or a runtime of that name running
    another binary."""
    data = json.loads(text) if (text or "").strip() else {}
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    runtimes = data.get("runtimes") or {}
    if not isinstance(runtimes, dict):
        raise ValueError("'runtimes' is not a JSON object")
    changed = []
    current = runtimes.get(name)
    if current is not None:
        if not isinstance(current, dict) or current.get("path") != binary:
            raise ValueError("runtimes.%s already runs %s, not %s: left as it is"
                             % (name, current.get("path") if isinstance(current, dict) else current, binary))
    else:
        changed.append("runtime")
    if set_default and data.get("default-runtime") != name:
        changed.append("default-runtime")
    if not changed:
        return text, []
    if "runtime" in changed:
        data["runtimes"] = dict(runtimes, **{name: {"path": binary, "args": []}})
    if "default-runtime" in changed:
        data["default-runtime"] = name
    indent = re.search(r"\n([ \t]+)\S", text or "")
    return json.dumps(data, indent=indent.group(1) if indent else 2) + "\n", changed


def restore_docker_runtime(text, section):
    """daemon.json with what set_docker_runtime added taken out again, where it is still as set.
    ``section``: {"name", "binary", "runtime_added", "default_before" ({"present", "value"}) or None,
    "original_text", "written_text"}. Returns (new_text or None to delete the file, restored, kept)."""
    if text == section.get("written_text"):
        return section["original_text"], ["runtime"] + (["default-runtime"] if section.get("default_before") else []), []
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    name, restored, kept = section["name"], [], []
    runtimes = data.get("runtimes") if isinstance(data.get("runtimes"), dict) else {}
    if section.get("runtime_added"):
        if runtimes.get(name) == {"path": section["binary"], "args": []}:
            runtimes = {k: v for k, v in runtimes.items() if k != name}
            if runtimes or section.get("runtimes_present"):
                data["runtimes"] = runtimes
            else:
                data.pop("runtimes", None)
            restored.append("runtime")
        else:
            kept.append("runtime")
    before = section.get("default_before")
    if before:
        if data.get("default-runtime") == name:
            if before["present"]:
                data["default-runtime"] = before["value"]
            else:
                data.pop("default-runtime", None)
            restored.append("default-runtime")
        else:
            kept.append("default-runtime")
    if not restored:
        return text, [], kept
    if not data and section["original_text"] is None:
        return None, restored, kept
    indent = re.search(r"\n([ \t]+)\S", text)
    return json.dumps(data, indent=indent.group(1) if indent else 2) + "\n", restored, kept


def restore_containerd_runtime(text, section):
    """config.toml as it was before node_prepare, when it still holds exactly what node_prepare
    wrote (containerd's TOML is not re-serialized here, so a file edited since is left as it is).
    Returns (new_text, restored, kept)."""
    if text == section.get("written_text"):
        return section["original_text"], list(section.get("changed") or ["runtime"]), []
    return text, [], list(section.get("changed") or ["runtime"])
