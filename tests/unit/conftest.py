# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Import the collection through Ansible's collection loader (as ansible-test units does), so the
roles' templates rendered by the tests find the collection's filters (pdserve.cluster.*)."""
from __future__ import annotations

import pathlib

from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

if AnsibleCollectionConfig.collection_finder is None:
    _AnsibleCollectionFinder(paths=[str(pathlib.Path(__file__).resolve().parents[2] / ".collections")])._install()
