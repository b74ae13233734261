#!/usr/bin/env bash
# Usage: selftest.sh
# Checks these scripts end to end: with-services.sh starts everything, each
# service is reached with its own client (psql with the password URL,
# redis-cli, kcat producing and consuming), each is stopped and started
# again with ctl.sh, and after the run no server process or port is left.
# Ends with the line "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

passed=0 failed=0
check() {
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"
  fi
}
tally() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; }

pg_sql() { psql -X -At "$W3W_TEST_PG_URL" -c "$1"; }
pg_is() { [ "$(pg_sql "$1")" = "$2" ]; }
pg_wrong_password_refused() { ! psql -X -At "postgres://w3w:nope@127.0.0.1:$W3W_PG_PORT/w3w" -c 'select 1'; }
pg_down() { ! psql -X -At "$W3W_TEST_PG_URL" -c 'select 1'; }
redis_ping() { [ "$(redis-cli -u "$W3W_TEST_REDIS_URL" ping)" = PONG ]; }
redis_down() { ! redis_ping; }
kafka_produce() { printf '%s\n' "$1" | kcat -b "$W3W_TEST_KAFKA_BROKERS" -P -t w3w.selftest -m 10; }
kafka_has() { kcat -b "$W3W_TEST_KAFKA_BROKERS" -C -t w3w.selftest -o beginning -e -q -m 10 | grep -qx "$1"; }
kafka_down() { ! kcat -L -b "$W3W_TEST_KAFKA_BROKERS" -m 2; }
ctl() { "$here/ctl.sh" "$W3W_SERVICES_DIR" "$@"; }

inside() {
  local pidlist=$1 msg="selftest-$$-$RANDOM"
  {
    head -n 1 "$W3W_SERVICES_DIR/pg/data/postmaster.pid" 2>/dev/null
    cat "$W3W_SERVICES_DIR/redis/redis.pid" "$W3W_SERVICES_DIR/kafka/kafka.pid" 2>/dev/null
  } > "$pidlist"
  check "pg: password URL reaches db w3w as w3w" pg_is 'select current_user || current_database()' w3ww3w
  check "pg: wrong password is refused" pg_wrong_password_refused
  check "pg: libpq conninfo works" psql -X -At "$W3W_TEST_PG_CONNINFO" -c 'select 1'
  check "pg: max_connections is 300" pg_is 'show max_connections' 300
  check "pg: w3w may create tables" pg_sql 'create table selftest (v text); insert into selftest values ($$kept$$)'
  check "redis: PING over the URL" redis_ping
  check "kafka: produce to an auto-created topic" kafka_produce "$msg"
  check "kafka: consume it back" kafka_has "$msg"

  check "ctl: stop redis" ctl stop redis
  check "redis: down after stop" redis_down
  check "ctl: start redis" ctl start redis
  check "redis: PING after restart" redis_ping

  check "ctl: stop kafka" ctl stop kafka
  check "kafka: down after stop" kafka_down
  check "ctl: start kafka" ctl start kafka
  check "kafka: message kept across restart" kafka_has "$msg"
  check "kafka: produce after restart" kafka_produce "$msg-2"
  check "kafka: consume after restart" kafka_has "$msg-2"

  check "ctl: stop pg" ctl stop pg
  check "pg: down after stop" pg_down
  check "ctl: start pg" ctl start pg
  check "pg: data kept across restart" pg_is 'select v from selftest' kept
  cat "$W3W_SERVICES_DIR/redis/redis.pid" "$W3W_SERVICES_DIR/kafka/kafka.pid" >> "$pidlist" 2>/dev/null
  head -n 1 "$W3W_SERVICES_DIR/pg/data/postmaster.pid" >> "$pidlist" 2>/dev/null
  tally
}

if [ "${1:-}" = --inside ]; then
  inside "$2"
  exit $?
fi

pidlist=$(mktemp)
trap 'rm -f "$pidlist"' EXIT
"$here/with-services.sh" "$0" --inside "$pidlist" | tee "$pidlist.out"
rc=${PIPESTATUS[0]}
line=$(tail -n 1 "$pidlist.out"); rm -f "$pidlist.out"
passed=${line%% passed*}; failed=${line#*passed, }; failed=${failed%% failed*}
case "$passed$failed" in *[!0-9]*|"") passed=0 failed=1; echo "FAIL the run inside with-services.sh printed no tally" ;; esac
check "with-services.sh exits 0 when the command passes" test "$rc" -eq 0
no_pid_left() { local p; while read -r p; do [ -z "$p" ] && continue; [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat")" != Z ] && return 1; done < "$pidlist"; return 0; }
check "no server process left" no_pid_left
no_port_left() { ! ss -Hltn | grep -Eq ":(${W3W_PG_PORT:-15432}|${W3W_REDIS_PORT:-16379}|${W3W_KAFKA_PORT:-19092}|${W3W_KAFKA_CONTROLLER_PORT:-19093})\b"; }
check "no port left listening" no_port_left
W3W_SERVICES=redis "$here/with-services.sh" sh -c 'exit 7' >/dev/null 2>&1
check "with-services.sh returns the command's status" test $? -eq 7
tally
