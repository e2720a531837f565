# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""What the in-process benchmarks share: load a stdlib-only module_utils file by path (no
setup needed), time a callable, summarise the samples."""

from __future__ import annotations

import importlib.util
import pathlib
import statistics
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load_module_utils(name):
    """plugins/module_utils/<name>.py, loaded by path (it must import only the stdlib)."""
    path = ROOT / "plugins" / "module_utils" / ("%s.py" % name)
    spec = importlib.util.spec_from_file_location("pdserve" + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(fn, repeat):
    """(last result, [milliseconds per call]) of ``repeat`` calls of ``fn``."""
    samples = []
    result = None
    for _i in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return result, samples


def stats(samples, digits):
    return {"median_ms": round(statistics.median(samples), digits), "min_ms": round(min(samples), digits),
            "max_ms": round(max(samples), digits)}
