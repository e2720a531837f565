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
        before = set(sys.modules)
        ok = all(filter_loader.get(name) is not None
                 for name in ["pdserve.cluster.stack_labels", "ansible.builtin.to_json"] + list(_inprocess.WARM_FILTERS))
        ok = ok and all(lookup_loader.get(name) is not None for name in _inprocess.WARM_LOOKUPS)
        os.write(write, b"%d %d" % (ok, len(set(sys.modules) - before)))
        os._exit(0)
    os.waitpid(pid, 0)
    found, imported = os.read(read, 100).split()
    assert found == b"1" and imported == b"0"
