# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Benchmark: validate a 16-instance 800I A3 PD hybrid configuration in-process.

Input: tests/fixtures/configs/pd_hybrid_a3_16.{user_config,env}.json (16 union instances of
16 NPUs, TLS on, master/standby, full controller and coordinator sections). Beside the
validation, the floor: json.load of the same two documents from their files. Also timed: the
whole path of the module (load_files + validate), and a config with many errors (all reported).

    .venv/bin/python benchmarks/bench_validate_config.py [--repeat N] [--json] [--check]

--check exits 1 when the median validation time is over the 20 ms target.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import sys

from _timing import report, ROOT, load_module_utils, stats, timed

FIXTURES = ROOT / "tests" / "fixtures" / "configs"
USER = FIXTURES / "pd_hybrid_a3_16.user_config.json"
ENV = FIXTURES / "pd_hybrid_a3_16.env.json"
TARGET_MS = 20.0


def broken(user):
    """The same config with one mistake per rule family, to time the all-errors path."""
    bad = copy.deepcopy(user)
    deploy = bad["motor_deploy_config"]
    deploy.update(hybrid_instances_num=17, hybrid_pod_npu_num=32, image_name="", job_id="Bad_Name",
                  hybird_typo=1)
    deploy["tls_config"]["infer_tls_config"]["ca_file"] = ""
    engine = bad["motor_engine_union_config"]["engine_config"]
    engine.update(model="/data/elsewhere", tensor_parallel_size=3)
    bad["motor_coordinator_config"]["api_config"]["coordinator_api_mgmt_port"] = 1025
    del bad["kv_conductor_config"]
    return bad


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--check", action="store_true", help="exit 1 when over the target")
    args = parser.parse_args(argv)
    cfg = load_module_utils('_pymotor')

    def load():
        with open(USER, "r", encoding="utf-8") as handle:
            user = json.load(handle)
        with open(ENV, "r", encoding="utf-8") as handle:
            env = json.load(handle)
        return user, env

    (user, env), load_samples = timed(load, args.repeat)
    result, validate_samples = timed(lambda: cfg.validate(user, env), args.repeat)
    if not result.ok:
        raise SystemExit("benchmark config is invalid: %s" % [str(e) for e in result.errors][:3])
    derived = result.derived
    if derived["roles"]["union"]["instances"] != 16 or derived["total_npus"] != 256:
        raise SystemExit("benchmark config is not the 16 x 16 A3 layout: %s" % derived["roles"]["union"])

    def module_path():
        u, e, errors = cfg.load_files(str(USER), str(ENV))
        return errors or cfg.validate(u, e, {"hybrid_instances_num": "16"})
    _r, end_samples = timed(module_path, args.repeat)

    bad = broken(user)
    bad_result, bad_samples = timed(lambda: cfg.validate(bad, env), args.repeat)

    out = {
        "document": {"instances": 16, "npus_per_pod": 16, "hardware_type": "800I_A3",
                     "bytes": USER.stat().st_size + ENV.stat().st_size},
        "repeat": args.repeat,
        "python": platform.python_version(),
        "validate_16x_a3": stats(validate_samples, 3),
        "json_load_floor": stats(load_samples, 3),
        "load_files_and_validate": stats(end_samples, 3),
        "validate_with_errors": stats(bad_samples, 3),
        "errors_reported": len(bad_result.errors),
        "target_ms": TARGET_MS,
    }
    out["validate_over_json_load"] = round(out["validate_16x_a3"]["median_ms"] /
                                           max(out["json_load_floor"]["median_ms"], 1e-6), 1)
    out["within_target"] = out["validate_16x_a3"]["median_ms"] < TARGET_MS
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print("validate_config benchmark: PD hybrid, 16 instances x 16 NPUs (800I A3), %d bytes of JSON, "
              "%d runs, Python %s" % (out["document"]["bytes"], args.repeat, out["python"]))
        rows = [("validate (every rule + defaults + derived)", "validate_16x_a3"),
                ("json.load of the same documents (floor)", "json_load_floor"),
                ("load_files + validate (the module's path)", "load_files_and_validate"),
                ("validate a config with %d errors" % out["errors_reported"], "validate_with_errors")]
        report(out, rows, 'validate_over_json_load', 'validate / json.load', 'validate', TARGET_MS, 3, 44)
    if args.check and not out["within_target"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
