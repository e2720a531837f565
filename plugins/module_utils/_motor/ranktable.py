# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The MindIE Motor global ranktable from the pods of a deployed stack (private API).

MindIE Motor's deploy scripts create a ``global-ranktable`` ConfigMap with ``status:
initializing``; once the server pods are scheduled, the table is filled from the pods (pod IP,
host IP, the NPUs the Ascend device plugin allocated, their device IPs) and set ``completed``;
the servers wait for ``completed``. This module does the reading half of that, with no API
access of its own: plain pod dicts in, ``_ranktable.build_mindie_motor`` records and the table
out.

Where a pod's NPUs come from (the Ascend device plugin, see MindCluster's
``ascend-device-plugin``): annotation ``ascend.kubectl.kubernetes.io/ascend-910-configuration``,
JSON ``{"pod_name", "server_id" (host IP), "super_pod_id", "devices": [{"device_id",
"device_ip", "super_device_id" (A3)}]}``; else annotation ``huawei.com/Ascend910``
(``"Ascend910-0,Ascend910-1"``), which carries ids only.

Device IPs: ``device_ips`` (per node name or host IP, what ``npu_facts`` reports for that node,
or ``{id: ip}``) first; the device plugin's ``device_ip`` is the fallback. A device with
neither is an error naming the pod and the device.

Public names: :func:`pod_allocation`, :func:`records_from_pods`, :func:`table_from_pods`,
:func:`initializing_text`, constants ``CONFIG_ANNOTATION``, ``ALLOC_ANNOTATION``.
"""
from __future__ import annotations

import json

from ansible_collections.pdserve.cluster.plugins.module_utils import _ranktable as rt
from ansible_collections.pdserve.cluster.plugins.module_utils._motor.derive import POD_NAMES, SERVER_PODS
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    ALLOC_ANNOTATION,
    COMPONENT,
    CONFIG_ANNOTATION,
    HW_A2,
    HW_A3,
)


PORT_FIELDS = (("predict_port", "port"), ("mgmt_port", "management"), ("metric_port", "metrics"),
               ("inter_comm_port", "inter_comm"))


def _meta(pod):
    return pod.get("metadata") or {}


def _name(pod):
    return _meta(pod).get("name", "?")


def pod_allocation(pod):
    """``{"device_ids": [int], "devices": {id str: {"ip", "super_device_id"}}, "super_pod_id",
    "server_id"}`` from the device plugin's annotations, or None when the pod has none yet.
    Raises ValueError on an annotation that does not parse."""
    annotations = _meta(pod).get("annotations") or {}
    raw = annotations.get(CONFIG_ANNOTATION)
    if raw:
        try:
            doc = json.loads(raw)
            devices = doc.get("devices") or []
            ids = [int(d["device_id"]) for d in devices]
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ValueError("pod %s: annotation %s is not the device plugin's JSON (%s)"
                             % (_name(pod), CONFIG_ANNOTATION, exc))
        info = {}
        for d in devices:
            entry = {"ip": d.get("device_ip") or None, "super_device_id": None}
            if d.get("super_device_id") not in (None, ""):
                entry["super_device_id"] = str(d["super_device_id"])
            info[str(int(d["device_id"]))] = entry
        return {"device_ids": ids, "devices": info, "super_pod_id": doc.get("super_pod_id", 0),
                "server_id": doc.get("server_id") or None}
    raw = annotations.get(ALLOC_ANNOTATION)
    if raw:
        ids = []
        for item in raw.split(","):
            item = item.strip()
            tail = item.rsplit("-", 1)[-1]
            if not tail.isdigit():
                raise ValueError("pod %s: annotation %s: %r is not <chip>-<id>" % (_name(pod), ALLOC_ANNOTATION, item))
            ids.append(int(tail))
        return {"device_ids": ids, "devices": {}, "super_pod_id": 0, "server_id": None}
    return None


def _host_ips(device_ips, pods):
    """device_ips keyed by node name or host IP -> keyed by host IP (node names through the pods)."""
    node_ip = {}
    for pod in pods:
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        if spec.get("nodeName") and status.get("hostIP"):
            node_ip[spec["nodeName"]] = status["hostIP"]
    out = {}
    errors = []
    for key, value in (device_ips or {}).items():
        out[node_ip.get(str(key), str(key))] = rt.device_info(value, "device_ips[%s]" % key, errors)
    if errors:
        raise ValueError("; ".join(errors))
    return out


def _live(pods):
    return [p for p in pods if not _meta(p).get("deletionTimestamp")]


def records_from_pods(pods, derived, device_ips=None):
    """``(records, pending)``: one ``build_mindie_motor`` record per coordinator, controller and
    server (a single container gives one of each kind and one server per server process), and
    the reasons the table cannot be completed yet (empty when it can). ``derived`` is
    motor_config's ``derived`` (or its stack view). Deterministic order: kind, then pod name."""
    pods = _live(pods)
    kinds = derived.get("pods") or {}
    hosts = _host_ips(device_ips, pods)
    pending = []
    records = []
    for kind in ("coordinator", "controller") + SERVER_PODS:
        if kind not in kinds:
            continue
        component = POD_NAMES[kind][1]
        want = kinds[kind]["replicas"]
        mine = sorted((p for p in pods if (_meta(p).get("labels") or {}).get(COMPONENT) == component), key=_name)
        if len(mine) != want:
            pending.append("%s: %d pod(s), want %d" % (component, len(mine), want))
            continue
        for pod in mine:
            status, spec = pod.get("status") or {}, pod.get("spec") or {}
            if status.get("phase") != "Running" or not status.get("podIP") or not status.get("hostIP"):
                pending.append("pod %s: %s, not Running with an IP yet" % (_name(pod), status.get("phase") or "Pending"))
                continue
            base = {"server_id": status["hostIP"], "container_ip": status["podIP"], "pod": _name(pod),
                    "node": spec.get("nodeName")}
            if kind == "single_container":
                records.append(dict(base, group="coordinator"))
                records.append(dict(base, group="controller"))
            elif kind in ("coordinator", "controller"):
                records.append(dict(base, group=kind))
                continue
            alloc = pod_allocation(pod)
            npus = kinds[kind]["npus_per_pod"]
            if alloc is None:
                pending.append("pod %s: no NPU allocation from the device plugin yet (annotation %s)"
                               % (_name(pod), CONFIG_ANNOTATION))
                continue
            if len(alloc["device_ids"]) != npus:
                pending.append("pod %s: the device plugin allocated %d NPU(s), the pod asks for %d"
                               % (_name(pod), len(alloc["device_ids"]), npus))
                continue
            host = hosts.get(status["hostIP"], {})
            devices = {}
            sdids = {}
            for did in alloc["device_ids"]:
                key = str(did)
                fact = host.get(key) or {}
                plugin = alloc["devices"].get(key) or {}
                ip = fact.get("ip") or plugin.get("ip")
                if ip:
                    devices[key] = ip
                sdid = fact.get("super_device_id") or plugin.get("super_device_id")
                if sdid is not None:
                    sdids[key] = str(sdid)
            if kind == "single_container":
                ports = kinds[kind].get("ports") or []
                width = derived.get("world_size") or 1
                for i, port in enumerate(ports):
                    ids = alloc["device_ids"][i * width:(i + 1) * width]
                    rec = dict(base, group="server", device_ids=ids,
                               device_ips={str(d): devices[str(d)] for d in ids if str(d) in devices})
                    rec.update({field: port[key] for field, key in PORT_FIELDS})
                    if derived.get("hardware_type") == HW_A3:
                        rec["super_device_ids"] = {str(d): sdids[str(d)] for d in ids if str(d) in sdids}
                        rec["super_pod_id"] = alloc["super_pod_id"]
                    records.append(rec)
                continue
            rec = dict(base, group="server", device_ids=list(alloc["device_ids"]), device_ips=devices)
            if kinds[kind].get("hardware_type"):
                rec["hardware_type"] = kinds[kind]["hardware_type"]
            if derived.get("hardware_type") == HW_A3:
                rec["super_device_ids"] = sdids
                rec["super_pod_id"] = alloc["super_pod_id"]
            records.append(rec)
    return records, pending


def _build_records(records):
    """Records without our bookkeeping keys (pod, node) and without empty maps."""
    out = []
    for rec in records:
        rec = {k: v for k, v in rec.items() if k not in ("pod", "node")}
        for key in ("device_ips", "super_device_ids"):
            if key in rec and not rec[key]:
                rec.pop(key)
        out.append(rec)
    return out


def initializing_text(derived):
    """The ConfigMap content before the pods are known: empty groups, ``initializing``."""
    return rt.dumps(rt.build_mindie_motor([], hardware_type=derived.get("hardware_type") or HW_A2,
                                          status="initializing"))


def table_from_pods(pods, derived, device_ips=None):
    """``{"complete", "pending", "ranktable", "text", "records"}``. ``text`` is what the ConfigMap
    holds: the completed table when every expected pod is Running with its NPUs, else the
    initializing one. Raises ``_ranktable.RanktableError`` when the pods give a table that breaks
    a rule (a device without IP, a device used twice on a host, ...), ValueError on a bad
    annotation or device_ips."""
    records, pending = records_from_pods(pods, derived, device_ips)
    if pending:
        return {"complete": False, "pending": pending, "ranktable": None, "text": initializing_text(derived),
                "records": records}
    doc = rt.build_mindie_motor(_build_records(records), hardware_type=derived.get("hardware_type") or HW_A2,
                                status="completed")
    return {"complete": True, "pending": [], "ranktable": doc, "text": rt.dumps(doc), "records": records}
