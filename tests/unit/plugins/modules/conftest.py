# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Every module test here runs main() in-process: exit_json / fail_json raise (see _harness)."""

from __future__ import annotations

import pytest

from _harness import patch_exit


@pytest.fixture(autouse=True)
def patched_module_exit(monkeypatch):
    patch_exit(monkeypatch)
