#!/usr/bin/env bash
# Usage: with-services.sh CMD [ARGS...]
# Starts the test services in a fresh temporary directory, runs CMD with
# DIR/env exported (W3W_TEST_PG_URL, W3W_TEST_REDIS_URL, ...), then always
# stops them and removes the directory, also on Ctrl-C or TERM. Exits with
# CMD's status. W3W_SERVICES and the port variables pass on to start.sh.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/w3w-services.XXXXXX") || exit 1
child=""

# Every process below PID, children first listed after their parent.
descendants() {
  command -v ps >/dev/null || return 0
  local p
  for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$p"; descendants "$p"
  done
}

# Ends CMD and whatever it started (a test runner's children would
# otherwise keep the services' ports busy): TERM, up to 10 s, then KILL.
end_child() {
  local pids _
  pids="$child $(descendants "$child")"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null
  for _ in $(seq 50); do
    kill -0 "$child" 2>/dev/null || break
    sleep 0.2
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null
  wait "$child" 2>/dev/null
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    end_child
  fi
  # a service that would not stop must not pass unnoticed
  "$here/stop.sh" "$dir" || { [ "$rc" -ne 0 ] || rc=1; }
  rm -rf "$dir"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$here/start.sh" "$dir" || exit $?
# shellcheck source=/dev/null
. "$dir/env"

# CMD runs in the background so a TERM or Ctrl-C reaches this shell's trap
# at once (bash defers traps while a foreground child runs); stdin is
# passed on explicitly since background jobs would get /dev/null.
"$@" <&0 &
child=$!
wait "$child"
rc=$?
child=""
exit "$rc"
