# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The node_prepare role's input rules that argument_specs cannot express (its one home), for
every host of the play at once (roles/node_prepare/tasks/validate.yml, through the filter
``pdserve.cluster.node_prepare_input_errors``): one task on the controller instead of one per host.

``errors(values)`` checks one host's role variables (``node_prepare_*`` names, as the role reads
them) and returns every broken rule as a message naming the variable, its value and the rule.
``merge({host: messages})`` lists a message once when every host breaks it the same way (a
group variable), else once per host that breaks it, prefixed with the host's name.
"""
from __future__ import annotations

import json
import posixpath
import re

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.probe import weight_path_danger

LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                       r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
IMAGE = re.compile(r"^[a-z0-9][a-zA-Z0-9._/:@-]*$")
DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$")
DOCKER_SIZE = re.compile(r"^[0-9]+[kmg]?$")
WHOLE = re.compile(r"^[1-9][0-9]*$")
QUANTITY = re.compile(r"^[0-9]+(Ki|Mi|Gi)$")
_LABEL_RULE = "(at most 63 letters, digits, '-', '_', '.', starting and ending alphanumeric; no spaces)"

# The variables the rules read (the filter takes these from each host's variables).
NAMES = (
    "node_prepare_weight_mount_path", "node_prepare_weight_forbidden_paths", "node_prepare_weight_forbidden_trees",
    "node_prepare_model_dir", "node_prepare_image_name", "node_prepare_image_archive",
    "node_prepare_kubelet_sync_frequency", "node_prepare_docker_log_max_size", "node_prepare_docker_log_max_file",
    "node_prepare_kubelet_container_log_max_size", "node_prepare_kubelet_container_log_max_files",
    "node_prepare_haveged_write_wakeup_threshold", "node_prepare_hardware_type", "node_prepare_labels",
)


def _json(value):
    return json.dumps(value)


def _int(value):
    """Jinja's ``int`` filter: the number, else 0."""
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0


def _match(pattern, value):
    return pattern.match(value if isinstance(value, str) else str(value)) is not None


def _label_value(value):
    return isinstance(value, str) and _match(LABEL_VALUE, value) and len(value) <= 63


def weight_problem(path, forbidden_paths, forbidden_trees):
    """Why ``path`` is no place for weights, or "" (also for an empty or relative path)."""
    if not path or not str(path).startswith("/"):
        return ""
    return weight_path_danger(posixpath.normpath(path), list(forbidden_paths or []), list(forbidden_trees or [])) or ""


def errors(v):
    """Every broken rule of one host's variables ``v``, in the order of the role's variables."""
    out = []
    weights = v["node_prepare_weight_mount_path"] or ""
    model_dir = v["node_prepare_model_dir"] or ""
    image = v["node_prepare_image_name"] or ""
    archive = v["node_prepare_image_archive"] or ""
    if weights and not posixpath.isabs(weights):
        out.append("node_prepare_weight_mount_path: %s: must be an absolute path" % _json(weights))
    problem = weight_problem(weights, v["node_prepare_weight_forbidden_paths"], v["node_prepare_weight_forbidden_trees"])
    if problem:
        out.append("node_prepare_weight_mount_path: %s: %s" % (_json(weights), problem))
    if model_dir and (posixpath.isabs(model_dir) or ".." in model_dir.split("/")):
        out.append("node_prepare_model_dir: %s: must be a relative path inside node_prepare_weight_mount_path"
                   % _json(model_dir))
    if model_dir and not weights:
        out.append("node_prepare_model_dir: %s: needs node_prepare_weight_mount_path" % _json(model_dir))
    if image and not _match(IMAGE, image):
        out.append("node_prepare_image_name: %s: must be an image reference (registry/name:tag, no spaces)" % _json(image))
    if archive and not posixpath.isabs(archive):
        out.append("node_prepare_image_archive: %s: must be an absolute path on the node" % _json(archive))
    if archive and not image:
        out.append("node_prepare_image_archive: %s: needs node_prepare_image_name (the tag to look for)" % _json(archive))
    value = v["node_prepare_kubelet_sync_frequency"]
    if not _match(DURATION, value):
        out.append("node_prepare_kubelet_sync_frequency: %s: must be a Go duration such as 5s" % _json(value))
    value = v["node_prepare_docker_log_max_size"]
    if not _match(DOCKER_SIZE, value):
        out.append("node_prepare_docker_log_max_size: %s: must be a size such as 500m (k, m or g)" % _json(value))
    value = v["node_prepare_docker_log_max_file"]
    if not _match(WHOLE, value):
        out.append("node_prepare_docker_log_max_file: %s: must be a whole number of at least 1" % _json(value))
    value = v["node_prepare_kubelet_container_log_max_size"]
    if not _match(QUANTITY, value):
        out.append("node_prepare_kubelet_container_log_max_size: %s: must be a quantity such as 500Mi" % _json(value))
    value = v["node_prepare_kubelet_container_log_max_files"]
    if _int(value) < 2:
        out.append("node_prepare_kubelet_container_log_max_files: %s: the kubelet needs at least 2" % _json(value))
    value = v["node_prepare_haveged_write_wakeup_threshold"]
    if not 64 <= _int(value) <= 4096:
        out.append("node_prepare_haveged_write_wakeup_threshold: %s: must be between 64 and 4096 (the pool's size)"
                   % value)
    value = v["node_prepare_hardware_type"]
    if not _match(LABEL_VALUE, value) or len(str(value)) > 63:
        out.append("node_prepare_hardware_type: %s: must be a label value %s" % (_json(value), _LABEL_RULE))
    labels = v["node_prepare_labels"] or {}
    bad_keys = [key for key in labels if not _match(LABEL_KEY, key)]
    if bad_keys:
        out.append("node_prepare_labels: %s: must be label keys ([prefix/]name, name at most 63 characters)"
                   % _json(bad_keys))
    if not all(_label_value(value) for value in labels.values()):
        out.append("node_prepare_labels: %s: every value must be a string label value %s" % (_json(labels), _LABEL_RULE))
    return out


def merge(per_host):
    """``{host: [message]}`` (in play order) as one list: a message every host shares once as it
    is, the others once per host as ``host: message``."""
    out = []
    for host, messages in per_host.items():
        for message in messages:
            if all(message in others for others in per_host.values()):
                if message not in out:
                    out.append(message)
            else:
                out.append("%s: %s" % (host, message))
    return out
