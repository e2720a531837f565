# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Platform facts of pdserve.cluster, written once (private: not a public API).

Everything here is a fact about the hardware, the Kubernetes device plugins or pdserve's own
conventions that more than one configuration family, module, filter or role needs. Modules,
filters and the roles' Jinja (through the ``pdserve.cluster.platform`` filter) read it from here;
nothing else spells these literals.

- Hardware kinds (:data:`HARDWARE_TYPES`), NPUs per node (:data:`NPUS_PER_NODE`), the node labels
  the device plugin's operator sets (:func:`node_selector`) and the extended resource a pod asks
  for (:func:`npu_resource`, :data:`GPU_RESOURCE`); the GPU nodes' labels.
- The device plugin's allocation annotations (:data:`CONFIG_ANNOTATION`, :data:`ALLOC_ANNOTATION`).
- The label schema of pdserve's objects (:func:`stack_labels`) and its field manager.
- Fixed paths inside pods (:data:`POD_CERT_DIR`, :data:`PKI_MOUNT_PATH`).
- The namespace fallback (:data:`DEFAULT_NAMESPACE`).
- The system-path rule for weight / model paths (:func:`system_path_rule`).

Standard library only: shipped to managed hosts with the modules that use it.
"""
from __future__ import annotations

import posixpath
import re

# -------------------------------------------------------------------------------- hardware kinds
#: Atlas 800I A2 (8 NPUs, Ascend 910B) and Atlas 800I A3 (16 NPUs, super pods).
HW_A2 = "800I_A2"
HW_A3 = "800I_A3"
#: The hardware kinds of MindIE Motor and of the ranktable formats (no A5 there).
ATLAS_800I_TYPES = (HW_A2, HW_A3)
#: The Atlas 350 / 850 / 950 ("A5") families of the current MindIE-PyMotor deployer
#: (lib/constant.py HARDWARE_TYPE_950I_A5) -> their pod annotation huawei.com/schedule_policy.
#: Accelerator label huawei-npu, accelerator-type = the kind itself, NPU resource huawei.com/npu,
#: no ring-controller label.
A5_SCHEDULE_POLICY = {
    "350-Atlas-8": "chip1-node8",
    "350-Atlas-16": "chip1-node16",
    "350-Atlas-4p-8": "chip4-node8",
    "350-Atlas-4p-16": "chip4-node16",
    "850-Atlas-8p-8": "chip8-node8",
    "850-SuperPod-Atlas-8": "chip8-node8-sp",
    "950-SuperPod-Atlas-8": "chip8-node8-ra64-sp",
}
A5_HARDWARE_TYPES = tuple(A5_SCHEDULE_POLICY)
HARDWARE_TYPES = ATLAS_800I_TYPES + A5_HARDWARE_TYPES
#: NPUs of one node, from the vendor documents. Not known for the A5 families: upstream checks
#: no count there and its own 950-SuperPod-Atlas-8 example asks 16 per pod, so the per-pod limit
#: is left to the preflight, which reads the nodes' allocatable huawei.com/npu.
NPUS_PER_NODE = {HW_A2: 8, HW_A3: 16}

# ----------------------------------------------------------------------------------- node labels
ACCELERATOR_LABEL = "accelerator"
ACCELERATOR_TYPE_LABEL = "accelerator-type"
ACCELERATOR = "huawei-Ascend910"
ACCELERATOR_A5 = "huawei-npu"
ACCELERATOR_TYPE = dict({HW_A2: "module-910b-8", HW_A3: "module-a3-16"}, **{hw: hw for hw in A5_HARDWARE_TYPES})
#: Pod label the Volcano / ring controller reads on 910B-family pods (not on A5).
RING_CONTROLLER_LABEL = "ring-controller.atlas"
RING_CONTROLLER = "ascend-910b"
#: Pod / workload annotation that asks Volcano for a super-pod block (every kind but the A2).
SP_BLOCK_ANNOTATION = "sp-block"
SCHEDULE_POLICY_ANNOTATION = "huawei.com/schedule_policy"

#: The scheduler of NPU pods on real Ascend clusters: Volcano (MindCluster's fault scheduling; the
#: only one that honours sp-block).
NPU_SCHEDULER = "volcano"

# ------------------------------------------------------------------------------------- resources
NPU_RESOURCE = "huawei.com/Ascend910"
NPU_RESOURCE_A5 = "huawei.com/npu"
#: The NVIDIA device plugin's extended resource (the Dynamo stack's workers ask for it).
GPU_RESOURCE = "nvidia.com/gpu"
#: Node labels of NVIDIA's GPU feature discovery (part of the GPU operator): whether a node has
#: GPUs, their product name (``NVIDIA-A100-SXM4-80GB``, spaces as dashes) and their count.
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"
GPU_COUNT_LABEL = "nvidia.com/gpu.count"
#: The NVIDIA container runtime's name in containerd's / Docker's runtime table and the
#: RuntimeClass handler the GPU operator makes.
NVIDIA_RUNTIME = "nvidia"

#: The NPU resource of the Atlas A3 servers in the Kthena / Mooncake document (Huawei Cloud CCE's
#: device plugin names the 910C "ascend-1980"); the pods of the kthena_mooncake stack ask for it.
NPU_RESOURCE_1980 = "huawei.com/ascend-1980"

# ------------------------------------------------------------------------- Kthena and Volcano
#: Kthena's ModelServing API group / version and the pod labels its controller sets on every pod
#: (pkg/apis/workload/v1alpha1/labels.go of github.com/volcano-sh/kthena v1.0.0).
KTHENA_WORKLOAD_API = "workload.serving.volcano.sh/v1alpha1"
KTHENA_NETWORKING_API = "networking.serving.volcano.sh/v1alpha1"
KTHENA_NAME_LABEL = "modelserving.volcano.sh/name"
KTHENA_GROUP_LABEL = "modelserving.volcano.sh/group-name"
KTHENA_ROLE_LABEL = "modelserving.volcano.sh/role"
KTHENA_ROLE_ID_LABEL = "modelserving.volcano.sh/role-id"
KTHENA_ENTRY_LABEL = "modelserving.volcano.sh/entry"
#: The CRDs a Kthena ModelServing stack needs, and Volcano's (PodGroups, queues).
KTHENA_CRDS = ("modelservings.workload.serving.volcano.sh",)
VOLCANO_CRDS = ("podgroups.scheduling.volcano.sh", "queues.scheduling.volcano.sh")

# ---------------------------------------------------------- the device plugin's pod annotations
#: JSON ``{"pod_name", "server_id", "super_pod_id", "devices": [{"device_id", "device_ip",
#: "super_device_id"}]}`` (MindCluster ascend-device-plugin).
CONFIG_ANNOTATION = "ascend.kubectl.kubernetes.io/ascend-910-configuration"
#: ``"Ascend910-0,Ascend910-1"``: the allocated device ids only.
ALLOC_ANNOTATION = NPU_RESOURCE


def is_a5(hardware):
    """Whether ``hardware`` is one of the A5 families."""
    return hardware in A5_SCHEDULE_POLICY


def node_selector(hardware):
    """The node labels of a ``hardware`` node: ``{"accelerator": ..., "accelerator-type": ...}``."""
    return {ACCELERATOR_LABEL: ACCELERATOR_A5 if is_a5(hardware) else ACCELERATOR,
            ACCELERATOR_TYPE_LABEL: ACCELERATOR_TYPE[hardware]}


def npu_resource(hardware):
    """The extended resource a pod on ``hardware`` asks for."""
    return NPU_RESOURCE_A5 if is_a5(hardware) else NPU_RESOURCE


# -------------------------------------------------------------------- label schema of our objects
MANAGED_BY = "app.kubernetes.io/managed-by"
PART_OF = "app.kubernetes.io/part-of"
INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"
#: The value of managed-by and part-of, and the server-side apply field manager.
MANAGER = "pdserve"
FIELD_MANAGER = MANAGER
#: The stack role that rendered an object (pruning and uninstall select on it).
STACK_LABEL = "pdserve.io/stack"
INSTANCE_INDEX = "pdserve.io/instance-index"
PD_ROLE_LABEL = "pdserve.io/pd-role"
CA_SHA256_ANNOTATION = "pdserve.io/ca-sha256"
HARDWARE_TYPE_ANNOTATION = "pdserve.io/hardware-type"


def stack_labels(job_id, component=None, stack=None):
    """The labels an object of the stack ``job_id`` carries (``component``, ``stack`` when given)."""
    labels = {MANAGED_BY: MANAGER, PART_OF: MANAGER, INSTANCE: job_id}
    if component:
        labels[COMPONENT] = component
    if stack:
        labels[STACK_LABEL] = stack
    return labels


def stack_label_selectors(job_id):
    """The label selectors (``key=value`` strings) of every object of the stack ``job_id``."""
    return ["%s=%s" % (MANAGED_BY, MANAGER), "%s=%s" % (INSTANCE, job_id)]


# ----------------------------------------------------------------------------------- fixed paths
#: Where each pod writes its own certificate (an in-memory emptyDir; roles/pki's generator).
POD_CERT_DIR = "/mnt/pdserve-tls"
#: The files the per-pod certificate generator (roles/pki, files/pdserve_pod_cert.py) writes
#: into POD_CERT_DIR: the CA bundle, the certificate, its key and the key's passphrase.
POD_CA_FILE = "ca.pem"
POD_CERT_FILE = "cert.pem"
POD_KEY_FILE = "cert.key.pem"
POD_PASSWD_FILE = "cert_passwd.txt"
#: Where a component's PKI Secret (CA, generator config) is mounted read-only.
PKI_MOUNT_PATH = "/mnt/security"

# ------------------------------------------------------------------------------------- namespace
#: The namespace when nothing names one (no pdserve_namespace, no job_id in the configuration).
#: One value: MindIE Motor's ``job_id`` default (its PD document's namespace), so a Motor stack
#: deployed without a job_id is the one ``status`` / ``logs`` / ``uninstall`` find. Before issue
#: 15 the stack role fell back to ``mindie-motor`` and the Motor model to ``mindie``; a
#: MindIE-PyMotor configuration always names its job_id (it is required), so only the
#: no-configuration case of ``status`` / ``logs`` / ``uninstall`` / ``smoke_test`` moved.
DEFAULT_NAMESPACE = "mindie"

# ---------------------------------------------------------------------------------- system paths
#: Trees a weight or model path must be neither equal to nor below (the vendor documents forbid
#: system-critical paths for weights: a hostPath of one would put the node's files over the
#: container's own). "/" is refused as itself only (everything is below it). The /lib* family
#: is /lib, /lib32, /lib64 and /libx32 (not, say, /library).
SYSTEM_TREES = ("/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/var/run", "/run", "/usr", "/bin",
                "/lib", "/lib32", "/lib64", "/libx32", "/sbin")
SYSTEM_RULE = "must not be / or a system path (%s) or below one" % ", ".join(SYSTEM_TREES)
_SYSTEM_RE = re.compile(r"^(%s)(/|$)" % "|".join(re.escape(t) for t in SYSTEM_TREES))


def system_path_rule(path):
    """The rule ``path`` breaks (text), or None. ``path`` is normalised first (``/x/../etc``
    is ``/etc``); a path that is not absolute is not judged here."""
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    norm = posixpath.normpath(path)
    if norm.startswith("//"):
        norm = "/" + norm.lstrip("/")
    if norm == "/":
        return SYSTEM_RULE + ": it is /"
    match = _SYSTEM_RE.match(norm)
    if match:
        return SYSTEM_RULE + ": it is %s%s" % ("" if norm == match.group(1) else "below ", match.group(1))
    return None


#: The facts the roles' Jinja reads through the ``pdserve.cluster.platform`` filter.
FACTS = {
    "default_namespace": DEFAULT_NAMESPACE,
    "pod_cert_dir": POD_CERT_DIR,
    "pki_mount_path": PKI_MOUNT_PATH,
    "npu_resource": NPU_RESOURCE,
    "npu_scheduler": NPU_SCHEDULER,
    "npu_resource_a5": NPU_RESOURCE_A5,
    "gpu_resource": GPU_RESOURCE,
    "gpu_present_label": GPU_PRESENT_LABEL,
    "gpu_product_label": GPU_PRODUCT_LABEL,
    "gpu_count_label": GPU_COUNT_LABEL,
    "nvidia_runtime": NVIDIA_RUNTIME,

    "npu_resource_1980": NPU_RESOURCE_1980,
    "kthena_workload_api": KTHENA_WORKLOAD_API,
    "kthena_group_label": KTHENA_GROUP_LABEL,
    "kthena_role_label": KTHENA_ROLE_LABEL,
    "kthena_role_id_label": KTHENA_ROLE_ID_LABEL,
    "kthena_name_label": KTHENA_NAME_LABEL,
    "managed_by": MANAGED_BY,
    "part_of": PART_OF,
    "instance": INSTANCE,
    "component": COMPONENT,
    "manager": MANAGER,
    "field_manager": FIELD_MANAGER,
    "stack_label": STACK_LABEL,
    "instance_index": INSTANCE_INDEX,
    "hardware_types": list(HARDWARE_TYPES),
    "npus_per_node": dict(NPUS_PER_NODE),
}
