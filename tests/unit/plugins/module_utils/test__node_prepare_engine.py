# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of module_utils/_node_prepare/engine.py: the engine pods' hostPaths and model on a node."""

from __future__ import annotations

import json

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare.engine import (
    check_engine_node,
    check_model,
    head_dim_fix,
)


@pytest.fixture
def root(tmp_path):
    """A node root with everything the document's ModelServing mounts."""
    (tmp_path / "models/DeepSeek-R1-Distill-Qwen-1.5B").mkdir(parents=True)
    (tmp_path / "models/DeepSeek-R1-Distill-Qwen-1.5B/config.json").write_text(
        json.dumps({"hidden_size": 1536, "num_attention_heads": 12, "head_dim": 128}))
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/hccn.conf").write_text("address_0=29.10.1.1\n")
    (tmp_path / "etc/ascend_install.info").write_text("Driver_Install_Path_Param=/usr/local/Ascend\n")
    (tmp_path / "usr/local/Ascend/driver/tools").mkdir(parents=True)
    (tmp_path / "usr/local/Ascend/driver/tools/hccn_tool").write_text("#!/bin/sh\n")
    return tmp_path


def volumes(root):
    return [{"name": "model", "path": str(root / "models"), "type": "Directory"},
            {"name": "hccn-conf", "path": str(root / "etc/hccn.conf"), "type": "File"},
            {"name": "hccn-tool", "path": str(root / "usr/local/Ascend/driver/tools/hccn_tool"), "type": "File"},
            {"name": "ascend-install-info", "path": str(root / "etc/ascend_install.info"), "type": "File"}]


def model(root):
    return str(root / "models/DeepSeek-R1-Distill-Qwen-1.5B")


def test_a_good_node_has_no_problem(root):
    assert check_engine_node(volumes(root), model(root), "n1") == []


def test_every_problem_at_once_naming_node_path_and_rule(root):
    (root / "etc/hccn.conf").unlink()
    (root / "etc/ascend_install.info").unlink()
    (root / "etc/ascend_install.info").mkdir()  # a directory where the pod mounts a file
    (root / "models/DeepSeek-R1-Distill-Qwen-1.5B/config.json").unlink()
    assert check_engine_node(volumes(root), model(root), "n1") == [
        "n1: %s: does not exist: the engine pods mount it (hostPath of volume hccn-conf (type File))"
        % (root / "etc/hccn.conf"),
        "n1: %s: is not a file: the engine pods mount it (hostPath of volume ascend-install-info (type File))"
        % (root / "etc/ascend_install.info"),
        "n1: %s: missing: the model folder must hold the model's config.json"
        % (root / "models/DeepSeek-R1-Distill-Qwen-1.5B/config.json"),
    ]


def test_a_file_where_a_directory_is_mounted(root):
    (root / "models2").write_text("")
    vols = [{"name": "model", "path": str(root / "models2"), "type": "Directory"}]
    assert check_engine_node(vols, "", "n1") == [
        "n1: %s: is not a directory: the engine pods mount it (hostPath of volume model (type Directory))"
        % (root / "models2")]


def test_the_model_folder_must_be_present(root):
    assert check_model(str(root / "models/other")) == [
        "%s: the model folder is not present (put the model there: the engine pods read it from the node)"
        % (root / "models/other")]


def test_no_model_path_skips_the_model(root):
    assert check_engine_node([], "", "n1") == []


def test_a_config_without_head_dim_says_what_to_add(root):
    path = root / "models/DeepSeek-R1-Distill-Qwen-1.5B/config.json"
    path.write_text(json.dumps({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 1536,
                                "num_attention_heads": 12}))
    assert check_engine_node(volumes(root), model(root), "n1") == [
        'n1: %s: lacks "head_dim": add "head_dim": 128 (head_dim = hidden_size / num_attention_heads = 1536 / 12)'
        % path]


def test_the_document_example_value():
    # the FAQ's 128 for a model of hidden_size 5120 and 40 heads (Qwen2.5-14B's shape)
    assert head_dim_fix({"hidden_size": 5120, "num_attention_heads": 40}).startswith('lacks "head_dim": add "head_dim": 128 ')
    assert head_dim_fix({"head_dim": 64}) is None


@pytest.mark.parametrize("config", [{}, {"hidden_size": 1000, "num_attention_heads": 3},
                                    {"hidden_size": "1536", "num_attention_heads": 12},
                                    {"hidden_size": True, "num_attention_heads": 1}])
def test_head_dim_that_cannot_be_computed_is_asked_for_by_hand(config):
    assert "cannot be computed" in head_dim_fix(config)
    assert "add it by hand" in head_dim_fix(config)


@pytest.mark.parametrize("text, rule", [("{not json", "is not valid JSON"), ("[1, 2]", "is not a JSON object")])
def test_a_broken_config_json(root, text, rule):
    path = root / "models/DeepSeek-R1-Distill-Qwen-1.5B/config.json"
    path.write_text(text)
    problems = check_model(model(root))
    assert len(problems) == 1 and problems[0].startswith("%s: %s" % (path, rule))


def test_a_dangling_symlink_is_not_the_file(root):
    (root / "etc/hccn.conf").unlink()
    (root / "etc/hccn.conf").symlink_to(root / "nowhere")
    assert check_engine_node(volumes(root)[1:2], "", "n1") == [
        "n1: %s: is not a file: the engine pods mount it (hostPath of volume hccn-conf (type File))"
        % (root / "etc/hccn.conf")]
