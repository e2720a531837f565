#!/usr/bin/env bash
# The sandbox's own lifecycle, on a sandbox of its own (its own port and state, beside any other):
#   up -> a container runs on the real node -> the kubelet changed no machine-wide sysctl, wrote
#   nothing into the real /etc -> down (the pod still running) -> nothing of it is left (process,
#   mount, network namespace, interface, route, cgroup, host iptables rule) -> up again -> down.
# Env: PDSERVE_SANDBOX_LIFECYCLE_PORT (default 27443). Exit 0 when every check passed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SANDBOX="$ROOT/tools/sandbox/sandbox"
export PDSERVE_SANDBOX_PORT="${PDSERVE_SANDBOX_LIFECYCLE_PORT:-27443}"
PDSERVE_SANDBOX_STATE="$(mktemp -d /tmp/pdserve-sandbox-lifecycle.XXXXXX)"
export PDSERVE_SANDBOX_STATE
SYSCTLS="vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes"
# shellcheck source=tests/sandbox/checks.sh
. "$ROOT/tests/sandbox/checks.sh"
sysctls() { local f; for f in $SYSCTLS; do printf '%s=%s\n' "$f" "$(cat "/proc/sys/$f")"; done; }
host_iptables() { { iptables-save 2>/dev/null || true; } | { grep -v '^#' || true; } | sed 's/\[[0-9]*:[0-9]*\]//'; }
leftovers_found() { ! "$SANDBOX" leftovers >/dev/null; }
cleanup() { "$SANDBOX" down >/dev/null 2>&1 || true; rm -rf "$PDSERVE_SANDBOX_STATE"; }
trap cleanup EXIT

sysctl_before=$(sysctls)
iptables_before=$(host_iptables)
etc_hccn_before=$(test -e /etc/hccn.conf && echo present || echo absent)

round() { # n
  local t0
  t0=$(date +%s)
  check "round $1: sandbox up" "$SANDBOX" up
  echo "round $1: up took $(( $(date +%s) - t0 ))s"
  eval "$("$SANDBOX" env)"
  kubectl run lifecycle --image "$PDSERVE_SANDBOX_CHECK_IMAGE" --image-pull-policy Never --restart Never \
    --overrides '{"spec":{"nodeSelector":{"pdserve.io/real-node":"true"},"tolerations":[{"key":"pdserve.io/real-node","operator":"Exists"}]}}' \
    --command -- python3 -c 'import time; print("lifecycle pod up", flush=True); time.sleep(3600)' >/dev/null
  check "round $1: a container runs on the real node" \
    kubectl wait --for condition=Ready --timeout 60s pod/lifecycle
  check "round $1: its output is readable" bash -c 'kubectl logs lifecycle | grep -q "lifecycle pod up"'
  check "round $1: the kubelet changed no machine-wide sysctl" test "$(sysctls)" = "$sysctl_before"
  check "round $1: the real /etc is untouched (the node's /etc/hccn.conf is its own)" \
    test "$(test -e /etc/hccn.conf && echo present || echo absent)" = "$etc_hccn_before"
  check "round $1: the host's iptables rules are untouched (the node's live in its namespace)" \
    test "$(host_iptables)" = "$iptables_before"
  check "round $1: leftovers sees the running node (the check can fail)" leftovers_found
  t0=$(date +%s)
  check "round $1: sandbox down (with the pod still running)" "$SANDBOX" down
  echo "round $1: down took $(( $(date +%s) - t0 ))s"
  check "round $1: down left nothing behind" "$SANDBOX" leftovers
  check "round $1: the host's iptables rules are as before" test "$(host_iptables)" = "$iptables_before"
  check "round $1: the sysctls are as before" test "$(sysctls)" = "$sysctl_before"
}
round 1
round 2
checks_summary
