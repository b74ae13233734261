#!/usr/bin/env bash
# Usage: ctl.sh DIR start|stop|restart|status pg|redis|kafka
# Stops or starts one service in a DIR made by start.sh while the others
# keep running, e.g. for tests that lose the broker mid-run. Starting again
# reuses the service's data directory and port. DIR/env is kept current.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_service_scripts

[ $# -eq 3 ] || die "usage: $0 DIR start|stop|restart|status pg|redis|kafka"
[ -d "$1" ] || die "no such directory: $1"
dir=$(cd "$1" && pwd) action=$2 svc=$3
is_known_service "$svc" || die "unknown service '$svc' (known: $W3W_KNOWN_SERVICES)"

service_pid() {
  case $1 in
    pg)    read_pid_file "$dir/pg/data/postmaster.pid" ;;
    redis) read_pid_file "$dir/redis/redis.pid" ;;
    kafka) read_pid_file "$dir/kafka/kafka.pid" ;;
  esac
}

case $action in
  start)   "svc_${svc}_start" "$dir"; write_env "$dir" ;;
  stop)    "svc_${svc}_stop" "$dir" ;;
  restart) "svc_${svc}_stop" "$dir"; "svc_${svc}_start" "$dir"; write_env "$dir" ;;
  status)
    pid=$(service_pid "$svc" || true)
    if pid_alive "$pid"; then echo "$svc running (pid $pid)"; else echo "$svc stopped"; exit 3; fi ;;
  *) die "unknown action '$action' (start, stop, restart, status)" ;;
esac
