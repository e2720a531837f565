# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The validate_config action checks the stack role's deploy options (meta/argument_specs.yml)
when the role is its caller (the stack roles include it with rolespec_validate: false): a real
ansible-playbook run of the PD hybrid playbook with bad values, which fails before the API is read."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[4]


def test_the_stack_role_s_deploy_options_are_checked_by_its_first_step(tmp_path):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               KUBECONFIG=str(tmp_path / "no-cluster"), HOME=str(tmp_path))
    env.pop("K8S_AUTH_KUBECONFIG", None)
    bindir = os.path.dirname(sys.executable)
    run = subprocess.run([os.path.join(bindir, "ansible-playbook"), "-i", "localhost,", "-c", "local",
                          "playbooks/pd_hybrid.yml", "-e", "pdserve_wait_timeout=abc", "-e", "pdserve_adopt=maybe",
                          "-e", "pdserve_output_dir=%s" % tmp_path],
                         cwd=REPO, env=env, capture_output=True, text=True)
    out = " ".join((run.stdout + run.stderr).split())
    assert run.returncode == 2, out
    assert "TASK [pdserve.cluster.stack : Stack | validate the configuration]" in out
    assert "arg spec 'deploy'" not in out  # no task of Ansible's for it
    assert "Validation of the stack role's arguments failed:" in out
    # every error at once, the collection-wide input and the role option it feeds
    for name, kind in (("pdserve_wait_timeout", "int"), ("stack_wait_timeout", "int"),
                       ("pdserve_adopt", "bool"), ("stack_adopt", "bool")):
        assert "argument '%s' is of type str and we were unable to convert to %s" % (name, kind) in out
    # nothing after it ran (the Leases, the preflight, ...)
    tasks = [line for line in run.stdout.splitlines() if line.startswith("TASK [")]
    assert tasks[-1].startswith("TASK [pdserve.cluster.stack : Stack | validate the configuration]"), tasks
