#!/usr/bin/env python3
"""Copy a molecule run's output through, with each step's time, and a summary line at the end.

    molecule test -s NAME 2>&1 | tools/phase_times.py

Molecule prints no times. tools/run-tests pipes each scenario through this, so a slow CI run
says which step of which scenario took the time (a line such as
`phases: destroy 3s, syntax 4s, create 5s, converge 61s, ...`).
"""

import re
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# molecule 25: "INFO  <scenario> ➜ <step>: Executing" and "... <step>: Executed: Successful"
STEP = re.compile(r"\u279c (\S+): (Executing|Executed)")


def main(stream=sys.stdin, out=sys.stdout, clock=time.monotonic):
    started = {}
    done = []
    for line in stream:
        match = STEP.search(ANSI.sub("", line))
        if match and match.group(2) == "Executing":
            started[match.group(1)] = clock()
        elif match and match.group(1) in started:
            took = clock() - started.pop(match.group(1))
            done.append(f"{match.group(1)} {took:.0f}s")
            line = f"{line.rstrip()} ({took:.0f} s)\n"
        out.write(line)
        out.flush()
    if done:
        out.write(f"phases: {', '.join(done)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
