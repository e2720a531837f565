# shellcheck shell=bash
# The sandbox's real worker node (sourced by ./sandbox; see docs/sandbox.md).
#
# One kubelet + containerd (Debian's, with runc) + Debian's CNI plugins + kube-proxy (iptables) +
# CoreDNS, where pods run as real containers. Several sandboxes run side by side, so everything
# the node touches on this machine is its own and derived from PDSERVE_SANDBOX_PORT:
#   - network namespace pdsb-<port>, joined to the host by the veth pair pdsb<port>h / pdsb<port>n,
#     host 172.30.<slot>.1, node 172.30.<slot>.2, pods 10.200.<slot>.0/24 (slot = port % 256);
#     kube-proxy's and the CNI plugins' iptables chains, the cni0 bridge, the pods' veths and the
#     Service IPs (10.96.0.0/16) all live inside that namespace;
#   - a mount namespace of its own (private propagation): tmpfs on /run, overlays on /etc,
#     /usr/local, /var/log and /mnt (with an empty /mnt/weight/qwen3_8B) whose upper folders are
#     under the sandbox state, so the recorded Ascend host files the stacks mount (/etc/hccn.conf, the driver folder with hccn_tool) exist
#     for the node only, nothing is written to the real /etc, and every mount (the pods' volumes,
#     netns files, overlay snapshots) disappears with the node's last process;
#   - the kernel tunables the kubelet would set machine-wide (vm.overcommit_memory, kernel.panic,
#     kernel.panic_on_oops, ...) are plain files bind-mounted over /proc/sys in that mount
#     namespace, holding the values it wants, so it finds nothing to change;
#   - cgroup root /pdserve-sandbox-<port> in every cgroup v1 hierarchy; containerd root, state
#     and socket, kubelet root, pod logs and CNI IPAM data under $STATE/node.
# The API server stays on 127.0.0.1: two socat processes carry it into the namespace through a
# unix socket under the state (host: socket -> 127.0.0.1:<port>; node: 0.0.0.0:<port> -> socket),
# so the kubelet, kube-proxy and CoreDNS use https://127.0.0.1:<port> from inside the namespace,
# and the `kubernetes` Service (10.96.0.1:443) points at the node address 172.30.<slot>.2:<port>.

NODE_NAME=real-node-1
NODE_BIN="$CACHE_ROOT/node-k8s-${K8S_VERSION}_coredns-${COREDNS_VERSION}"
IMAGES="$CACHE_ROOT/images"
# nats-server for the Dynamo stack's NATS image (go/nats), built once into a folder of its own
NATS_BIN="$CACHE_ROOT/nats-${NATS_VERSION}/nats-server"
REAL_NODE="${PDSERVE_SANDBOX_REAL_NODE:-1}"
SLOT="${PDSERVE_SANDBOX_NODE_SLOT:-$((PORT % 256))}"
NETNS="pdsb-$PORT"
VETH_HOST="pdsb${PORT}h"
VETH_NODE="pdsb${PORT}n"
HOST_IP="172.30.$SLOT.1"
NODE_IP="172.30.$SLOT.2"
POD_CIDR="10.200.$SLOT.0/24"
CGROUP_ROOT="pdserve-sandbox-$PORT"
NODE="$STATE/node"
# shellcheck disable=SC2034 # used by ./sandbox
NODE_COMPONENTS=(apiserver-bridge-host apiserver-bridge containerd kubelet kube-proxy coredns)
# The labels of an 800I A3 node, plus our own so inventories and scenarios can steer pods here;
# the taint keeps every pod that does not tolerate it (the simulated-fleet tests) off this node.
NODE_LABELS="accelerator=huawei-Ascend910,accelerator-type=module-a3-16,host-arch=huawei-x86,pdserve.io/real-node=true"
NODE_TAINT="pdserve.io/real-node=true:NoSchedule"
NODE_NPUS=16
# nvidia.com/gpu advertised the same way, for the GPU stack's stand-in workers (no GPU here)
NODE_GPUS=8
NPU_RECORDING=a3_healthy  # tests/fixtures/npu_tools/recorded/<this>: /etc/hccn.conf of the node

# ---------------------------------------------------------------------------------------- build
node_built() {
  local b
  for b in kubelet kube-proxy coredns pause; do [ -x "$NODE_BIN/$b" ] || return 1; done
  for b in pause sandbox-check vllm-standin motor-runtime; do [ -s "$IMAGES/$b.ref" ] || return 1; done
}

node_build() { # stamp (the -X flags of the Kubernetes version)
  local stamp="$1" tmp start
  if ! node_built; then
    start=$(date +%s)
    tmp="$NODE_BIN.partial"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    log "building the real node's kubelet, kube-proxy ($K8S_VERSION), CoreDNS $COREDNS_VERSION and pause"
    (cd "$HERE/go/kube" && for c in kubelet kube-proxy; do
      log "  $c"
      go build -ldflags "-s -w$stamp" -o "$tmp/$c" "k8s.io/kubernetes/cmd/$c"
    done)
    log "  coredns"
    (cd "$HERE/go/coredns" && go build -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" \
      -o "$tmp/coredns" .)
    (cd "$HERE/go/pause" && go build -ldflags "-s -w" -o "$tmp/pause" .)
    rm -rf "$NODE_BIN"
    mv "$tmp" "$NODE_BIN"
    log "node binaries built in $(( $(date +%s) - start ))s into $NODE_BIN"
  fi
  nats_build
  local t0
  t0=$(date +%s)
  "$HERE/images/build" "$IMAGES" "$NODE_BIN/pause" "$BIN/etcd" "$NATS_BIN"
  log "images ready in $(( $(date +%s) - t0 ))s in $IMAGES"
}

# nats-server from its Go module (through the wrapper module go/nats), once per version.
nats_build() {
  [ -x "$NATS_BIN" ] && return 0
  local start tmp
  start=$(date +%s)
  tmp="$NATS_BIN.partial"
  mkdir -p "$(dirname "$NATS_BIN")"
  log "building nats-server $NATS_VERSION"
  (cd "$HERE/go/nats" && CGO_ENABLED=0 GOFLAGS="-mod=mod -trimpath -buildvcs=false" \
    go build -ldflags "-s -w" -o "$tmp" github.com/nats-io/nats-server/v2)
  mv "$tmp" "$NATS_BIN"
  log "nats-server built in $(( $(date +%s) - start ))s"
}

# `sandbox image NAME`: the image's reference, after rebuilding it if its inputs changed and
# loading it into the running real node if it is not there yet (so a scenario never names an
# image the node lacks).
node_image() { # name
  [ "$1" != nats ] || nats_build >&2
  if [ -x "$NODE_BIN/pause" ]; then
    "$HERE/images/build" "$IMAGES" "$NODE_BIN/pause" "$BIN/etcd" "$NATS_BIN" >/dev/null 2>&1 || true
  fi
  if pid_alive containerd; then
    nsenter -t "$(cat "$STATE/pids/containerd")" -m -n "$HERE/sandbox" __node-import "$1" >&2
  fi
  image_ref "$1"
}

image_ref() { # name -> docker.io/pdserve/<name>:<tag>
  [ -s "$IMAGES/$1.ref" ] || die "image $1 is not built (sandbox build)"
  cat "$IMAGES/$1.ref"
}

# ------------------------------------------------------------------------------------------ pki
node_pki() {
  local d="$STATE/pki"
  pki_cert kubelet "system:node:$NODE_NAME" system:nodes "IP:$NODE_IP,DNS:$NODE_NAME"
  pki_cert kube-proxy system:kube-proxy ""
  pki_cert coredns pdserve-coredns ""
  kubeconfig_for kubelet kubelet
  kubeconfig_for kube-proxy kube-proxy
  kubeconfig_for coredns coredns
  # The kubelet's serving certificate: the API server (logs, exec, port-forward) checks it
  # against the sandbox CA.
  cp "$d/kubelet.crt" "$d/kubelet-server.crt"
  cp "$d/kubelet.key" "$d/kubelet-server.key"
}

# ---------------------------------------------------------------------------------------- files
node_files() {
  local n="$NODE" p="$STATE/pki" pause_ref
  pause_ref=$(image_ref pause)
  mkdir -p "$n"/{containerd,cni/net.d,cni/ipam,kubelet,pod-logs,overlay,sysctl}
  cat >"$n/containerd.toml" <<EOF
version = 2
root = "$n/containerd/root"
state = "$n/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$n/containerd/containerd.sock"
[ttrpc]
  address = "$n/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$n/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_ref"
  disable_apparmor = true
  disable_tcp_service = true
  # This VM kind denies lowering oom_score_adj (no CAP_SYS_RESOURCE): without this every pod
  # sandbox fails ("can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  tolerate_missing_hugetlb_controller = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$n/cni/net.d"
EOF
  cat >"$n/cni/net.d/10-pdserve.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "pdserve-sandbox",
  "plugins": [
    {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$n/cni/ipam",
              "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  cat >"$n/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $p/kubelet-server.crt
tlsPrivateKeyFile: $p/kubelet-server.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $p/ca.crt}
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$n/containerd/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
failCgroupV1: false
failSwapOn: false
clusterDNS: [$NODE_IP]
clusterDomain: cluster.local
podLogsDir: $n/pod-logs
maxPods: 60
serializeImagePulls: false
# The machine's disk is shared by every sandbox and build cache: evict only when it is nearly full.
evictionHard: {memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
protectKernelDefaults: false
registerWithTaints:
- {key: ${NODE_TAINT%%=*}, value: "$(t=${NODE_TAINT#*=}; echo "${t%%:*}")", effect: ${NODE_TAINT##*:}}
EOF
  cat >"$n/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clientConnection:
  kubeconfig: $STATE/kube-proxy.kubeconfig
# 0 = leave the conntrack sysctls alone (nf_conntrack_max is machine-wide).
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
  cat >"$n/Corefile" <<EOF
.:53 {
    bind $NODE_IP
    errors
    cache 5
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $STATE/coredns.kubeconfig pdserve-sandbox
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
}
EOF
  # Recorded Ascend host files, seen by the node (and mounted into pods by hostPath) only.
  local npu="$HERE/../../tests/fixtures/npu_tools"
  mkdir -p "$n/overlay/etc/upper" "$n/overlay/usr-local/upper/Ascend/driver/tools" "$n/overlay/usr-local/upper/Ascend/driver/lib64"
  cp "$npu/recorded/$NPU_RECORDING/hccn.conf" "$n/overlay/etc/upper/hccn.conf"
  # /etc/ascend_install.info, which the kthena_mooncake stack mounts (the driver installer's
  # record; written by hand in its documented key=value form, not captured on a machine)
  printf '%s\n' UserName=HwHiAiUser UserGroup=HwHiAiUser Driver_Install_Type=full \
    Driver_Install_Path_Param=/usr/local/Ascend Driver_Install_For_All=no >"$n/overlay/etc/upper/ascend_install.info"
  install -m 0755 "$npu/bin/hccn_tool" "$n/overlay/usr-local/upper/Ascend/driver/tools/hccn_tool"
  install -D -m 0755 "$npu/bin/npu-smi" "$n/overlay/usr-local/upper/sbin/npu-smi"
  echo "Version=pdserve-sandbox-recorded-standin" >"$n/overlay/usr-local/upper/Ascend/driver/version.info"
  # The weights folder of the scenarios' configurations (weight_mount_path /mnt/weight/, model
  # qwen3_8B): engine pods mount it by hostPath (type Directory). Empty: no model loads here,
  # the engine server of the motor-runtime image is a stand-in.
  mkdir -p "$n/overlay/mnt/upper/weight/qwen3_8B"
  # The kernel tunables the kubelet wants (pkg/kubelet/cm/container_manager_linux.go
  # setupKernelTunables), as files bind-mounted over /proc/sys in the node's mount namespace.
  local kv
  mkdir -p "$n/sysctl/vm" "$n/sysctl/kernel/keys"
  for kv in vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1 \
    kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000; do
    echo "${kv#*=}" >"$n/sysctl/${kv%%=*}"
  done
}

# -------------------------------------------------------------------------------------- network
node_net_up() {
  if ip -br addr | grep -qw "$HOST_IP/24"; then
    die "address $HOST_IP (real node slot $SLOT) is held by $(ip -br addr | grep -w "$HOST_IP/24" | cut -d' ' -f1), another sandbox's? set PDSERVE_SANDBOX_NODE_SLOT (0-255) to another number"
  fi
  ip netns add "$NETNS"
  ip link add "$VETH_HOST" type veth peer name "$VETH_NODE"
  ip link set "$VETH_NODE" netns "$NETNS"
  ip addr add "$HOST_IP/24" dev "$VETH_HOST"
  ip link set "$VETH_HOST" up
  ip -n "$NETNS" link set lo up
  ip -n "$NETNS" addr add "$NODE_IP/24" dev "$VETH_NODE"
  ip -n "$NETNS" link set "$VETH_NODE" up
  ip -n "$NETNS" route add default via "$HOST_IP"
  # Pods are reachable from this machine (not beyond: the host does not forward).
  ip route add "$POD_CIDR" via "$NODE_IP" dev "$VETH_HOST"
  # Per network namespace: routing between pods, the node and the host; bridged pod traffic
  # through iptables (kube-proxy's Service NAT for a pod that reaches itself or a neighbour).
  ip netns exec "$NETNS" sysctl -q -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 \
    net.ipv4.conf.all.route_localnet=1
}

node_net_down() {
  ip netns del "$NETNS" 2>/dev/null || true  # takes the node's veth, and so the host's, with it
  ip link del "$VETH_HOST" 2>/dev/null || true
}

# ------------------------------------------------------------------------------------ processes
# Runs inside the node's network namespace and a new private mount namespace (cmd_up starts it
# with nsenter + unshare): makes the node's mounts, starts containerd, kubelet, kube-proxy and
# CoreDNS (they share this mount namespace), writes their pids and exits.
node_run() {
  local n="$NODE" f
  mount -t tmpfs -o mode=0755 tmpfs /run
  mkdir -p /run/lock
  local d
  for d in etc:/etc usr-local:/usr/local var-log:/var/log mnt:/mnt; do
    mkdir -p "$n/overlay/${d%%:*}/upper" "$n/overlay/${d%%:*}/work"
    mount -t overlay overlay -o "lowerdir=${d#*:},upperdir=$n/overlay/${d%%:*}/upper,workdir=$n/overlay/${d%%:*}/work" "${d#*:}"
  done
  for f in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes; do
    mount --bind "$n/sysctl/$f" "/proc/sys/$f"
  done
  start containerd containerd --config "$n/containerd.toml"
  wait_for containerd 20 ctr_node version
  # The pause image before the kubelet; the others (seconds for motor-runtime) while it registers.
  node_import pause
  start kubelet "$NODE_BIN/kubelet" --config "$n/kubelet.yaml" --kubeconfig "$STATE/kubelet.kubeconfig" \
    --root-dir "$n/kubelet" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
    --node-labels "$NODE_LABELS" --v 1
  start kube-proxy "$NODE_BIN/kube-proxy" --config "$n/kube-proxy.yaml"
  start coredns "$NODE_BIN/coredns" -conf "$n/Corefile"
  node_import sandbox-check
  node_import motor-runtime
  [ -s "$IMAGES/vllm-standin.ref" ] && node_import vllm-standin
  return 0
}

node_import() { # image name: into containerd's k8s.io namespace (the kubelet's), unless there
  local ref
  ref=$(image_ref "$1")
  if ! ctr_node -n k8s.io images ls -q | grep -qx "$ref"; then
    ctr_node -n k8s.io images import --no-unpack "$IMAGES/$1-${ref##*:}.tar" >/dev/null
  fi
}

ctr_node() { ctr --address "$NODE/containerd/containerd.sock" "$@"; }

# Enter the node's namespaces (for ctr, crictl-like checks, tests): `sandbox node-exec CMD...`.
node_exec() {
  pid_alive containerd || die "the real node is not running"
  nsenter -t "$(cat "$STATE/pids/containerd")" -m -n "$@"
}

node_up() {
  [ "$REAL_NODE" = 1 ] || return 0
  node_built || die "real node binaries missing: sandbox build"
  # Cheap when nothing changed (hashes only); rebuilds an image whose inputs changed (e.g. the
  # pins in requirements-motor.txt) before the node imports it.
  "$HERE/images/build" "$IMAGES" "$NODE_BIN/pause" "$BIN/etcd" "$NATS_BIN" 2>"$STATE/logs/images.log" \
    || { cat "$STATE/logs/images.log" >&2; die "building the real node's images failed"; }
  node_pki
  node_files
  node_cgroups
  node_net_up
  # The API server, carried into the namespace (see the header).
  start apiserver-bridge-host socat "UNIX-LISTEN:$NODE/apiserver.sock,fork,mode=600" "TCP:127.0.0.1:$PORT"
  wait_for "apiserver bridge" 10 test -S "$NODE/apiserver.sock"
  start apiserver-bridge nsenter --net="/run/netns/$NETNS" socat "TCP-LISTEN:$PORT,fork,reuseaddr" "UNIX-CONNECT:$NODE/apiserver.sock"
  kc apply -f "$HERE/realnode-rbac.yaml" >/dev/null
  nsenter --net="/run/netns/$NETNS" unshare -m --propagation private "$HERE/sandbox" __node-run \
    >"$STATE/logs/node-run.log" 2>&1 || { cat "$STATE/logs/node-run.log" >&2; die "the real node did not start"; }
  wait_for "real node $NODE_NAME" 60 node_registered
  # huawei.com/Ascend910: an extended resource advertised by a status patch (the way the
  # Kubernetes docs advertise one without a device plugin); the kubelet keeps it and copies it
  # to allocatable on its next status update (node_ready waits for that). Likewise nvidia.com/gpu
  # for the Dynamo stack's stand-in workers and huawei.com/ascend-1980 (the name CCE's device
  # plugin gives the 910C) for the kthena_mooncake stack's.
  kc patch node "$NODE_NAME" --subresource status --type merge \
    -p "{\"status\":{\"capacity\":{\"huawei.com/Ascend910\":\"$NODE_NPUS\",\"huawei.com/ascend-1980\":\"$NODE_NPUS\",\"nvidia.com/gpu\":\"$NODE_GPUS\"}}}" >/dev/null
  wait_for "real node $NODE_NAME Ready" 60 node_ready
}

node_registered() { kc get node "$NODE_NAME" >/dev/null 2>&1; }
node_ready() {
  [ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}/{.status.allocatable.huawei\.com/Ascend910}/{.status.allocatable.huawei\.com/ascend-1980}/{.status.allocatable.nvidia\.com/gpu}')" = "True/$NODE_NPUS/$NODE_NPUS/$NODE_GPUS" ]
}

# Every pid in a cgroup subtree (all v1 hierarchies).
cgroup_pids() {
  local h
  for h in /sys/fs/cgroup/*/"$CGROUP_ROOT"; do
    if [ -d "$h" ]; then find "$h" -name cgroup.procs -exec cat {} + 2>/dev/null || true; fi
  done | sort -u
}

node_down() {
  local c pid
  # Gentle first: the kubelet, then the node's other daemons (containerd last).
  for c in kubelet kube-proxy coredns apiserver-bridge apiserver-bridge-host containerd; do
    stop_pid "$c"
  done
  # What the daemons leave: containerd's shims (in the node's network namespace), the pods'
  # processes (in the node's cgroups).
  for _ in 1 2 3; do
    pid=$( { ip netns pids "$NETNS" 2>/dev/null || true; cgroup_pids; } | sort -u)
    [ -z "$pid" ] && break
    # shellcheck disable=SC2086
    kill -9 $pid 2>/dev/null || true
    sleep 0.2
  done
  node_net_down
  local h
  for h in /sys/fs/cgroup/*/"$CGROUP_ROOT"; do
    if [ -d "$h" ]; then find "$h" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
  return 0
}

node_cgroups() {
  local h
  for h in /sys/fs/cgroup/*/; do
    [ -L "${h%/}" ] && continue
    mkdir -p "$h$CGROUP_ROOT"
  done
}

# What `down` must leave behind: nothing. Prints each leftover; exit 1 if any.
node_leftovers() {
  local rc=0 x
  ip netns list 2>/dev/null | grep -qw "$NETNS" && { echo "network namespace $NETNS"; rc=1; }
  ip link show "$VETH_HOST" >/dev/null 2>&1 && { echo "interface $VETH_HOST"; rc=1; }
  ip route show | grep -q "^$POD_CIDR " && { echo "route $POD_CIDR"; rc=1; }
  for x in /sys/fs/cgroup/*/"$CGROUP_ROOT"; do [ -d "$x" ] && { echo "cgroup $x"; rc=1; }; done
  x=$(grep -c "$STATE" /proc/self/mountinfo || true)
  [ "$x" -gt 0 ] && { echo "$x mounts under $STATE"; rc=1; }
  for x in $(pgrep -f "$STATE/" || true); do echo "process $x: $(tr '\0' ' ' </proc/"$x"/cmdline 2>/dev/null)"; rc=1; done
  return $rc
}
