# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the pdserve.cluster.kthena_node_paths filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.pdserve.cluster.plugins.filter.kthena import kthena_node_paths


def test_the_documents_example():
    # kthena-modelserving-mooncake.md: the ModelServing's hostPath volumes and the model folder
    assert kthena_node_paths({}) == {
        "host_paths": [
            {"name": "model", "key": "model_host_dir", "path": "/models", "type": "Directory"},
            {"name": "hccn-conf", "key": "host_files.hccn_conf", "path": "/etc/hccn.conf", "type": "File"},
            {"name": "hccn-tool", "key": "host_files.hccn_tool", "path": "/usr/local/Ascend/driver/tools/hccn_tool",
             "type": "File"},
            {"name": "ascend-install-info", "key": "host_files.ascend_install_info",
             "path": "/etc/ascend_install.info", "type": "File"},
        ],
        "model_path": "/models/DeepSeek-R1-Distill-Qwen-1.5B",
    }


def test_the_paths_follow_the_configuration():
    result = kthena_node_paths({"model_host_dir": "/data/models", "model_path": "/data/models/qwen",
                                "host_files": {"hccn_conf": "/opt/hccn.conf"}})
    assert [v["path"] for v in result["host_paths"]] == [
        "/data/models", "/opt/hccn.conf", "/usr/local/Ascend/driver/tools/hccn_tool", "/etc/ascend_install.info"]
    assert result["model_path"] == "/data/models/qwen"


def test_a_model_outside_the_mounted_folder_is_not_checked_on_the_node():
    assert kthena_node_paths({"model_host_dir": "/data/models", "model_path": "/opt/model"})["model_path"] == ""
    assert kthena_node_paths({"model_host_dir": "/data/models", "model_path": "/data/models"})["model_path"] == ""
    assert kthena_node_paths({"model_host_dir": "/data/models", "model_path": "/data/modelsX/a"})["model_path"] == ""


def test_a_bad_configuration_fails_with_every_rule():
    with pytest.raises(AnsibleFilterError) as exc:
        kthena_node_paths({"model_path": 3, "host_files": {"hccn_conf": "etc/hccn.conf"}})
    assert "model_path: 3" in str(exc.value) and "host_files.hccn_conf" in str(exc.value)
