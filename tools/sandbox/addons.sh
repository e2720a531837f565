# shellcheck shell=bash
# The sandbox's add-ons (sourced by ./sandbox; see docs/sandbox.md): real upstream controllers
# built from their Go modules, started only when PDSERVE_SANDBOX_ADDONS names them
# (comma-separated):
#   volcano  the Volcano scheduler (schedulerName volcano: gangs, PodGroups, queues) and its
#            controller manager (queue, podgroup, job controllers), with Volcano's CRDs;
#   kthena   Kthena's controller manager (ModelServing) and its CRDs (ModelServing, ModelServer,
#            ModelRoute, ...); the kthena-router binary is built beside it for the stacks to run.
# Built with `sandbox build` into $CACHE_ROOT/addons-volcano-<v>_kthena-<v>/ (bin/, crds/<addon>/),
# so a version change rebuilds into a fresh folder. Volcano's listen ports derive from the API port
# (+4 to +7, on 127.0.0.1); Kthena's controller without its webhook listens on none.

ADDONS="${PDSERVE_SANDBOX_ADDONS:-}"
ADDON_ROOT="$CACHE_ROOT/addons-volcano-${VOLCANO_VERSION}_kthena-${KTHENA_VERSION}"
VC_SCHED_PORT="$((PORT + 4))"
VC_SCHED_HEALTH_PORT="$((PORT + 5))"
VC_CM_PORT="$((PORT + 6))"
VC_CM_HEALTH_PORT="$((PORT + 7))"

addon_enabled() { [[ ",$ADDONS," == *",$1,"* ]]; }

addons_check() {
  local a
  for a in ${ADDONS//,/ }; do
    case "$a" in volcano|kthena) ;; *) die "PDSERVE_SANDBOX_ADDONS: unknown add-on '$a' (known: volcano, kthena)" ;; esac
  done
}

# The components `status` and `down` know of: the ones this sandbox started (written at `up`,
# so `down` stops them whatever PDSERVE_SANDBOX_ADDONS says then).
addon_components() {
  local started="$ADDONS"
  [ -f "$STATE/addons" ] && started=$(cat "$STATE/addons")
  [[ ",$started," == *",volcano,"* ]] && echo vc-controller-manager vc-scheduler
  [[ ",$started," == *",kthena,"* ]] && echo kthena-controller-manager
  return 0
}

addons_built() {
  local b
  for b in vc-scheduler vc-controller-manager kthena-controller-manager kthena-router; do
    [ -x "$ADDON_ROOT/bin/$b" ] || return 1
  done
  [ -d "$ADDON_ROOT/crds/volcano" ] && [ -d "$ADDON_ROOT/crds/kthena" ]
}

addons_build() {
  if addons_built; then
    log "add-ons cached in $ADDON_ROOT"
    return 0
  fi
  local tmp start dir
  start=$(date +%s)
  tmp="$ADDON_ROOT.partial"
  rm -rf "$tmp"
  mkdir -p "$tmp/bin" "$tmp/crds/volcano" "$tmp/crds/kthena"
  log "building Volcano $VOLCANO_VERSION (scheduler, controller-manager)"
  (cd "$HERE/go/volcano" && go build -ldflags "-s -w" -o "$tmp/bin/vc-scheduler" volcano.sh/volcano/cmd/scheduler \
    && go build -ldflags "-s -w" -o "$tmp/bin/vc-controller-manager" volcano.sh/volcano/cmd/controller-manager)
  dir=$(cd "$HERE/go/volcano" && go list -m -f '{{.Dir}}' volcano.sh/volcano)
  cp "$dir"/installer/helm/chart/volcano/crd/bases/*.yaml "$tmp/crds/volcano/"
  log "building Kthena $KTHENA_VERSION (controller-manager, router)"
  (cd "$HERE/go/kthena" && go build -ldflags "-s -w" -o "$tmp/bin/kthena-controller-manager" \
    github.com/volcano-sh/kthena/cmd/kthena-controller-manager \
    && go build -ldflags "-s -w" -o "$tmp/bin/kthena-router" github.com/volcano-sh/kthena/cmd/kthena-router)
  dir=$(cd "$HERE/go/kthena" && go list -m -f '{{.Dir}}' github.com/volcano-sh/kthena)
  cp "$dir"/charts/kthena/charts/workload/crds/*.yaml "$dir"/charts/kthena/charts/networking/crds/*.yaml "$tmp/crds/kthena/"
  chmod -R u+w "$tmp"
  rm -rf "$ADDON_ROOT"
  mv "$tmp" "$ADDON_ROOT"
  log "add-ons built in $(( $(date +%s) - start ))s into $ADDON_ROOT"
}

addon_crds() { # add-on: server-side apply (several CRDs exceed client-side apply's annotation limit)
  kc apply --server-side --force-conflicts --field-manager pdserve-sandbox -f "$ADDON_ROOT/crds/$1/" >/dev/null
  # --timeout covers every CRD of the folder in turn, and kubectl parses the large files first: on a
  # slow machine 1s ran out before the last one however long the loop waited (session 10)
  wait_for "$1 CRDs" 60 kc wait --for condition=Established --timeout 20s -f "$ADDON_ROOT/crds/$1/"
}

addons_up() {
  [ -n "$ADDONS" ] || return 0
  addons_built || die "add-ons not built: sandbox build"
  echo "$ADDONS" >"$STATE/addons"
  local kcfg="$KUBECONFIG_FILE"
  if addon_enabled volcano; then
    addon_crds volcano
    # The queue controller must run, or the scheduler refuses every job ("queue is not open").
    start vc-controller-manager "$ADDON_ROOT/bin/vc-controller-manager" --kubeconfig "$kcfg" --leader-elect=false \
      --controllers '*,-jobflow-controller,-jobtemplate-controller,-sharding-controller' \
      --listen-address "127.0.0.1:$VC_CM_PORT" --healthz-address "127.0.0.1:$VC_CM_HEALTH_PORT" --enable-healthz
    start vc-scheduler "$ADDON_ROOT/bin/vc-scheduler" --kubeconfig "$kcfg" --leader-elect=false \
      --listen-address "127.0.0.1:$VC_SCHED_PORT" --healthz-address "127.0.0.1:$VC_SCHED_HEALTH_PORT" --enable-healthz
    wait_for "Volcano's default queue" 60 kc get queues.scheduling.volcano.sh default
  fi
  if addon_enabled kthena; then
    addon_crds kthena
    start kthena-controller-manager "$ADDON_ROOT/bin/kthena-controller-manager" --kubeconfig "$kcfg" \
      --enable-webhook=false --controllers=modelserving
  fi
  log "add-ons up: $ADDONS"
}

addons_down() {
  local c
  for c in kthena-controller-manager vc-scheduler vc-controller-manager; do stop_pid "$c"; done
}
