"""plugin_utils/_inprocess.py: what the controller loads once so that the task workers it forks
find it (the collection's filters, the Jinja plugins of the WARM_* lists)."""
from __future__ import annotations

import os
import sys

from ansible.plugins.loader import filter_loader, init_plugin_loader, lookup_loader

from ansible_collections.pdserve.cluster.plugins.plugin_utils import _inprocess


def test_collection_filters_are_named_fully():
    names = _inprocess._collection_filters()
    # filters of different modules of plugins/filter/
    for name in ("pdserve.cluster.stack_labels", "pdserve.cluster.dns_label", "pdserve.cluster.pki_name_constraints",
                 "pdserve.cluster.node_prepare_on", "pdserve.cluster.pymotor_contract"):
        assert name in names
    assert len(names) == len(set(names))


def test_a_forked_worker_finds_the_warmed_plugins_without_loading():
    init_plugin_loader()
    _inprocess._warm_jinja_plugins()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: nothing new is imported to find these plugins
        try:
            before = set(sys.modules)
            ok = all(filter_loader.get(name) is not None
                     for name in ["pdserve.cluster.stack_labels", "ansible.builtin.to_json"] + list(_inprocess.WARM_FILTERS))
            ok = ok and all(lookup_loader.get(name) is not None for name in _inprocess.WARM_LOOKUPS)
            os.write(write, b"%d %d" % (ok, len(set(sys.modules) - before)))
        except BaseException as exc:  # pylint: disable=broad-except  # reported by the parent, never raised here
            os.write(write, b"error %s" % type(exc).__name__.encode())
        finally:
            os._exit(0)  # never back into pytest in the child
    os.close(write)
    os.waitpid(pid, 0)
    found, imported = os.read(read, 100).split(maxsplit=1)
    assert found == b"1" and imported == b"0"


def test_arguments_are_checked_with_ansible_s_messages_and_passed_plain(tmp_path):
    """A real play: an in-process step (write_manifests) gets its templated arguments as plain
    data, defaults filled in; bad ones fail with the messages ActionBase.validate_argument_spec gives."""
    import pathlib
    import subprocess

    repo = pathlib.Path(__file__).resolve().parents[4]
    dest = tmp_path / "m.yaml"
    play = tmp_path / "play.yml"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  vars:\n    objs: [{kind: ConfigMap, metadata: {name: '{{ \"a\" ~ 1 }}'}}]\n"
        "  tasks:\n"
        "    - pdserve.cluster.write_manifests: {objects: '{{ objs }}', dest: %s}\n"
        "    - pdserve.cluster.write_manifests: {objects: '{{ objs }}', dest: %s, bogus: 1}\n"
        "      ignore_errors: true\n"
        "    - pdserve.cluster.write_manifests: {objects: 'not a list of dicts', dest: %s, mode: '0600'}\n"
        % (dest, dest, dest))
    env = dict(os.environ, ANSIBLE_CONFIG=str(repo / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c",
                          "local", str(play)], cwd=repo, env=env, capture_output=True, text=True)
    out = " ".join((run.stdout + run.stderr).split())
    assert run.returncode == 2, out
    assert dest.read_text() == "---\nkind: ConfigMap\nmetadata:\n  name: a1\n"
    assert oct(dest.stat().st_mode & 0o777) == "0o640"  # the default mode
    # (Ansible names the action by its load name there, as ActionBase.validate_argument_spec does)
    assert "write_manifests) module: bogus. Supported parameters include: dest, mode, objects." in out
    assert "Elements value for option ''objects'' is of type str and we were unable to convert to dict" in out
