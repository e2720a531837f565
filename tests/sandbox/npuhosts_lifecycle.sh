#!/usr/bin/env bash
# The simulated bare NPU hosts (tools/sandbox/npuhosts), on a slot and state of their own:
#   up 2 -> Ansible reaches both over SSH, npu_facts reads each host's own device IPs, a real
#   dockerd on each -> a container on host 1 (host network, one fake NPU device, nofile 1024)
#   answers host 2 -> the real /etc and /dev are untouched -> down (the container still running)
#   -> nothing of it is left (process, network namespace, bridge, mount).
# Env: PDSERVE_NPUHOSTS_LIFECYCLE_SLOT (default 211). Exit 0 when every check passed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HOSTS="$ROOT/tools/sandbox/npuhosts"
export PDSERVE_NPUHOSTS_SLOT="${PDSERVE_NPUHOSTS_LIFECYCLE_SLOT:-211}"
PDSERVE_NPUHOSTS_STATE="$(mktemp -d /tmp/pdserve-npuhosts-lifecycle.XXXXXX)"
export PDSERVE_NPUHOSTS_STATE
IMAGE_LAYER=$(find "${PDSERVE_SANDBOX_CACHE:-$HOME/.cache/pdserve-sandbox}/images" -maxdepth 1 -name 'debian-base-*.layer.tar' 2>/dev/null | head -1 || true)
# shellcheck source=tests/sandbox/checks.sh
. "$ROOT/tests/sandbox/checks.sh"
real_davinci() { find /dev -maxdepth 1 -name 'davinci*' | wc -l; }
host_ok_with() { grep "^$1 | SUCCESS" <<<"$facts" | grep -q "\"$2\""; }
host_lacks() { ! grep "^$1" <<<"$facts" | grep -q "\"$2\""; }
docker_both() { "$HOSTS" exec 1 docker info --format '{{.CgroupVersion}} {{.DefaultRuntime}}' | grep -qx "1 runc" && "$HOSTS" exec 2 docker info >/dev/null; }
hosts_seen() { ! "$HOSTS" leftovers >/dev/null; }
no_mounts() { ! grep -q "$PDSERVE_NPUHOSTS_STATE" /proc/mounts; }
cleanup() { "$HOSTS" down >/dev/null 2>&1 || true; rm -rf "$PDSERVE_NPUHOSTS_STATE"; }
trap cleanup EXIT
real_dev_before=$(real_davinci)
etc_hccn_before=$(test -e /etc/hccn.conf && echo present || echo absent)
ip1="172.31.$PDSERVE_NPUHOSTS_SLOT.11"

t0=$(date +%s)
check "npuhosts up 2" "$HOSTS" up 2
echo "up took $(( $(date +%s) - t0 ))s"
"$HOSTS" inventory >"$PDSERVE_NPUHOSTS_STATE/inventory.yml"
facts=$(ANSIBLE_CONFIG="$ROOT/ansible.cfg" ansible -i "$PDSERVE_NPUHOSTS_STATE/inventory.yml" all -o -m pdserve.cluster.npu_facts 2>&1 || true)
# The recording a2_healthy gives device 0 the address 29.10.1.11; host 2's is raised to 29.10.2.11.
check "Ansible reaches host 1 over SSH and reads its device IPs" host_ok_with npuhost-1 29.10.1.11
check "host 2's device IPs are its own" host_ok_with npuhost-2 29.10.2.11
check "host 2 does not report host 1's device IPs" host_lacks npuhost-2 29.10.1.11
check "each host has a real dockerd (cgroup v1, runc)" docker_both
if [ -n "$IMAGE_LAYER" ]; then
  "$HOSTS" exec 1 docker import "$IMAGE_LAYER" pdserve/npuhosts-check:1 >/dev/null
  "$HOSTS" exec 1 docker run -d --name check --network host --device /dev/davinci4 pdserve/npuhosts-check:1 \
    sh -c "test -c /dev/davinci4 && test \$(ulimit -n) = 1024 && exec python3 -m http.server 18000 --bind $ip1" >/dev/null
  ok=1
  for _ in $(seq 1 40); do
    if "$HOSTS" exec 2 curl -sf -o /dev/null "http://$ip1:18000/"; then ok=0; break; fi
    sleep 0.25
  done
  check "a container on host 1 (host network, /dev/davinci4, nofile 1024) answers host 2" test "$ok" = 0
else
  failed=$((failed + 1)); echo "FAILED: no debian-base image layer in the sandbox cache (sandbox build)"
fi
check "the real /dev holds no davinci device" test "$(real_davinci)" = "$real_dev_before"
check "the real /etc is untouched (each host's /etc/hccn.conf is its own)" \
  test "$(test -e /etc/hccn.conf && echo present || echo absent)" = "$etc_hccn_before"
check "leftovers sees the running hosts (the check can fail)" hosts_seen
check "npuhosts down (with the container still running)" "$HOSTS" down
check "nothing is left: process, network namespace, bridge" "$HOSTS" leftovers
check "nothing is left: mount" no_mounts
printf "npuhosts lifecycle: "
checks_summary
