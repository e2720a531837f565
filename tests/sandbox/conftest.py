"""Tests that need a real API server: the sandbox (tools/sandbox/sandbox up). They run in the
molecule stage of tools/run-tests, after the sandbox is up; KUBECONFIG names it."""
from __future__ import annotations

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


def kubectl(*args, stdin=None):
    return subprocess.run(["kubectl", *args], input=stdin, capture_output=True, text=True, check=True).stdout


def wait_until(check, timeout=30, interval=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in %ss" % timeout)
