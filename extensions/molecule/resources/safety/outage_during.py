# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Verify step helper: did the API outage fall inside the deploy's wait task?

usage: outage_during.py ANSIBLE_LOG REPORT_JSON
ANSIBLE_LOG is the ANSIBLE_LOG_PATH file of the molecule run (timestamped lines); REPORT_JSON
is what apiserver_outage.sh wrote. Finds the "Stack | wait until every instance is Ready" task
whose start and result line enclose the outage (killed .. ready again), and prints one JSON
object: {"killed", "killed_at", "ready_at", "waits_seen", "during", "wait_started",
"wait_result", "wait_result_line"}.
"""

from __future__ import annotations

import datetime
import json
import re
import sys

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")
WAIT_TASK = "Stack | wait until every instance is Ready"


def parse_log_time(line):
    match = STAMP.match(line)
    if not match:
        return None
    # ansible's log uses the control node's local time; the sandbox machine runs in UTC
    return datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=datetime.timezone.utc)


def parse_iso(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


def main(log_path, report_path):
    with open(report_path, encoding="utf-8") as handle:
        report = json.load(handle)
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        lines = handle.read().splitlines()
    # every wait task of the log (it may hold earlier runs), with the time of its result line
    waits = []
    for i, line in enumerate(lines):
        if WAIT_TASK in line and "TASK [" in line:
            for later in lines[i + 1:]:
                if re.search(r"\| (ok|changed|fatal|skipping): \[localhost\]", later):
                    waits.append((parse_log_time(line), parse_log_time(later), later.split("| ", 1)[-1]))
                    break
    out = {"killed": report.get("killed", False), "killed_at": report.get("killed_at"), "ready_at": report.get("ready_at"),
           "waits_seen": len(waits), "during": False, "wait_started": None, "wait_result": None, "wait_result_line": None}
    if report.get("killed"):
        killed, ready = parse_iso(report["killed_at"]), parse_iso(report["ready_at"])
        for start, result, result_line in waits:
            if start and result and start <= killed and ready <= result:
                out.update(during=True, wait_started=str(start), wait_result=str(result), wait_result_line=result_line)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
