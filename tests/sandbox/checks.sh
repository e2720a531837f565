# shellcheck shell=bash
# What the sandbox lifecycle scripts share (sourced): a counted check and the closing summary.
#   check "what it proves" command...   runs the command, prints ok / FAILED and counts it
#   checks_summary                      prints the counts; its status is 0 when nothing failed
passed=0
failed=0

check() { # description command...
  local what="$1"
  shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $what"; else failed=$((failed + 1)); echo "FAILED: $what"; fi
}

checks_summary() {
  printf '%d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ]
}
