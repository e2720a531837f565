#!/usr/bin/env python3
"""PD hybrid deploy / no-op rerun / scale 1 -> 4: the playbooks beside plain `kubectl apply`
of the same rendered manifests (plus `kubectl wait` for readiness), in one run on the sandbox.

    eval "$(tools/sandbox/sandbox env)"; python benchmarks/bench_pd_hybrid_sandbox.py [--mode MODE] [--json]

The playbook side does more than kubectl (validation, preflight, pruning, readiness of every
pod); the ratio is what that costs. Each round times the three steps with the playbooks, then
with kubectl (so both see the same load from other jobs); --repeat rounds, medians printed, the
ratio being the median of the rounds' ratios. Run it with a HOME of its own (or pki_dir) so that
other deploys of the same job id do not rotate the CA in ~/.pdserve/pki between the steps.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
NS = "mindie-motor"


def run(cmd, env=None, check=True):
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if check and proc.returncode != 0:
        sys.stderr.write("command failed: %s\n%s\n%s\n" % (" ".join(cmd), proc.stdout[-4000:], proc.stderr[-4000:]))
        raise SystemExit(1)
    return elapsed, proc.stdout


def playbook(name, env, *extra):
    return run(["ansible-playbook", "-i", "inventories/sandbox", name, *extra], env)


def recap_counts(out):
    """(ran, skipped) tasks of the one host in a playbook run's PLAY RECAP."""
    m = re.search(r"ok=(\d+)\s+changed=\d+\s+unreachable=\d+\s+failed=\d+\s+skipped=(\d+)", out)
    if not m:
        raise SystemExit("no PLAY RECAP in the playbook's output")
    return int(m.group(1)), int(m.group(2))


def floor_play(path, ran, skipped):
    """A play of `ran` tasks that do nothing (set_fact of a constant) and `skipped` skipped ones:
    what ansible-playbook costs for a run of that many tasks before any of them does work."""
    tasks = ["    - ansible.builtin.set_fact:\n        floor_%d: %d" % (i, i) for i in range(ran)]
    tasks += ["    - ansible.builtin.set_fact:\n        skipped_%d: %d\n      when: false" % (i, i) for i in range(skipped)]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("- name: Floor\n  hosts: localhost\n  gather_facts: false\n  tasks:%s\n"
                     % (("\n" + "\n".join(tasks)) if tasks else " []"))
    return path


def purge(env):
    playbook("playbooks/uninstall.yml", env, "-e", "pdserve_purge=true")


def kubectl_purge(manifest):
    """The kubectl side's objects carry the field manager `bench`, not ours: the playbook's purge
    refuses them (docs/safety.md), so that side removes what it applied itself (the namespace,
    the cluster-wide RBAC and the Role in kube-system)."""
    run(["kubectl", "delete", "-f", manifest, "--ignore-not-found", "--wait=true", "--timeout=120s"])


def kubectl_apply_and_wait(manifest, mode, instances):
    start = time.monotonic()
    run(["kubectl", "apply", "--server-side", "--field-manager", "bench", "--force-conflicts", "-f", manifest])
    if mode == "infer_service_set":
        # wait until the operator has seen this generation and reports Ready
        name, gen = iss_generation()
        run(["kubectl", "-n", NS, "wait", "--for=jsonpath={.status.observedGeneration}=%s" % gen,
             "inferserviceset/" + name, "--timeout=120s"])
        run(["kubectl", "-n", NS, "wait", "--for=condition=Ready", "inferserviceset/" + name, "--timeout=120s"])
    else:
        run(["kubectl", "-n", NS, "wait", "--for=condition=Available", "deployment", "-l",
             "app.kubernetes.io/managed-by=pdserve", "--timeout=120s"])
    return time.monotonic() - start


def iss_generation():
    """(name, generation) of the stack's one InferServiceSet (named after the engine, e.g. vllm)."""
    _, out = run(["kubectl", "-n", NS, "get", "inferserviceset", "-o",
                  "jsonpath={.items[0].metadata.name} {.items[0].metadata.generation}"])
    name, gen = out.split()
    return name, gen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="infer_service_set", choices=["infer_service_set", "multi_deployment"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--floor", action="store_true",
                    help="also time, each round, an empty play and a play of as many tasks as the no-op "
                         "rerun ran and skipped, each doing nothing (what Ansible itself costs)")
    args = ap.parse_args()
    out_dir = tempfile.mkdtemp(prefix="pdserve-bench-")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    extra = ["-e", "pdserve_output_dir=" + out_dir, "-e",
             json.dumps({"pdserve_overrides": {"motor_deploy_config.deploy_mode": args.mode}})]
    manifests = os.path.join(out_dir, NS, "manifests.yaml")
    m1, m4 = os.path.join(out_dir, "m1.yaml"), os.path.join(out_dir, "m4.yaml")
    rows = {"deploy": ([], []), "no-op rerun": ([], []), "scale 1 -> 4": ([], [])}
    if args.floor:
        rows.update({"empty play": ([], []), "no-op's tasks": ([], [])})
        empty = floor_play(os.path.join(out_dir, "empty.yml"), 0, 0)

    # Interleaved: each step is timed with the playbook and then with kubectl, repeat times, so
    # both tools see the same load from other jobs on the machine (the ratio is per pair).
    for _round in range(args.repeat):
        purge(env)
        t, _ = playbook("playbooks/pd_hybrid.yml", env, *extra)
        shutil.copy(manifests, m1)
        rows["deploy"][0].append(t)
        t, out = playbook("playbooks/pd_hybrid.yml", env, *extra)
        rows["no-op rerun"][0].append(t)
        if args.floor:
            ran, skipped = recap_counts(out)
            rows["empty play"][0].append(playbook(empty, env)[0])
            rows["no-op's tasks"][0].append(playbook(floor_play(os.path.join(out_dir, "floor.yml"), ran, skipped), env)[0])
        t, _ = playbook("scale.yml", env, "-e", "hybrid_instances_num=4", *extra)
        shutil.copy(manifests, m4)
        rows["scale 1 -> 4"][0].append(t)
        purge(env)

        kubectl_purge(m4)
        rows["deploy"][1].append(kubectl_apply_and_wait(m1, args.mode, 1))
        rows["no-op rerun"][1].append(kubectl_apply_and_wait(m1, args.mode, 1))
        if args.floor:   # against the same kubectl no-op
            rows["empty play"][1].append(rows["no-op rerun"][1][-1])
            rows["no-op's tasks"][1].append(rows["no-op rerun"][1][-1])
        rows["scale 1 -> 4"][1].append(kubectl_apply_and_wait(m4, args.mode, 4))
        kubectl_purge(m4)
    shutil.rmtree(out_dir, ignore_errors=True)

    rows = {step: (statistics.median(play), statistics.median(kube),
                   statistics.median(p / k for p, k in zip(play, kube)))
            for step, (play, kube) in rows.items()}
    if args.json:
        print(json.dumps({k: {"playbook_s": v[0], "kubectl_s": v[1], "ratio": v[2]} for k, v in rows.items()}))
        return
    print("PD hybrid (%s) on the sandbox, median of %d interleaved rounds (ratio: median per round)"
          % (args.mode, args.repeat))
    print("%-14s %12s %12s %8s" % ("step", "playbook s", "kubectl s", "ratio"))
    for step, (play, kube, ratio) in rows.items():
        print("%-14s %12.2f %12.2f %7.2fx" % (step, play, kube, ratio))


if __name__ == "__main__":
    main()
