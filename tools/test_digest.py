#!/usr/bin/env python3
"""Print the last error of a failed test log in a few lines, for the end of `make test`.

    tools/test_digest.py NAME LOG

A CI summary shows only the run's last lines; tools/run-tests repeats each failure's digest
there. The digest is the log's last Ansible error (its task's name and first message lines),
molecule's CRITICAL lines and pytest's failure summary lines; failing all of them, the log's
last lines.
"""

import re
import sys

WIDTH = 240  # characters per line at most
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FRAME = re.compile(r"^\s*\u2502 ?")  # molecule's frame around a step's output
ANSIBLE_ERROR = re.compile(r"^(\[ERROR\]: |(fatal|failed): \[)")
TASK = re.compile(r"^TASK \[(.*)\]")
NOISE = ("glob failed",)


def clean(text):
    return [FRAME.sub("", ANSI.sub("", line)).rstrip() for line in text.splitlines()]


def ansible_failure(lines):
    """The log's last Ansible error: its task and up to 6 lines of its message.

    A failed run stops at its error and runs only clean-up after it, so the last error is the
    cause (expected errors a verify step provokes come earlier)."""
    task, found = None, None
    for i, line in enumerate(lines):
        m = TASK.match(line)
        if m:
            task = m.group(1)
        elif ANSIBLE_ERROR.match(line):
            if line.startswith(("fatal", "failed")) and found and found[1] == i - 1:
                continue  # the fatal line after an [ERROR] block it belongs to
            block = [line]
            for nxt in lines[i + 1:i + 7]:
                if not nxt.strip() or TASK.match(nxt) or nxt.startswith("Origin:"):
                    break
                block.append(nxt)
            found = (task, i + len(block) - 1, block)
    if not found:
        return None
    return ["task: %s" % found[0]] + found[2]


def molecule_critical(lines):
    return [ln for ln in lines if "CRITICAL" in ln and not any(n in ln for n in NOISE)][-2:]


def pytest_failure(lines):
    return [ln for ln in lines if ln.startswith(("FAILED ", "ERROR ")) and "::" in ln][-6:]


def digest(name, text):
    lines = clean(text)
    body = (ansible_failure(lines) or []) + molecule_critical(lines) + pytest_failure(lines)
    out = ["FAILED %s:" % name]
    out += ["  " + (ln if len(ln) <= WIDTH else ln[:WIDTH] + "...") for ln in body or lines[-6:]]
    return "\n".join(out)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: %s NAME LOG\n" % argv[0])
        return 2
    try:
        with open(argv[2], errors="replace") as f:
            text = f.read()
    except OSError as e:
        text = "(no log: %s)" % e
    print(digest(argv[1], text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
