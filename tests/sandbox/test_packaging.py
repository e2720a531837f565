"""The collection as a user gets it: `ansible-galaxy collection build`, install into an empty
collections path, and a playbook of the installed copy run against the sandbox."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)

# What a user installs (galaxy.yml build_ignore keeps everything else out).
SHIPPED_TOP = {"FILES.json", "MANIFEST.json", "README.md", "LICENSE",
               "changelogs", "docs", "meta", "playbooks", "plugins", "roles"}


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path",
                    str(out), ROOT], check=True, capture_output=True, text=True)
    built = [p for p in os.listdir(out) if p.endswith(".tar.gz")]
    assert len(built) == 1, built
    return os.path.join(out, built[0])


def test_artifact_holds_only_what_a_user_installs(artifact):
    with tarfile.open(artifact) as tar:
        names = tar.getnames()
    top = {n.split("/", 1)[0] for n in names}
    assert top <= SHIPPED_TOP, sorted(top - SHIPPED_TOP)
    # the playbooks, roles and modules a user calls are there
    for needed in ("playbooks/pd_hybrid.yml", "playbooks/status.yml", "roles/stack/tasks/deploy.yml",
                   "plugins/modules/validate_config.py", "meta/runtime.yml"):
        assert needed in names, needed
    leaked = [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/.hypothesis" in n
              or n.startswith("output/") or n.startswith("tests/")]
    assert not leaked, leaked[:10]


def test_installed_copy_runs_status_against_the_sandbox(artifact, tmp_path, kubeconfig, namespace):
    colls = tmp_path / "collections"
    colls.mkdir()
    # Only the installed copy: no ansible.cfg of the checkout (its collections path links the
    # checkout), nothing but the empty collections path and the collections bundled with ansible.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update({"ANSIBLE_COLLECTIONS_PATH": str(colls), "K8S_AUTH_KUBECONFIG": kubeconfig,
                "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"), "ANSIBLE_NOCOLOR": "1"})
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline",
                    "--no-deps", "-p", str(colls), artifact], check=True, capture_output=True, text=True,
                   cwd=str(tmp_path), env=env)
    assert (colls / "ansible_collections" / "pdserve" / "cluster" / "MANIFEST.json").is_file()
    run = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local",
                          "-e", "pdserve_namespace=" + namespace, "pdserve.cluster.status"],
                         cwd=str(tmp_path), env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert namespace in run.stdout
