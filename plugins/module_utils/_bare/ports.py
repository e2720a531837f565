# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The scheduler's ``NODE_PORTS`` from the merged global ranktable (private: not a public API).

The document: NODE_PORTS lists the ``--port`` of every prefill and decode instance "in the order
of the prefill and decode instances of the global rank table" (group "1", then group "2"), or
the scheduler reports an error. So it is read from the merged table, never typed.
"""

from __future__ import annotations


def node_ports(instances, instance_ports):
    """``"8088,8089"`` from the merged table's instances (``ranktable`` module's ``instances``:
    the scheduler, then prefill, then decode entries, each with ``local_file``) and the ports
    by local table name (``bare_config``'s ``derived.instance_ports``). Raises ValueError naming
    an instance of the table that has no port (a table that does not belong to the stack)."""
    ports = []
    for item in instances:
        if item.get("role") not in ("prefill", "decode"):
            continue
        local = item.get("local_file")
        if local not in instance_ports:
            raise ValueError("the merged global ranktable lists %s instance %s (%s) that the stack does not run"
                             % (item.get("role"), local, item.get("server_ip")))
        ports.append(str(instance_ports[local]))
    return ",".join(ports)
