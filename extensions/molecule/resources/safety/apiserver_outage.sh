#!/usr/bin/env bash
# TEST-ONLY (molecule pd_hybrid): an API outage during a deploy's wait.
# usage: apiserver_outage.sh NAMESPACE SECONDS REPORT_JSON [ANSIBLE_LOG]
# Waits (up to 240 s) until the deploy is in its wait: with ANSIBLE_LOG (the run's
# ANSIBLE_LOG_PATH), until a line of the "Stack | wait until every instance is Ready" task is
# appended to it; without, until a container of the stack in NAMESPACE runs. Then kills THIS sandbox's kube-apiserver (the pid in
# $PDSERVE_SANDBOX_STATE/pids/kube-apiserver, as tools/sandbox/sandbox records it), keeps it
# down SECONDS, starts it again with the same command line, working folder and log the way
# `sandbox up` does (setsid, pid file), and waits for /readyz. Writes a JSON report. If no
# container runs in time it kills nothing and reports that.
set -euo pipefail
ns=$1 secs=$2 report=$3 log=${4:-}
state=${PDSERVE_SANDBOX_STATE:?set PDSERVE_SANDBOX_STATE (tools/sandbox/sandbox env)}
pidfile=$state/pids/kube-apiserver
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

started=""
if [ -n "$log" ]; then
  from=$(( $(wc -l <"$log" 2>/dev/null || echo 0) + 1 ))
  for _ in $(seq 1 1200); do
    if tail -n +"$from" "$log" 2>/dev/null | grep 'TASK \[pdserve.cluster.stack : Stack | wait until every instance is Ready' >/dev/null; then
      started=wait-task
      break
    fi
    sleep 0.2
  done
else
  for _ in $(seq 1 1200); do
    started=$(kubectl -n "$ns" get pods -l app.kubernetes.io/managed-by=pdserve \
      -o jsonpath='{.items[*].status.containerStatuses[*].state.running.startedAt}' 2>/dev/null || true)
    [ -n "$started" ] && break
    sleep 0.2
  done
fi
if [ -z "$started" ]; then
  printf '{"killed": false, "why": "the deploy of %s did not reach its wait within 240 s"}\n' "$ns" >"$report"
  exit 0
fi

pid=$(cat "$pidfile")
[ "$(cat /proc/"$pid"/comm)" = kube-apiserver ] || { echo "pid $pid is not a kube-apiserver" >&2; exit 1; }
mapfile -d '' cmd <"/proc/$pid/cmdline"
cwd=$(readlink "/proc/$pid/cwd")
killed_at=$(now)
kill -9 "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
sleep "$secs"
restarted_at=$(now)
cd "$cwd"
# as `sandbox up` starts it: setsid (its own session), and $! is the server itself (setsid execs)
setsid "${cmd[@]}" >>"$state/logs/kube-apiserver.log" 2>&1 </dev/null &
echo $! >"$pidfile"
for _ in $(seq 1 600); do
  kubectl get --raw /readyz >/dev/null 2>&1 && break
  sleep 0.1
done
ready_at=$(now)
printf '{"killed": true, "old_pid": %s, "new_pid": %s, "killed_at": "%s", "restarted_at": "%s", "ready_at": "%s", "down_seconds": %s}\n' \
  "$pid" "$(cat "$pidfile")" "$killed_at" "$restarted_at" "$ready_at" "$secs" >"$report"
