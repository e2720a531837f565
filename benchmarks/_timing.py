# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""What the in-process benchmarks share: import a module_utils module or package by the
collection's name (``make link`` puts it under .collections), time a callable, summarise the
samples."""

from __future__ import annotations

import importlib
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load_module_utils(name):
    """plugins/module_utils/<name> (a module or a package), imported as the collection's."""
    collections = str(ROOT / ".collections")
    if collections not in sys.path:
        sys.path.insert(0, collections)
    return importlib.import_module("ansible_collections.pdserve.cluster.plugins.module_utils." + name)


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


def report(result, rows, ratio_key, floor_label, target_key, target_ms, digits, width):
    """Print one line per (label, key) row of ``result`` and the ratio / target line under them."""
    fmt = "  %%-%ds median %%7.%df ms   min %%7.%df ms   max %%7.%df ms" % (width, digits, digits, digits)
    for label, key in rows:
        s = result[key]
        print(fmt % (label, s["median_ms"], s["min_ms"], s["max_ms"]))
    print("  %s: %.1fx; target: %s median under %.0f ms: %s"
          % (floor_label, result[ratio_key], target_key, target_ms, "met" if result["within_target"] else "MISSED"))
