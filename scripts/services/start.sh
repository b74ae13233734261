#!/usr/bin/env bash
# Usage: start.sh DIR
# Starts PostgreSQL, Redis and a Kafka broker on 127.0.0.1 with all their
# state in DIR, waits until each answers, and writes DIR/env (export lines:
# W3W_TEST_PG_URL, W3W_TEST_REDIS_URL, W3W_TEST_KAFKA_URL, ...).
# W3W_SERVICES="pg redis kafka" picks a subset. Ports: W3W_PG_PORT (15432),
# W3W_REDIS_PORT (16379), W3W_KAFKA_PORT (19092), W3W_KAFKA_CONTROLLER_PORT
# (19093). On failure it stops what it started and exits non-zero.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_service_scripts

[ $# -eq 1 ] || die "usage: $0 DIR"
mkdir -p "$1"
dir=$(cd "$1" && pwd)
wanted=${W3W_SERVICES:-$W3W_KNOWN_SERVICES}
for svc in $wanted; do
  is_known_service "$svc" || die "unknown service '$svc' in W3W_SERVICES (known: $W3W_KNOWN_SERVICES)"
done
has() { case " $wanted " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

started_ok=0
on_exit() {
  if [ "$started_ok" -ne 1 ]; then
    note "start failed: stopping what was started in $dir"
    "$W3W_SERVICES_HOME/stop.sh" "$dir" || true
  fi
}
trap on_exit EXIT

t0=${EPOCHREALTIME/./}
# The JVM is the slowest to boot: launch it first, wait for it last.
if has kafka; then svc_kafka_launch "$dir"; fi
if has pg; then svc_pg_start "$dir"; fi
if has redis; then svc_redis_start "$dir"; fi
if has kafka; then svc_kafka_await "$dir"; fi
write_env "$dir"
started_ok=1
tenths=$(( (${EPOCHREALTIME/./} - t0) / 100000 ))
note "started [$wanted] in $((tenths / 10)).$((tenths % 10))s; env in $dir/env"
