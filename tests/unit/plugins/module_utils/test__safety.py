# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of module_utils/_safety.py (issue 14 part A): the system path rule (ownership, Pod
Security and the scale diff of rendered workloads: test__kube_safety.py)."""
from __future__ import annotations

import pytest

from ansible_collections.pdserve.cluster.plugins.module_utils import _safety as s


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
