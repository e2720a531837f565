#!/usr/bin/env python
# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Wall time of playbooks/node_prepare.yml on 1 node and on 20 nodes.

    sudo .venv/bin/python benchmarks/bench_node_prepare.py [--nodes 1 20] [--repeat 3] [--keep]

Each node is a Debian root (tests/node_roots, the molecule scenario's test roots) in the
"fresh" state (kubeadm kubelet config, no haveged, image to pull, healthy A2 NPU recording),
reached through the community.general.chroot connection. Making the roots is not timed. For each
size it times the first run (everything changes: haveged installed from the cached .deb, files
written, handlers), a second run (nothing changes) with module executions counted, then the median
of --repeat more re-runs, and prints how the 20-node run compares
with 20 times the 1-node run. Needs root (chroot) and the cached base root
(tests/node_roots/build_base.sh, run automatically).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOTS = os.path.join(REPO, "tests", "node_roots")
IMAGE = "swr.cn-south-1.myhuaweicloud.com/ascendhub/mindie:2.1.RC1-800I-A2-py311-openeuler24.03-lts"


def make_roots(workdir, count):
    hosts = []
    for i in range(count):
        root = os.path.join(workdir, "node-%02d" % i)
        subprocess.run([sys.executable, os.path.join(ROOTS, "make_root.py"), root, "fresh",
                        "--npu-scenario", "a2_healthy"], check=True, stdout=subprocess.DEVNULL)
        hosts.append(("node-%02d" % i, root))
    inventory = os.path.join(workdir, "inventory.yml")
    with open(inventory, "w") as handle:
        handle.write("pdserve_nodes:\n  vars:\n")
        handle.write("    ansible_connection: community.general.chroot\n")
        handle.write("    ansible_python_interpreter: /usr/bin/python3\n")
        handle.write("    node_prepare_image_name: %s\n" % IMAGE)
        handle.write("    node_prepare_weight_mount_path: /data/models\n")
        handle.write("    node_prepare_model_dir: qwen2.5-7b\n")
        handle.write("  hosts:\n")
        for name, root in hosts:
            handle.write("    %s: {ansible_host: %s}\n" % (name, root))
    return inventory


def run_playbook(inventory, forks, counts=None):
    env = dict(os.environ, ANSIBLE_FORKS=str(forks), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal")
    if counts:
        # benchmarks/callback/count_modules.py: module executions per node, by module
        env.update(ANSIBLE_CALLBACK_PLUGINS=os.path.join(REPO, "benchmarks", "callback"),
                   ANSIBLE_CALLBACKS_ENABLED="count_modules", PDSERVE_COUNT_MODULES_OUT=counts)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    start = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
                           os.path.join(REPO, "playbooks", "node_prepare.yml")],
                          cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        sys.exit("ansible-playbook failed (rc %d)" % proc.returncode)
    return elapsed


def module_counts(path):
    """{module: executions} on the first node (every node runs the same tasks), and the total."""
    with open(path) as handle:
        data = json.load(handle)
    node = data.get("node-00", {})
    return node, sum(node.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the roots (printed) for inspection")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed re-runs per size after the counted one; their median is the figure (default 3)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_node_prepare: needs root (chroot)")
    subprocess.run([os.path.join(ROOTS, "build_base.sh")], check=True, stdout=subprocess.DEVNULL)

    results = {}
    for count in args.nodes:
        workdir = tempfile.mkdtemp(prefix="pdserve-bench-%d-" % count)
        try:
            inventory = make_roots(workdir, count)
            counts = [os.path.join(workdir, "counts-first.json"), os.path.join(workdir, "counts-again.json")]
            first = run_playbook(inventory, args.forks, counts[0])
            counted = run_playbook(inventory, args.forks, counts[1])
            # a re-run takes a few seconds: one run's noise would decide the ratio; the median of
            # several without the counting callback does not
            agains = sorted(run_playbook(inventory, args.forks) for _ in range(max(args.repeat, 1)))
            again = statistics.median(agains)
            results[count] = (first, again)
            print("%3d node(s): first run %6.1f s, re-run (no change) %6.2f s (median of %d: %s; counted re-run %.2f s)"
                  % (count, first, again, len(agains), " ".join("%.2f" % a for a in agains), counted), flush=True)
            if count == min(args.nodes):
                for label, path in zip(("first run", "re-run"), counts):
                    per_module, total = module_counts(path)
                    print("    module executions per node, %s: %d %s" % (label, total, json.dumps(per_module, sort_keys=True)))
        finally:
            if args.keep:
                print("    roots kept in %s" % workdir)
            else:
                shutil.rmtree(workdir)

    if 1 in results and len(results) > 1:
        one_first, one_again = results[1]
        for count, (first, again) in sorted(results.items()):
            if count == 1:
                continue
            print("%d vs 1 node: first run x%.1f, re-run x%.1f (serial would be x%d)"
                  % (count, first / one_first, again / one_again, count))


if __name__ == "__main__":
    main()
