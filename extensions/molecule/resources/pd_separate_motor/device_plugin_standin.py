#!/usr/bin/env python3
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""TEST STAND-IN for the Ascend device plugin (the sandbox's kwok nodes have none).

On a real cluster the Ascend device plugin allocates NPUs to a pod when kubelet admits it and
annotates the pod with what it allocated:

- ``huawei.com/Ascend910``: ``"Ascend910-0,Ascend910-1"`` (the allocated chips)
- ``ascend.kubectl.kubernetes.io/ascend-910-configuration``: JSON
  ``{"pod_name", "server_id" (host IP), "super_pod_id", "devices": [{"device_id", "device_ip",
  "super_device_id" (A3 only)}]}`` (MindCluster's device plugin ``Instance`` / ``Device``)

This script does the same for the pods of one namespace that ask for ``huawei.com/Ascend910``
and are bound to a node: lowest free device ids of that node (ids already given to other pods of
the namespace on that node are taken), a made-up device IP ``192.<host IP octets 3.4>.<id+1>``
and, on 16-NPU nodes, a super_device_id. A pod already annotated is left alone, as the plugin
never reallocates.
It runs for ``--timeout`` seconds (a rollout or a scale may come at any time during a
test step); a new run for the same namespace ends the previous one (pid file in the temporary
folder, checked to be this script). Test use only.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time

from kubernetes import client, config

RESOURCE = "huawei.com/Ascend910"
CONFIG_ANNOTATION = "ascend.kubectl.kubernetes.io/ascend-910-configuration"


def npus(pod):
    total = 0
    for c in pod.spec.containers or []:
        req = (c.resources.requests or {}) if c.resources else {}
        total += int(req.get(RESOURCE, 0) or 0)
    return total


def used_ids(pod):
    raw = (pod.metadata.annotations or {}).get(CONFIG_ANNOTATION)
    if not raw:
        return None
    return [int(d["device_id"]) for d in json.loads(raw).get("devices") or []]


def step(api, namespace):
    """Annotate what can be annotated; return (NPU pods still without annotation, NPU pods)."""
    pods = [p for p in api.list_namespaced_pod(namespace).items if npus(p) and not p.metadata.deletion_timestamp]
    nodes = {n.metadata.name: n for n in api.list_node().items}
    waiting = 0
    given = {}  # node -> ids given in this step (the listed pods do not show them yet)
    for pod in sorted(pods, key=lambda p: p.metadata.name):
        if used_ids(pod) is not None:
            continue
        if not pod.spec.node_name or not pod.status.host_ip:
            waiting += 1
            continue
        node = nodes[pod.spec.node_name]
        capacity = int((node.status.allocatable or {}).get(RESOURCE, 0))
        taken = set(given.get(pod.spec.node_name, ()))
        for other in pods:
            if other.spec.node_name == pod.spec.node_name and used_ids(other):
                taken.update(used_ids(other))
        free = [i for i in range(capacity) if i not in taken][:npus(pod)]
        if len(free) < npus(pod):
            print("no free NPUs for %s on %s" % (pod.metadata.name, pod.spec.node_name), file=sys.stderr)
            waiting += 1
            continue
        octets = pod.status.host_ip.split(".")
        a3 = capacity == 16
        devices = []
        for i in free:
            dev = {"device_id": str(i), "device_ip": "192.%s.%s.%d" % (octets[2], octets[3], i + 1)}
            if a3:
                dev["super_device_id"] = str(int(octets[3]) * 100 + i)
            devices.append(dev)
        doc = {"pod_name": pod.metadata.name, "server_id": pod.status.host_ip, "super_pod_id": 0, "devices": devices}
        body = {"metadata": {"annotations": {
            RESOURCE: ",".join("Ascend910-%d" % i for i in free),
            CONFIG_ANNOTATION: json.dumps(doc, separators=(",", ":")),
        }}}
        api.patch_namespaced_pod(pod.metadata.name, namespace, body)
        given.setdefault(pod.spec.node_name, set()).update(free)
        print("annotated %s on %s: %s" % (pod.metadata.name, pod.spec.node_name, free))
    return waiting, len(pods)


def replace_previous(namespace):
    """End the previous stand-in of this namespace (only if that pid is this script), record ours."""
    pidfile = os.path.join(tempfile.gettempdir(), "pdserve-device-plugin-standin-%s.pid" % namespace)
    try:
        with open(pidfile) as handle:
            old = int(handle.read().strip())
        with open("/proc/%d/cmdline" % old, "rb") as handle:
            if b"device_plugin_standin" in handle.read() and old != os.getpid():
                os.kill(old, signal.SIGTERM)
    except (OSError, ValueError):
        pass
    with open(pidfile, "w") as handle:
        handle.write(str(os.getpid()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    replace_previous(args.namespace)
    config.load_kube_config()
    api = client.CoreV1Api()
    start = time.monotonic()
    while time.monotonic() - start < args.timeout:
        try:
            step(api, args.namespace)
        except client.exceptions.ApiException as exc:
            print("API: %s" % exc.reason, file=sys.stderr)
        time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
