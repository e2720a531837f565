# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""What runs on the control node only (private: not a public API): the run's lock file and
holder identity (``lock``; the Leases in ``_kube.lease`` name their holder the same way), and
the rendered manifests written to the audit folder (``manifests``).
"""
