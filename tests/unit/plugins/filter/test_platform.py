# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The platform filter the roles' Jinja uses (the facts themselves: test__platform.py)."""
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.pdserve.cluster.plugins.filter import platform as f
from ansible_collections.pdserve.cluster.plugins.module_utils import _platform


def test_platform_reads_the_facts():
    assert f.platform("default_namespace") == _platform.DEFAULT_NAMESPACE
    assert f.platform("pod_cert_dir") == "/mnt/pdserve-tls"
    assert f.platform("npu_resource") == "huawei.com/Ascend910"
    f.platform("npus_per_node")["800I_A2"] = 1  # a copy: the module's dict is not changed
    assert _platform.NPUS_PER_NODE["800I_A2"] == 8


def test_platform_unknown_fact_fails():
    with pytest.raises(AnsibleFilterError, match="unknown fact 'nope'"):
        f.platform("nope")


def test_stack_labels_filter():
    assert f.stack_labels("job", "controller", "pd_hybrid") == _platform.stack_labels("job", "controller", "pd_hybrid")
    assert "platform" in f.FilterModule().filters()


def test_stack_label_selectors_filter():
    assert f.stack_label_selectors("job") == ["app.kubernetes.io/managed-by=pdserve", "app.kubernetes.io/instance=job"]


def test_name_filters():
    from ansible_collections.pdserve.cluster.plugins.filter import names

    assert names.dns_label("mindie") and not names.dns_label("Mindie") and not names.dns_label("a" * 64)
    assert names.dns_subdomain("cluster.local") and not names.dns_subdomain("a..b") and not names.dns_subdomain(5)
    assert names.label_key("pdserve.io/stack") and names.label_value("x") and not names.label_value("")
    assert set(names.FilterModule().filters()) == {"dns_label", "dns_subdomain", "label_key", "label_value"}


def test_motor_pod_probes_filter():
    from ansible_collections.pdserve.cluster.plugins.filter import stack
    from ansible_collections.pdserve.cluster.plugins.module_utils._motor import derive

    assert stack.motor_pod_probes({"probes": False}) is False
    assert stack.motor_pod_probes({"probes": False}, True) is True
    assert stack.motor_pod_probes({}) is True
    assert derive.control_probes({"server": True}) is False
    assert derive.control_probes({"server": False}) is True
    assert derive.control_probes({"server": True}, keep_with_tls=True) is True


def test_pymotor_default_filter():
    from ansible_collections.pdserve.cluster.plugins.filter import stack
    from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor.contract_facts import DEFAULT_SETTINGS

    assert stack.pymotor_default("seccomp_profile") == DEFAULT_SETTINGS["seccomp_profile"] == "RuntimeDefault"
    stack.pymotor_default("tolerations")["engine"].append("x")  # a copy
    assert DEFAULT_SETTINGS["tolerations"]["engine"] == []
    with pytest.raises(AnsibleFilterError, match="unknown setting 'nope'"):
        stack.pymotor_default("nope")
