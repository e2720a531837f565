# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Benchmark: generate the largest MindIE Motor global ranktable in-process.

96 servers x 16 devices (800I A3: super_device_id on every device, two super pods), built from
plain server records with module_utils/_ranktable.build_mindie_motor (which checks every rule
while building). Beside it, the floor: json.load of the same document from a file. Also timed:
writing it (dumps), validating it as a loaded document, and an AscendCloud merge of 12 hosts.

    .venv/bin/python benchmarks/bench_ranktable.py [--repeat N] [--json] [--check]

--check exits 1 when the median generation time is over the 50 ms target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile

from _timing import report, load_module_utils, stats, timed

TARGET_MS = 50.0
SERVERS = 96
DEVICES = 16


def cluster():
    records = [{"server_id": "192.168.0.1", "container_ip": "10.244.0.2", "group": "coordinator"},
               {"server_id": "192.168.0.1", "container_ip": "10.244.0.3", "group": "controller"}]
    device_ips = {}
    for i in range(SERVERS):
        host = "192.168.%d.%d" % (1 + i // 200, 10 + i % 200)
        records.append({"server_id": host, "container_ip": "10.245.%d.%d" % (i // 200, 2 + i % 200),
                        "device_ids": list(range(DEVICES)), "super_pod_id": i // 48})
        device_ips[host] = {str(d): {"ip": "29.%d.%d.%d" % (1 + i // 200, i % 200, 1 + d),
                                     "super_device_id": str((i % 48) * DEVICES + d)} for d in range(DEVICES)}
    return records, device_ips


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--check", action="store_true", help="exit 1 when over the target")
    args = parser.parse_args(argv)
    rt = load_module_utils('_ranktable')
    records, device_ips = cluster()

    def gen():
        return rt.build_mindie_motor(records, hardware_type="800I_A3", device_ips=device_ips)

    doc, gen_samples = timed(gen, args.repeat)
    text, dumps_samples = timed(lambda: rt.dumps(doc), args.repeat)
    fd, path = tempfile.mkstemp(suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)

        def load():
            with open(path, "r", encoding="utf-8") as handle:
                return json.load(handle)
        loaded, load_samples = timed(load, args.repeat)
    finally:
        os.unlink(path)
    errors, validate_samples = timed(lambda: rt.validate(loaded, rt.MINDIE_MOTOR, hardware_type="800I_A3"),
                                     args.repeat)
    if loaded != doc or errors:
        raise SystemExit("benchmark document does not round-trip or is invalid: %s" % errors[:3])

    hosts = []
    for h in range(12):
        ip = "192.168.9.%d" % (10 + h)
        files = rt.build_ascendcloud(ip, ["0,1", "2,3"], ["4,5", "6,7"], h == 0,
                                     {ip: {str(d): "29.9.%d.%d" % (h, d + 1) for d in range(8)}})
        hosts.append((ip, files[rt.ascendcloud_global_name(ip)]))
    _merged, merge_samples = timed(lambda: rt.merge(hosts, rt.ASCENDCLOUD), args.repeat)

    result = {
        "document": {"servers": SERVERS, "devices_per_server": DEVICES, "bytes": len(text.encode("utf-8"))},
        "repeat": args.repeat,
        "python": platform.python_version(),
        "gen_mindie_motor_96x16": stats(gen_samples, 2),
        "json_load_floor": stats(load_samples, 2),
        "dumps": stats(dumps_samples, 2),
        "validate_loaded": stats(validate_samples, 2),
        "merge_ascendcloud_12_hosts": stats(merge_samples, 2),
        "target_ms": TARGET_MS,
    }
    result["gen_over_json_load"] = round(result["gen_mindie_motor_96x16"]["median_ms"] /
                                         max(result["json_load_floor"]["median_ms"], 1e-6), 1)
    result["within_target"] = result["gen_mindie_motor_96x16"]["median_ms"] < TARGET_MS
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("ranktable benchmark: MindIE Motor global ranktable, %d servers x %d devices (800I A3), %d bytes, "
              "%d runs, Python %s" % (SERVERS, DEVICES, result["document"]["bytes"], args.repeat,
                                      result["python"]))
        rows = [("gen (build + every rule)", "gen_mindie_motor_96x16"),
                ("json.load of the same document (floor)", "json_load_floor"),
                ("dumps (text written to disk)", "dumps"),
                ("validate the loaded document", "validate_loaded"),
                ("merge 12 AscendCloud host tables", "merge_ascendcloud_12_hosts")]
        report(result, rows, 'gen_over_json_load', 'gen / json.load', 'gen', TARGET_MS, 2, 42)
    if args.check and not result["within_target"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
