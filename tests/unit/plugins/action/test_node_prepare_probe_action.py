# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The node_prepare_probe action's from_role: only with stop, and only where the node_prepare
role's variables are (a real ansible-playbook run; the node is never reached: both fail first)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[4]


def run_play(tmp_path, args, *extra):
    play = tmp_path / "play.yml"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - pdserve.cluster.node_prepare_probe: %s\n" % args)
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    bindir = os.path.dirname(sys.executable)
    return subprocess.run([os.path.join(bindir, "ansible-playbook"), "-i", "localhost,", "-c", "local", str(play), *extra],
                          cwd=REPO, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("args, message", [
    ("{from_role: true, swap_off: false, image_name: x}", "set no other option than stop (set: image_name, swap_off)"),
    ("{from_role: true, stop: true}", "the variable node_prepare_kthena_check is not defined"),
])
def test_from_role_refuses_other_options_and_a_play_without_the_role(tmp_path, args, message):
    run = run_play(tmp_path, args)
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in " ".join((run.stdout + run.stderr).split())


def test_the_role_s_argument_spec_is_checked_first_every_error_at_once(tmp_path):
    # (the collection's playbook imports the role without Ansible's own argument-spec task)
    run = run_play(tmp_path, "{from_role: true, stop: true}", "-e", "node_prepare_swap_off=maybe",
                   "-e", "node_prepare_container_runtime=podman")
    out = " ".join((run.stdout + run.stderr).split())
    assert run.returncode == 2, out
    assert "Validation of the node_prepare role's arguments failed:" in out
    assert "argument 'node_prepare_swap_off' is of type str and we were unable to convert to bool" in out
    assert "value of node_prepare_container_runtime must be one of: auto, containerd, docker, got: podman" in out
    assert "is not defined" not in out
