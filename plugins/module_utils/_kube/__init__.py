# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The Kubernetes side of pdserve.cluster (private: not a public API), by job, in the spirit of
kubernetes.core's ``module_utils/k8s/``:

- ``client``: the API client (``Reader``: plain REST reads and the run's own writes, the auth
  options of kubernetes.core, retries with backoff; ``poll``);
- ``objects``: our labels on a stack's objects and small helpers over objects as dicts;
- ``capacity``: node capacity against what a stack asks for (quantities, taints, placement);
- ``waiter``: one readiness predicate per kind, and why a pod is not Ready, in words;
- ``lease``: the Leases that keep two deploys of a stack (or of a NodePort) apart;
- ``ownership``: which live objects are ours (apply takes over and purge deletes only those);
- ``pod_security``: the Pod Security level our pods need and what the namespace allows;
- ``workload_diff``: the scale guard on rendered workloads (only counts may change).

The stack's objects themselves are written by ``kubernetes.core.k8s`` (server-side apply).
"""
