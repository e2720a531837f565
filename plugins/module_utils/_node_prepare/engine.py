# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""What a stack's engine pods need on their node (private to the _node_prepare package).

The kthena_mooncake ModelServing mounts host paths (hostPath volumes with a type: the kubelet
refuses to start the pod when one is missing or of the wrong type) and reads the model from a
folder below one of them. The controller computes the paths from the stack's configuration
(module_utils/_kthena/inputs.py host_paths, the one home of the volumes); this module only
looks at the node. Stdlib only: it runs on the node inside node_prepare_probe.
"""

from __future__ import annotations

import json
import os

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.files import read_text as _read

#: hostPath type -> (test on the path, what it must be).
_TYPES = {"File": (os.path.isfile, "a file"), "Directory": (os.path.isdir, "a directory")}

#: The users' document (kthena-modelserving-mooncake.md, FAQ): vLLM fails with
#: "AttributeError: 'Qwen2Config' object has no attribute 'head_dim'" without it.
HEAD_DIM_RULE = "head_dim = hidden_size / num_attention_heads"


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def head_dim_fix(config):
    """What to add to a model's config.json (a dict) so it has ``head_dim``; None when it has it."""
    if "head_dim" in config:
        return None
    hidden, heads = config.get("hidden_size"), config.get("num_attention_heads")
    if _is_count(hidden) and _is_count(heads) and hidden % heads == 0:
        return 'lacks "head_dim": add "head_dim": %d (%s = %d / %d)' % (hidden // heads, HEAD_DIM_RULE, hidden, heads)
    return ('lacks "head_dim" and it cannot be computed (hidden_size %s, num_attention_heads %s): add it by hand '
            '(%s)' % (json.dumps(hidden), json.dumps(heads), HEAD_DIM_RULE))


def check_model(model_path):
    """Problems (``path: rule``) of the model folder the engine reads: a folder with a config.json
    that is a JSON object with ``head_dim``."""
    if not os.path.isdir(model_path):
        return ["%s: the model folder is not present (put the model there: the engine pods read it from the node)"
                % model_path]
    config_path = os.path.join(model_path, "config.json")
    if not os.path.isfile(config_path):
        return ["%s: missing: the model folder must hold the model's config.json" % config_path]
    text = _read(config_path)
    try:
        config = json.loads(text) if text is not None else None
    except ValueError as exc:
        return ["%s: is not valid JSON: %s" % (config_path, exc)]
    if not isinstance(config, dict):
        return ["%s: is not a JSON object (unreadable or not a model config)" % config_path]
    fix = head_dim_fix(config)
    return ["%s: %s" % (config_path, fix)] if fix else []


def check_engine_node(host_paths, model_path, node):
    """Every problem of this node for the engine pods, as ``node: path: rule`` lines.

    ``host_paths``: [{name, path, type}] (type File or Directory), ``model_path``: the model folder
    on the node or empty (not checked), ``node``: the node's name for the messages.
    """
    problems = []
    for volume in host_paths:
        path, kind = volume["path"], volume.get("type", "")
        test, what = _TYPES.get(kind, (os.path.exists, "present"))
        where = "hostPath of volume %s (type %s)" % (volume.get("name", "?"), kind or "unset")
        if not os.path.lexists(path):
            problems.append("%s: does not exist: the engine pods mount it (%s)" % (path, where))
        elif not test(path):
            problems.append("%s: is not %s: the engine pods mount it (%s)" % (path, what, where))
    if model_path:
        problems.extend(check_model(model_path))
    return ["%s: %s" % (node, line) for line in problems]
