"""Tests that need a real API server: the sandbox (tools/sandbox/sandbox up). They run in the
molecule stage of tools/run-tests, after the sandbox is up; KUBECONFIG names it."""
from __future__ import annotations

import json
import os
import subprocess
import time
import uuid

import pytest
from kubernetes import client, config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="session")
def api():
    kubeconfig = os.environ.get("KUBECONFIG")
    if not kubeconfig or not os.path.exists(kubeconfig):
        pytest.fail("KUBECONFIG must name the running sandbox (eval \"$(tools/sandbox/sandbox env)\")")
    config.load_kube_config(kubeconfig)
    return client.ApiClient()


@pytest.fixture(scope="session")
def kubeconfig(api):
    return os.environ["KUBECONFIG"]


@pytest.fixture
def namespace(api):
    name = "t-" + uuid.uuid4().hex[:8]
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


@pytest.fixture
def a3_pool(api, namespace):
    """Two simulated 800I A3 nodes that only this test selects (a label of its own), so the
    capacity it measures is not taken by whatever else runs on the sandbox. Yields the pool's
    node selector and its node names."""
    core = client.CoreV1Api(api)
    selector = {"accelerator-type": "module-a3-16", "pdserve.io/test-pool": namespace}
    names = ["%s-a3-%d" % (namespace, i) for i in (1, 2)]
    npus = {"cpu": "320", "memory": "2Ti", "pods": "110", "huawei.com/Ascend910": "16"}
    nodes = [{"apiVersion": "v1", "kind": "Node",
              "metadata": {"name": name, "annotations": {"kwok.x-k8s.io/node": "fake"},
                           "labels": dict(selector, **{"kubernetes.io/hostname": name, "type": "kwok",
                                                       "accelerator": "huawei-Ascend910"})},
              "status": {"allocatable": npus, "capacity": npus}} for name in names]
    kubectl("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": nodes}))

    def ready():
        nodes = core.list_node(label_selector="pdserve.io/test-pool=" + namespace).items
        # Ready, and the node lifecycle controller has lifted the not-ready taint it starts with.
        return len(nodes) == len(names) and all(
            not n.spec.taints and any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or [])
            for n in nodes)
    wait_until(ready)
    yield selector, names
    for name in names:
        core.delete_node(name)


def kubectl(*args, stdin=None):
    done = subprocess.run(["kubectl", *args], input=stdin, capture_output=True, text=True, check=False)
    if done.returncode:
        raise AssertionError("kubectl %s: %s" % (" ".join(args), done.stderr))
    return done.stdout


def wait_until(check, timeout=30, interval=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in %ss" % timeout)
