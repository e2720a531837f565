# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""tools/phase_times.py: each molecule step's time added to the output tools/run-tests keeps."""

from __future__ import annotations

import io
import pathlib
import runpy

TOOL = pathlib.Path(__file__).resolve().parents[3] / "tools/phase_times.py"

# molecule 25's lines, coloured as it prints them
LOG = """\
\x1b[36mINFO    \x1b[0m \x1b[32mpki\x1b[0m \u279c \x1b[33mdestroy\x1b[0m: \x1b[36mExecuting\x1b[0m
  \u2502 PLAY [Destroy]
\x1b[36mINFO    \x1b[0m \x1b[32mpki\x1b[0m \u279c \x1b[33mdestroy\x1b[0m: \x1b[32mExecuted: Successful\x1b[0m
\x1b[36mINFO    \x1b[0m \x1b[32mpki\x1b[0m \u279c \x1b[33mconverge\x1b[0m: \x1b[36mExecuting\x1b[0m
  \u2502 TASK [Deploy]
\x1b[36mINFO    \x1b[0m \x1b[32mpki\x1b[0m \u279c \x1b[33mconverge\x1b[0m: \x1b[31mExecuted: Failed\x1b[0m
"""


def run(text, ticks):
    main = runpy.run_path(str(TOOL))["main"]
    clock = iter(ticks).__next__
    out = io.StringIO()
    assert main(io.StringIO(text), out, clock) == 0
    return out.getvalue().splitlines()


def test_each_step_gets_its_time_and_the_summary_lists_them_in_order():
    lines = run(LOG, [10.0, 13.4, 20.0, 81.0])
    assert lines[2].endswith("Executed: Successful\x1b[0m (3 s)")
    assert lines[5].endswith("Executed: Failed\x1b[0m (61 s)")
    assert lines[-1] == "phases: destroy 3s, converge 61s"
    # every other line is copied as it came
    assert lines[1] == "  \u2502 PLAY [Destroy]" and lines[4] == "  \u2502 TASK [Deploy]"


def test_output_without_molecule_steps_is_copied_unchanged():
    text = "==== unit\n5 passed\n"
    assert run(text, []) == ["==== unit", "5 passed"]
