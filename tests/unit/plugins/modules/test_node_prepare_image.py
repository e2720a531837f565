# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the pdserve.cluster.node_prepare_image module (commands answered by a fake)."""

from __future__ import annotations

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.pdserve.cluster.plugins.modules import node_prepare_image

REF = "swr.example.com/ascendhub/mindie:2.1"


class Exit(Exception):
    pass


class Fail(Exception):
    pass


@pytest.fixture
def store(monkeypatch):
    """containerd's k8s.io image list and Docker's, as the fake ctr / docker see them."""
    images = {"containerd": set(), "docker": set()}
    calls = []

    def run_command(self, argv, **kwargs):
        calls.append(argv)
        tool = "containerd" if argv[0] == "ctr" else "docker"
        verb = argv[4:] if tool == "containerd" else argv[1:2]
        if verb in (["ls", "-q"], ["images"]):
            return 0, "".join(ref + "\n" for ref in sorted(images[tool])), ""
        if verb in (["rm", REF], ["rmi"]):
            images[tool].discard(REF)
            return 0, "", ""
        if verb in (["pull", REF], ["pull"]):
            images[tool].add(REF)
            return 0, "", ""
        return 1, "", "unexpected %s" % argv

    def exit_json(self, **kwargs):
        raise Exit(kwargs)

    def fail_json(self, **kwargs):
        raise Fail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: None)
    return images, calls


def run(args):
    with patch_module_args(args), pytest.raises(Exit) as exc:
        node_prepare_image.main()
    return exc.value.args[0]


def test_present_pulls_a_missing_image_then_reports_none(store):
    images, _calls = store
    assert run({"name": REF, "runtime": "containerd"})["action"] == "pulled"
    assert images["containerd"] == {REF}
    again = run({"name": REF, "runtime": "containerd"})
    assert again["changed"] is False and again["action"] == "none"


@pytest.mark.parametrize("runtime,rm", [("containerd", ["ctr", "-n", "k8s.io", "images", "rm", REF]),
                                        ("docker", ["docker", "rmi", REF])])
def test_absent_removes_the_image_once(store, runtime, rm):
    images, calls = store
    images[runtime].add(REF)
    result = run({"name": REF, "runtime": runtime, "state": "absent"})
    assert result["changed"] is True and result["action"] == "removed"
    assert calls[-1] == rm and images[runtime] == set()
    again = run({"name": REF, "runtime": runtime, "state": "absent"})
    assert again["changed"] is False and again["action"] == "none"


def test_absent_in_check_mode_removes_nothing(store):
    images, calls = store
    images["containerd"].add(REF)
    result = run({"name": REF, "runtime": "containerd", "state": "absent", "_ansible_check_mode": True})
    assert result["changed"] is True and images["containerd"] == {REF}
    assert all("rm" not in argv for argv in calls)


def test_absent_fails_with_the_runtime_error(store, monkeypatch):
    images, _calls = store
    images["docker"].add(REF)
    monkeypatch.setattr(basic.AnsibleModule, "run_command",
                        lambda self, argv, **k: (0, REF + "\n", "") if argv[1] == "images" else (1, "", "image is in use"))
    with patch_module_args({"name": REF, "runtime": "docker", "state": "absent"}), pytest.raises(Fail) as exc:
        node_prepare_image.main()
    assert "image is in use" in exc.value.args[0]["msg"]
