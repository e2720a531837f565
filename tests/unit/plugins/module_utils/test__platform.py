# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of module_utils/_platform.py (issue 15): the platform facts and the system-path
rule (moved here from _safety with its tests)."""
from __future__ import annotations

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _platform as s


# --- system paths ------------------------------------------------------------------------------

@pytest.mark.parametrize("path,tree", [("/", "/"), ("/etc", "/etc"), ("/etc/x", "/etc"), ("/proc/1", "/proc"),
                                       ("/sys", "/sys"), ("/dev/shm", "/dev"), ("/boot", "/boot"), ("/root/m", "/root"),
                                       ("/var/run/x", "/var/run"), ("/run", "/run"), ("/usr/local/m", "/usr"),
                                       ("/bin", "/bin"), ("/lib", "/lib"), ("/lib32/x", "/lib32"), ("/lib64", "/lib64"),
                                       ("/libx32", "/libx32"), ("/sbin/x", "/sbin"), ("/data/../etc", "/etc"),
                                       ("//usr//lib/", "/usr"), ("/etc/", "/etc")])
def test_system_path_rule_refuses(path, tree):
    rule = s.system_path_rule(path)
    assert rule.startswith("must not be / or a system path (/etc, /proc")
    assert rule.endswith(tree)


@pytest.mark.parametrize("path", ["/mnt/weight", "/data", "/var/lib/models", "/library", "/etcd-data", "/usrx",
                                  "/home/ai/models", "/run-data", "relative/etc", "", None, 5])
def test_system_path_rule_allows(path):
    assert s.system_path_rule(path) is None


# --- hardware, labels, resources ----------------------------------------------------------------

def test_hardware_kinds():
    assert s.ATLAS_800I_TYPES == ("800I_A2", "800I_A3")
    assert s.HARDWARE_TYPES[:2] == s.ATLAS_800I_TYPES
    assert set(s.A5_HARDWARE_TYPES) <= set(s.HARDWARE_TYPES)
    assert s.NPUS_PER_NODE == {"800I_A2": 8, "800I_A3": 16}
    assert all(hw in s.ACCELERATOR_TYPE for hw in s.HARDWARE_TYPES)


@pytest.mark.parametrize("hw,selector,resource", [
    ("800I_A2", {"accelerator": "huawei-Ascend910", "accelerator-type": "module-910b-8"}, "huawei.com/Ascend910"),
    ("800I_A3", {"accelerator": "huawei-Ascend910", "accelerator-type": "module-a3-16"}, "huawei.com/Ascend910"),
    ("950-SuperPod-Atlas-8", {"accelerator": "huawei-npu", "accelerator-type": "950-SuperPod-Atlas-8"},
     "huawei.com/npu"),
])
def test_node_selector_and_resource(hw, selector, resource):
    assert s.node_selector(hw) == selector
    assert s.npu_resource(hw) == resource
    assert s.is_a5(hw) == (hw not in s.ATLAS_800I_TYPES)


def test_device_plugin_annotations():
    assert s.CONFIG_ANNOTATION == "ascend.kubectl.kubernetes.io/ascend-910-configuration"
    assert s.ALLOC_ANNOTATION == s.NPU_RESOURCE == "huawei.com/Ascend910"
    assert s.GPU_RESOURCE == "nvidia.com/gpu"


def test_stack_labels():
    assert s.stack_labels("job") == {"app.kubernetes.io/managed-by": "pdserve", "app.kubernetes.io/part-of": "pdserve",
                                     "app.kubernetes.io/instance": "job"}
    full = s.stack_labels("job", component="controller", stack="pd_hybrid")
    assert full["app.kubernetes.io/component"] == "controller"
    assert full["pdserve.io/stack"] == "pd_hybrid"
    assert s.FIELD_MANAGER == s.MANAGER == "pdserve"


def test_paths_and_namespace():
    assert s.POD_CERT_DIR == "/mnt/pdserve-tls"
    assert s.PKI_MOUNT_PATH == "/mnt/security"
    assert s.DEFAULT_NAMESPACE == "mindie"
    assert s.FACTS["default_namespace"] == s.DEFAULT_NAMESPACE
    assert s.system_path_rule(s.POD_CERT_DIR) is None


def test_pod_cert_files_are_the_generators():
    """roles/pki/files/pdserve_pod_cert.py runs inside the pods (it cannot import module_utils):
    the file names and the Secret's mount path it uses must be the platform's."""
    import pathlib
    import re

    text = (pathlib.Path(__file__).resolve().parents[4] / "roles" / "pki" / "files" / "pdserve_pod_cert.py").read_text()
    names = dict(re.findall(r'^(CERT_FILE|KEY_FILE|PASSWD_FILE|CA_FILE) = "([^"]+)"$', text, re.M))
    assert names == {"CERT_FILE": s.POD_CERT_FILE, "KEY_FILE": s.POD_KEY_FILE, "PASSWD_FILE": s.POD_PASSWD_FILE,
                     "CA_FILE": s.POD_CA_FILE}
    assert 'DEFAULT_CONFIG = "%s/gen_cert.json"' % s.PKI_MOUNT_PATH in text
