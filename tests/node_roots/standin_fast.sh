# shellcheck shell=sh
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
# Read-only calls of the test roots' systemctl and ctr stand-ins, answered in /bin/sh (sourced by
# their wrappers, tests/node_roots/make_root.py; the rest goes on to standin.py, which holds the
# rules and the state's layout: this file answers the same, from the same files). A real systemctl
# or ctr is a quick binary; Python's start is 10 ms, and node_prepare's probe calls both on every
# node of the benchmark (benchmarks/bench_node_prepare.py) on the controller's CPU.
#   systemctl show [--property=...] UNIT...   (every property standin.py prints, as it does)
#   ctr -n NAMESPACE images ls [-q]
# Anything else, or an argument standin.py's log would quote, returns to the wrapper (Python).
_standin_fast() {
    _tool=$1
    shift
    for _arg in "$@"; do
        case $_arg in '' | *[!A-Za-z0-9@%+=:,./_-]*) return 0 ;; esac
    done
    _state=/var/lib/pdserve-standin
    case $_tool in
    systemctl)
        [ "$1" = show ] || return 0
        _standin_log "$_tool" "$@"
        shift
        for _unit in "$@"; do
            case $_unit in -*) continue ;; *.*) ;; *) _unit=$_unit.service ;; esac
            if [ ! -e "/etc/systemd/system/$_unit" ] && [ ! -e "/lib/systemd/system/$_unit" ] \
                && [ ! -e "/usr/lib/systemd/system/$_unit" ]; then
                printf 'Id=%s\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\n' "$_unit"
                continue
            fi
            _active=inactive _sub=dead _enabled=disabled
            if [ -e "$_state/systemd/$_unit.active" ]; then _active=active _sub=running; fi
            if [ -e "$_state/systemd/$_unit.enabled" ]; then _enabled=enabled; fi
            printf 'Id=%s\nLoadState=loaded\nActiveState=%s\nSubState=%s\nUnitFileState=%s\n' \
                "$_unit" "$_active" "$_sub" "$_enabled"
        done
        exit 0
        ;;
    ctr)
        case "$1 $3 $4 $5" in
        "-n images ls " | "-n images ls -q" | "-n image ls " | "-n image ls -q" | "-n i ls " | "-n i ls -q") ;;
        *) return 0 ;;
        esac
        [ $# -le 5 ] || return 0
        _standin_log "$_tool" "$@"
        if [ -f "$_state/containerd/$2.images" ]; then
            # standin.py's read_set: each line stripped (read does it), empty ones skipped
            while read -r _ref || [ -n "$_ref" ]; do
                [ -z "$_ref" ] || printf '%s\n' "$_ref"
            done < "$_state/containerd/$2.images"
        fi
        exit 0
        ;;
    esac
}

# standin.py's record(): the time, then the call as shlex.join writes it (no argument here needs quoting)
_standin_log() {
    [ -d /var/log/pdserve-standin ] || mkdir -p /var/log/pdserve-standin
    printf '%s %s\n' "$(date +%s.%3N)" "$*" >> /var/log/pdserve-standin/calls.log
}
