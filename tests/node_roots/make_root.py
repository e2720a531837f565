#!/usr/bin/env python
# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Make one node_prepare test root: a copy of the cached Debian base plus one starting state.

    make_root.py DEST PROFILE [--npu-scenario NAME] [--base TAR] [--image REF]

PROFILE is one of:

- fresh:      containerd node straight after `kubeadm join`: kubeadm's kubelet config
              (syncFrequency: 0s), no haveged, no daemon.json, image not present (the role pulls).
- configured: Docker (cri-dockerd) node an administrator already prepared by hand the way the
              reference documents say: syncFrequency 5s, log-opts in daemon.json (other key order,
              one line), haveged installed and configured, services running, image loaded.
- unrelated:  Docker node whose daemon.json and kubelet config carry unrelated keys and comments
              that must survive; partial log-opts; active swap; image to `docker load` from an archive.
- mistake:    containerd node where the image was `docker load`ed (invisible to the kubelet) and
              an archive is given; kubelet config with containerLogMaxSize 10Mi.

What cannot run in a chroot is replaced by the recording stand-ins of tests/node_roots/standin.py
(systemctl, swapoff, swapon, ctr, docker) and, for the NPU tools, by tests/fixtures/npu_tools (replaying
the recorded scenario named in /etc/pdserve-npu-recording). procfs is not mounted: the kernel
files the role reads are plain files seeded under the root's /proc.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NPU_TOOLS = os.path.join(REPO, "tests", "fixtures", "npu_tools")
DEFAULT_BASE = os.path.expanduser(os.environ.get("PDSERVE_NODE_ROOTS_CACHE", "~/.cache/pdserve-node-roots"))
DEFAULT_IMAGE = "swr.cn-south-1.myhuaweicloud.com/ascendhub/mindie:2.1.RC1-800I-A2-py311-openeuler24.03-lts"

# kubeadm's KubeletConfiguration as `kubeadm join` writes it (v1.31), abridged.
KUBEADM_KUBELET = """apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
cpuManagerReconcilePeriod: 0s
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
"""

CONFIGURED_KUBELET = """apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
staticPodPath: /etc/kubernetes/manifests
syncFrequency: 5s
"""

UNRELATED_KUBELET = """# managed by hand on this node: keep the comments
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock
cgroupDriver: systemd
clusterDNS:
  - 10.96.0.10
evictionHard:
  memory.available: "500Mi"
  nodefs.available: "10%"
featureGates:
  KubeletPodResourcesGet: true
syncFrequency: 1m0s   # upstream default
maxPods: 220
serializeImagePulls: false
reservedSystemCPUs: "0-3"
topologyManagerPolicy: best-effort
"""

MISTAKE_KUBELET = """apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
containerLogMaxSize: 10Mi
imageGCHighThresholdPercent: 90
maxPods: 110
"""

# containerd 1.7's `containerd config default`, cut to the CRI runtime part the role reads.
CONTAINERD_CONFIG = """version = 2
root = "/var/lib/containerd"
state = "/run/containerd"

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.10"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      snapshotter = "overlayfs"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"
          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            SystemdCgroup = true
"""

UNRELATED_DAEMON_JSON = """{
    "data-root": "/data/docker",
    "exec-opts": ["native.cgroupdriver=systemd"],
    "registry-mirrors": ["https://mirror.example.com"],
    "insecure-registries": ["10.0.0.5:5000"],
    "log-driver": "json-file",
    "log-opts": {"max-size": "100m", "labels": "app"},
    "default-runtime": "ascend",
    "runtimes": {"ascend": {"path": "/usr/local/Ascend/Ascend-Docker-Runtime/ascend-docker-runtime", "runtimeArgs": []}}
}
"""

# What the role's haveged drop-in renders with its defaults (the "configured" node has it already).
HAVEGED_DROPIN = """# Managed by pdserve.cluster node_prepare: refill the entropy pool up to 4096 bits.
[Service]
ExecStart=
ExecStart=/usr/sbin/haveged --Foreground --verbose=1 --write=4096
"""

UNIT = """[Unit]
Description=%s (pdserve test root stub: systemd does not run in a chroot)
[Service]
ExecStart=/bin/true
[Install]
WantedBy=multi-user.target
"""


def write(root, path, text, mode=0o644):
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as handle:
        handle.write(text)
    os.chmod(full, mode)


def install(root, src, dest, mode=0o755):
    full = os.path.join(root, dest.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if os.path.lexists(full):
        os.remove(full)
    shutil.copyfile(src, full)
    os.chmod(full, mode)


def image_archive(root, path, image):
    """A docker-archive (`docker save` format) holding the image's tag and an empty config."""
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}})
    manifest = json.dumps([{"Config": "config.json", "RepoTags": [image], "Layers": []}])
    with tarfile.open(full, "w") as tar:
        for name, data in (("config.json", config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data.encode())
            tar.addfile(info, io.BytesIO(data.encode()))


def standins(root, npu_scenario):
    install(root, os.path.join(HERE, "standin.py"), "/usr/local/lib/pdserve-standin/standin.py", 0o644)
    install(root, os.path.join(HERE, "standin_fast.sh"), "/usr/local/lib/pdserve-standin/fast.sh", 0o644)
    for tool, dest in (("systemctl", "/usr/bin/systemctl"), ("swapoff", "/usr/sbin/swapoff"), ("swapon", "/usr/sbin/swapon"),
                       ("ctr", "/usr/bin/ctr"), ("docker", "/usr/bin/docker")):
        # systemctl's and ctr's read-only calls in /bin/sh (standin_fast.sh), the rest in Python
        fast = ('. /usr/local/lib/pdserve-standin/fast.sh\n_standin_fast %s "$@"\n' % tool
                if tool in ("systemctl", "ctr") else "")
        write(root, dest, '#!/bin/sh\n%sexec /usr/bin/python3 -I -S /usr/local/lib/pdserve-standin/standin.py %s "$@"\n'
              % (fast, tool), 0o755)
    for unit in ("kubelet", "docker", "containerd"):
        write(root, "/lib/systemd/system/%s.service" % unit, UNIT % unit)
    # Stand-in (no GPU here): node_prepare_gpu_runtime only needs the NVIDIA Container Toolkit's
    # binary to exist; nothing runs it.
    write(root, "/usr/bin/nvidia-container-runtime", "#!/bin/sh\necho 'stand-in: no NVIDIA runtime here' >&2\nexit 1\n", 0o755)
    write(root, "/var/log/pdserve-standin/calls.log", "")
    if npu_scenario:
        if not os.path.isdir(NPU_TOOLS):
            sys.exit("make_root: %s is missing (recorded NPU tool outputs)" % NPU_TOOLS)
        dest = os.path.join(root, "opt/pdserve-npu-tools")
        shutil.copytree(NPU_TOOLS, dest, dirs_exist_ok=True)
        for tool, path in (("npu-smi", "/usr/local/sbin/npu-smi"),
                           ("hccn_tool", "/usr/local/Ascend/driver/tools/hccn_tool")):
            full = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            if os.path.lexists(full):
                os.remove(full)
            os.symlink("/opt/pdserve-npu-tools/bin/%s" % tool, full)
        write(root, "/etc/pdserve-npu-recording", "/opt/pdserve-npu-tools/recorded/%s\n" % npu_scenario)
        hccn_conf = os.path.join(NPU_TOOLS, "recorded", npu_scenario, "hccn.conf")
        if os.path.isfile(hccn_conf):
            install(root, hccn_conf, "/etc/hccn.conf", 0o644)


def unit_state(root, unit, enabled, active):
    for kind, on in (("enabled", enabled), ("active", active)):
        path = os.path.join(root, "var/lib/pdserve-standin/systemd/%s.%s" % (unit, kind))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if on:
            open(path, "w").close()


def kernel(root, release, entropy, swaps=""):
    write(root, "/proc/sys/kernel/osrelease", release + "\n")
    write(root, "/proc/sys/kernel/random/entropy_avail", "%d\n" % entropy)
    write(root, "/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" + swaps)


def weights(root, model="qwen2.5-7b"):
    # Qwen2.5-7B's shape, without head_dim (the kthena check asks for 3584 / 28 = 128)
    write(root, "/data/models/%s/config.json" % model,
          json.dumps({"model_type": "qwen2", "hidden_size": 3584, "num_attention_heads": 28}) + "\n")


def kthena_engine(root):
    """What the kthena_mooncake engine pods need besides the NPU tools: the driver's install
    record and a model with head_dim (DeepSeek-R1-Distill-Qwen-1.5B's shape)."""
    write(root, "/etc/ascend_install.info", "Driver_Install_Type=full\nDriver_Install_Path_Param=/usr/local/Ascend\n")
    write(root, "/data/models/DeepSeek-R1-Distill-Qwen-1.5B/config.json",
          json.dumps({"model_type": "qwen2", "hidden_size": 1536, "num_attention_heads": 12, "head_dim": 128}) + "\n")


def profile_fresh(root, image):
    write(root, "/var/lib/kubelet/config.yaml", KUBEADM_KUBELET)
    write(root, "/etc/containerd/config.toml", CONTAINERD_CONFIG)
    write(root, "/var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.10"\n')
    unit_state(root, "kubelet.service", True, True)
    unit_state(root, "containerd.service", True, True)
    kernel(root, "6.1.0-18-amd64", 256)
    weights(root)


def profile_configured(root, image):
    write(root, "/var/lib/kubelet/config.yaml", CONFIGURED_KUBELET)
    write(root, "/var/lib/kubelet/kubeadm-flags.env",
          'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock"\n')
    write(root, "/etc/docker/daemon.json", '{"log-opts": {"max-file": "3", "max-size": "500m"}, "log-driver": "json-file"}\n')
    subprocess.run(["chroot", root, "apt-get", "install", "-q", "-y", "--no-download", "haveged"], check=True,
                   stdout=subprocess.DEVNULL, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    write(root, "/etc/systemd/system/haveged.service.d/pdserve.conf", HAVEGED_DROPIN)
    for unit in ("kubelet.service", "docker.service", "haveged.service"):
        unit_state(root, unit, True, True)
    write(root, "/var/lib/pdserve-standin/docker.images", image + "\n")
    kernel(root, "5.10.0-28-amd64", 3968)
    weights(root)
    kthena_engine(root)


def profile_unrelated(root, image):
    write(root, "/var/lib/kubelet/config.yaml", UNRELATED_KUBELET)
    write(root, "/etc/docker/daemon.json", UNRELATED_DAEMON_JSON)
    write(root, "/etc/fstab", "# /etc/fstab: static file system information.\n"
          "UUID=0a1b2c3d / ext4 errors=remount-ro 0 1\n/swapfile none swap sw 0 0\n")
    unit_state(root, "kubelet.service", True, True)
    unit_state(root, "docker.service", True, True)
    kernel(root, "6.8.0-45-generic", 256, "/swapfile                               file\t\t4194300\t\t0\t\t-2\n")
    image_archive(root, "/data/images/mindie.tar", image)
    weights(root)


def profile_mistake(root, image):
    write(root, "/var/lib/kubelet/config.yaml", MISTAKE_KUBELET)
    write(root, "/var/lib/kubelet/kubeadm-flags.env",
          'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock"\n')
    unit_state(root, "kubelet.service", True, True)
    unit_state(root, "containerd.service", True, True)
    write(root, "/var/lib/pdserve-standin/docker.images", image + "\n")
    kernel(root, "6.1.0-18-amd64", 256)
    image_archive(root, "/data/images/mindie.tar", image)
    weights(root)


PROFILES = {"fresh": profile_fresh, "configured": profile_configured, "unrelated": profile_unrelated,
            "mistake": profile_mistake}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("dest")
    parser.add_argument("profile", choices=sorted(PROFILES))
    parser.add_argument("--npu-scenario", default="")
    parser.add_argument("--base", default=os.path.join(DEFAULT_BASE, "bookworm-minbase.tar"))
    parser.add_argument("--image", default=DEFAULT_IMAGE)
    args = parser.parse_args()
    if not os.path.isfile(args.base):
        sys.exit("make_root: base %s missing: run tests/node_roots/build_base.sh first" % args.base)
    if os.path.exists(args.dest):
        shutil.rmtree(args.dest)
    os.makedirs(args.dest)
    subprocess.run(["tar", "-C", args.dest, "-xf", args.base], check=True)
    standins(args.dest, args.npu_scenario)
    PROFILES[args.profile](args.dest, args.image)
    # verify compares the role's edits with the starting files, kept where the role never looks.
    for path in ("/var/lib/kubelet/config.yaml", "/etc/docker/daemon.json", "/etc/fstab", "/etc/containerd/config.toml"):
        full = os.path.join(args.dest, path.lstrip("/"))
        if os.path.isfile(full):
            install(args.dest, full, "/var/lib/pdserve-standin/original" + path, 0o644)
    # The calls the profile itself made (e.g. haveged's postinst) are not the role's.
    write(args.dest, "/var/log/pdserve-standin/calls.log", "")


if __name__ == "__main__":
    main()
