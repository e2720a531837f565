"""The plumbing the sandbox's TEST-ONLY controllers share (iss_controller.py, rbg_controller.py):
a Controller base with the run's API clients and a work queue (watches enqueue (namespace, name)
keys, one worker reconciles them, a failed reconcile is retried a second later), watches that
reconnect, and the program's main()."""
from __future__ import annotations

import logging
import signal
import sys
import threading
import time

from kubernetes import client, config, watch

LOG = logging.getLogger("sandbox-controller")


class Controller:
    """Subclasses define reconcile(ns, name)."""

    def __init__(self) -> None:
        self.api = client.ApiClient()
        self.custom = client.CustomObjectsApi(self.api)
        self.apps = client.AppsV1Api(self.api)
        self.core = client.CoreV1Api(self.api)
        self.pending: set[tuple[str, str]] = set()
        self.cond = threading.Condition()

    def reconcile(self, ns: str, name: str) -> None:  # pragma: no cover - subclasses
        raise NotImplementedError

    def enqueue(self, ns: str, name: str) -> None:
        with self.cond:
            self.pending.add((ns, name))
            self.cond.notify()

    def worker(self) -> None:
        while True:
            with self.cond:
                while not self.pending:
                    self.cond.wait()
                ns, name = self.pending.pop()
            try:
                self.reconcile(ns, name)
            except Exception as exc:  # keep running; retry shortly
                LOG.warning("reconcile %s/%s failed: %s", ns, name, exc)
                threading.Timer(1.0, self.enqueue, (ns, name)).start()

    def watch(self, what: str, key, lister, *args, **kwargs) -> None:
        """Enqueue key(object) -> (namespace, name) for every event of lister(*args, **kwargs),
        reconnecting for ever."""
        while True:
            try:
                for ev in watch.Watch().stream(lister, *args, timeout_seconds=300, **kwargs):
                    self.enqueue(*key(ev["object"]))
            except Exception as exc:
                LOG.warning("%s watch: %s", what, exc)
                time.sleep(1)


def main(make_controller, watches, banner: str) -> int:
    """Load the kubeconfig (argv[1]), make the controller, start watches(ctl) -> [(what, key,
    lister, args, kwargs)] on threads and reconcile on this one."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config.load_kube_config(config_file=sys.argv[1] if len(sys.argv) > 1 else None)
    ctl = make_controller()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    for what, key, lister, args, kwargs in watches(ctl):
        threading.Thread(target=ctl.watch, args=(what, key, lister, *args), kwargs=kwargs, daemon=True).start()
    LOG.info(banner)
    ctl.worker()
    return 0
