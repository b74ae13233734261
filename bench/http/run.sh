#!/usr/bin/env bash
# bench/http/run.sh BUILD_DIR OUTDIR — wrk against w3wallet-server (GET /v1/orders/{id} and the claim route)
# at 100, 1,000 and 10,000 connections, side by side with nginx serving a static JSON body of the same size
# in the same run; p50/p99/p99.9 and req/s, as ratios, into OUTDIR/http.md.
# Storage: the embedded default, and PostgreSQL + Redis + Kafka too when W3W_TEST_PG_URL etc. are set.
# Then open-loop (vegeta at fixed rates, bench/http/openloop.py): 80 % GET by id, 15 % claims, 5 % order
# creation, with W3W_BENCH_OPEN_CONNECTIONS keep-alive connections held open beside the load, on the server
# and on nginx at the same rate (nginx answers every route with its static body).
# Knobs: W3W_BENCH_DURATION (10 s), W3W_BENCH_CONNECTIONS ("100 1000 10000"), W3W_BENCH_PORT (18480),
# W3W_BENCH_RATES ("500 1000 2000 3000 5000" req/s; "" skips the open loop), W3W_BENCH_OPEN_SECONDS (3),
# W3W_BENCH_OPEN_CONNECTIONS (10000: what this box allows, see ulimit -n; the server and the holder each
# need one descriptor per connection), W3W_BENCH_PERF_TOP (12: the server's top symbols by CPU, perf record,
# beside each of its points; 0: none), W3W_BENCH_NEAR_CACHE (10000: GET by id once more on PostgreSQL + Redis
# with the Redis near cache of that many entries, `redis://...?near_cache=N`; 0 skips it).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR OUTDIR}" && pwd)
mkdir -p "${2:?usage: run.sh BUILD_DIR OUTDIR}"
OUT=$(cd "$2" && pwd)
BIN=$BUILD/examples/server/w3wallet-server
DUR=${W3W_BENCH_DURATION:-10}
LEVELS=${W3W_BENCH_CONNECTIONS:-"100 1000 10000"}
PORT=${W3W_BENCH_PORT:-18480}
NGINX_PORT=$((PORT + 1))
THREADS=$(nproc)
RATES=${W3W_BENCH_RATES-"500 1000 2000 3000 5000"}
OPEN_SECONDS=${W3W_BENCH_OPEN_SECONDS:-3}
OPEN_CONNS=${W3W_BENCH_OPEN_CONNECTIONS:-10000}
NEAR=${W3W_BENCH_NEAR_CACHE:-10000}
PERF_TOP=${W3W_BENCH_PERF_TOP:-12}
export W3W_BENCH_LUA=$HERE

for tool in wrk nginx python3 ${RATES:+vegeta}; do
  command -v "$tool" >/dev/null || { echo "bench/http: $tool is required (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "bench/http: $BIN is not built" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/w3w-bench-http.XXXXXX")
SERVER_PID="" NGINX_PID="" HOLD_PIDS=""
cleanup() {
  for p in $HOLD_PIDS; do kill "$p" 2>/dev/null; done
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
RESULTS=$WORK/results.jsonl
MEASURES=$WORK/measure.jsonl
OPEN_RESULTS=$WORK/openloop.jsonl
: > "$RESULTS"
: > "$MEASURES"
: > "$OPEN_RESULTS"
export W3W_JWT_SECRET
W3W_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
SERVER_FLAGS="--threads 32 --rate-limit 1000000:1000000 (limiter on, never binding), JSON access log to a file"

# wrk_json LABEL ROUTE CONNS -- wrk args: runs wrk, keeps its JSON line tagged with the target, route and level;
# measure.py counts beside it what each process spent (where the time goes) into MEASURES.
wrk_json() {
  local target=$1 route=$2 conns=$3; shift 4
  local line pid=$SERVER_PID top=$PERF_TOP
  case $target in nginx\|*) pid=$NGINX_PID top=0 ;; esac
  line=$(W3W_BENCH_PERF_TOP=$top python3 "$HERE/measure.py" "$MEASURES" "$target" "$route" "$conns" "$pid" -- \
    wrk -t"$THREADS" -c"$conns" -d"${DUR}s" --timeout 10s "$@" | grep '^{"requests"' | tail -1)
  [ -n "$line" ] || { echo "bench/http: wrk gave no result for $target $route $conns" >&2; return 1; }
  printf '{"target":"%s","route":"%s","connections":%s,%s\n' "$target" "$route" "$conns" "${line#\{}" >> "$RESULTS"
  echo "  $target $route c=$conns: $line"
}

start_server() {
  local data=$WORK/data-$1
  mkdir -p "$data"
  "$BIN" serve --data-dir "$data" --listen "127.0.0.1:$PORT" --threads 32 --rate-limit 1000000:1000000 \
    2> "$WORK/server-$1.log" &
  SERVER_PID=$!
  for _ in $(seq 300); do
    grep -q '"msg":"ready"' "$WORK/server-$1.log" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench/http: the server did not start:" >&2; tail -20 "$WORK/server-$1.log" >&2; return 1
}

stop_server() {
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
}

start_nginx() {
  sed -e "s|@WORK@|$WORK|g" -e "s|@PORT@|$NGINX_PORT|g" \
      -e "s|@ORDER_BODY@|$(sed 's/[&|\\]/\\&/g' "$WORK/order_body.json")|" \
      -e "s|@CLAIM_BODY@|$(sed 's/[&|\\]/\\&/g' "$WORK/claim_body.json")|" "$HERE/nginx.conf.in" > "$WORK/nginx.conf"
  nginx -p "$WORK" -c "$WORK/nginx.conf" &
  NGINX_PID=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/v1/orders/x" && return 0
    sleep 0.1
  done
  echo "bench/http: nginx did not start" >&2; cat "$WORK/nginx-error.log" >&2; return 1
}

# The nginx point right after the server's, so that both see the same machine (it is shared and noisy).
nginx_point() {
  local pair=$1 route=$2 c=$3 method=GET path
  path="/v1/orders/$(head -1 "$WORK/read_ids")"
  if [ "$route" != "GET /v1/orders/{id}" ]; then method=POST; path="$path/claim"; fi
  wrk_json "nginx|$pair" "$route" "$c" -- -s "$HERE/static.lua" "http://127.0.0.1:$NGINX_PORT" \
    -- "$method" "$path" "$WORK/reader.tok"
}

# hold N PORT: N idle keep-alive connections to PORT in the background; prints how many opened.
hold() {
  local out=$WORK/hold-$2.json
  python3 "$HERE/openloop.py" hold "$1" 127.0.0.1 "$2" 3600 > "$out" &
  HOLD_PIDS="$HOLD_PIDS $!"
  for _ in $(seq 600); do [ -s "$out" ] && break; sleep 0.1; done
  echo "  open connections held on :$2: $(cat "$out")"
}

release_holds() {
  for p in $HOLD_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
  HOLD_PIDS=""
}

# attack TARGET BASE_URL RATE CHUNK: one open-loop point into OPEN_RESULTS.
attack() {
  local target=$1 base=$2 rate=$3 chunk=$4 line
  python3 "$HERE/openloop.py" targets "$WORK" "$base" "$rate" "$OPEN_SECONDS" "$chunk" > "$WORK/targets.json"
  vegeta attack -format=json -targets="$WORK/targets.json" -rate="$rate/s" -duration="${OPEN_SECONDS}s" \
    -timeout=10s -max-body=0 > "$WORK/attack.bin"
  vegeta encode -to csv < "$WORK/attack.bin" > "$WORK/attack.csv"
  line=$(python3 "$HERE/openloop.py" summary "$WORK/attack.csv" "$target" "$rate" "$OPEN_SECONDS" "$OPEN_CONNS")
  echo "$line" >> "$OPEN_RESULTS"
  echo "  open loop $target $rate/s: $line"
}

# The mix at each rate with many connections open, on the server and then on nginx at the same rate.
open_loop() {
  local target=$1 n_rates k=0
  n_rates=$(echo $RATES | wc -w)
  # Open orders for the claims (15 % of the mix), then the held connections.
  wrk -t"$THREADS" -c64 -d"$(( OPEN_SECONDS * n_rates ))s" --timeout 10s -s "$HERE/create_orders.lua" \
    "http://127.0.0.1:$PORT" -- "$WORK/buyers.tok" BENCH | grep '^{"requests"' | sed 's/^/  create orders: /'
  echo "  open orders: $(python3 "$HERE/prepare.py" ids "http://127.0.0.1:$PORT" "$WORK" "$n_rates")"
  hold "$OPEN_CONNS" "$PORT"
  hold "$OPEN_CONNS" "$NGINX_PORT"
  # Warm-up, not recorded: reads only (no claim ids for chunk "warm") at the lowest rate for a second, on both.
  for base in "http://127.0.0.1:$PORT" "http://127.0.0.1:$NGINX_PORT"; do
    python3 "$HERE/openloop.py" targets "$WORK" "$base" "${RATES%% *}" 1 warm > "$WORK/targets.json"
    vegeta attack -format=json -targets="$WORK/targets.json" -rate="${RATES%% *}/s" -duration=1s -timeout=10s \
      -max-body=0 > /dev/null
  done
  for rate in $RATES; do
    attack "$target" "http://127.0.0.1:$PORT" "$rate" "$k"
    attack "nginx|$target" "http://127.0.0.1:$NGINX_PORT" "$rate" "$k"
    k=$((k + 1))
  done
  release_holds
}

# library_claims TARGET STORAGE: the library's own claims (w3w-bench) on the server's backends (storage, cache,
# events) at the server's concurrency (its 32 workers), right after the server's claims: the peer of the
# "claims over HTTP >= 0.9x the library" goal, in the same run. Its orders are made and their events relayed
# first, so that measure.py counts the claims alone (CPU of w3w-bench, PostgreSQL, Redis, Kafka per claim, and
# of the idle server, whose relay thread and SQLite checkpoints take part of the library's events and WAL; what
# w3w-bench leaves to relay when it exits (--catchup 0) is not counted: its figures are the library's best).
library_claims() {
  local line w3w=$BUILD/bench/w3w-bench n=$((DUR * 1500))
  "$w3w" prefill --storage "$2" --orders "$n" --threads 4 --out "$WORK/library_orders" > /dev/null 2>&1 &&
    "$w3w" drain --storage "$2" --max-seconds 60 > /dev/null 2>&1 &&
    line=$(W3W_BENCH_PERF_TOP=0 python3 "$HERE/measure.py" "$MEASURES" "library|$1" "w3w_claim_order, 32 threads" 32 \
      "$SERVER_PID" -- \
      "$w3w" claims --storage "$2" --cache "${W3W_CACHE:-memory:}" --events "${W3W_EVENTS:-}" --threads 32 \
      --orders "$WORK/library_orders" --count "$n" --duration "$DUR" --catchup 0 --drain 0 --label http-peer \
      2>/dev/null | grep '^{' | tail -1) || true
  [ -n "$line" ] || { echo "bench/http: w3w-bench claims gave no result for $1 (no library peer)" >&2; return 0; }
  printf '{"target":"library|%s","route":"w3w_claim_order, 32 threads","connections":32,%s\n' "$1" "${line#\{}" \
    >> "$RESULTS"
  echo "  library claims beside $1: ${line:0:160}"
}

# bench_server LABEL [reads]: every route, or with `reads` GET by id only.
bench_server() {
  local label=$1 target="w3wallet-server ($1)" n_levels
  echo "bench/http: $target"
  start_server "$label"
  python3 "$HERE/prepare.py" users "$BIN" "$WORK/data-$label" "http://127.0.0.1:$PORT" "$WORK"
  local prepared=$SECONDS
  [ -n "$NGINX_PID" ] || start_nginx
  # Creating the orders left a tombstone on each in a Redis cache (10 s, W3W_CACHE_TOMBSTONE_MS), during which
  # reads go to storage and fill nothing: wait them out, then read the orders once, unrecorded, so that the
  # points measure warm reads (a first point once ran at 805 req/s, every GET a PostgreSQL read).
  # (Not for points of 1 s, the smoke's: their figures are not read.)
  case "${W3W_CACHE:-}" in redis*) [ "${DUR%%.*}" -lt 2 ] ||
    sleep $(( prepared + 11 - SECONDS > 0 ? prepared + 11 - SECONDS : 0 )) ;; esac
  wrk -t"$THREADS" -c"${LEVELS%% *}" -d1s --timeout 10s -s "$HERE/get_order.lua" "http://127.0.0.1:$PORT" \
    -- "$WORK/reader.tok" "$WORK/read_ids" > /dev/null
  for c in $LEVELS; do
    wrk_json "$target" "GET /v1/orders/{id}" "$c" -- -s "$HERE/get_order.lua" "http://127.0.0.1:$PORT" \
      -- "$WORK/reader.tok" "$WORK/read_ids"
    nginx_point "$target" "GET /v1/orders/{id}" "$c"
  done
  if [ "${2:-}" = reads ]; then stop_server; return 0; fi
  # Open orders for the claims: created at the server's own pace, a bit more than the claims can take.
  n_levels=$(echo $LEVELS | wc -w)
  wrk -t"$THREADS" -c64 -d"$(( DUR * n_levels * 13 / 10 ))s" --timeout 10s -s "$HERE/create_orders.lua" \
    "http://127.0.0.1:$PORT" -- "$WORK/buyers.tok" BENCH | grep '^{"requests"' | sed 's/^/  create orders: /'
  echo "  open orders: $(python3 "$HERE/prepare.py" ids "http://127.0.0.1:$PORT" "$WORK" "$n_levels")"
  local k=0
  for c in $LEVELS; do
    wrk_json "$target" "POST /v1/orders/{id}/claim" "$c" -- -s "$HERE/claim.lua" "http://127.0.0.1:$PORT" \
      -- "$WORK/claim_ids.$k" "$WORK/shoppers.tok" "$THREADS"
    nginx_point "$target" "POST /v1/orders/{id}/claim" "$c"
    [ "$k" != 0 ] || library_claims "$target" "${W3W_STORAGE:-sqlite:$WORK/data-$label/w3wallet.db}"
    k=$((k + 1))
  done
  [ -z "$RATES" ] || open_loop "$target"
  grep -c '"msg":"request"' "$WORK/server-$label.log" | sed 's/^/  access log lines: /'
  stop_server
}

bench_server sqlite
# pg_server LABEL CACHE_URL [reads]: bench_server on PostgreSQL in a fresh schema (search_path) of its own,
# so nothing left by other runs is in the way.
pg_server() {
  local schema=w3w_bench_http_$$_${3:-all} pg_url rc=0
  psql -q "$W3W_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null
  case "$W3W_TEST_PG_URL" in
    *\?*) pg_url="$W3W_TEST_PG_URL&options=-csearch_path%3D$schema" ;;
    *) pg_url="$W3W_TEST_PG_URL?options=-csearch_path%3D$schema" ;;
  esac
  W3W_STORAGE=$pg_url W3W_CACHE=$2 W3W_EVENTS=${W3W_TEST_KAFKA_URL:-} bench_server "$1" ${3:-} || rc=$?
  psql -q "$W3W_TEST_PG_URL" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
  return $rc
}
NEAR_TARGET=""
if [ -n "${W3W_TEST_PG_URL:-}" ]; then
  pg_server "postgres+redis+kafka" "${W3W_TEST_REDIS_URL:-memory:}"
  if [ "$NEAR" != 0 ] && [ -n "${W3W_TEST_REDIS_URL:-}" ]; then
    case "$W3W_TEST_REDIS_URL" in *\?*) near_url="$W3W_TEST_REDIS_URL&near_cache=$NEAR" ;;
      *) near_url="$W3W_TEST_REDIS_URL?near_cache=$NEAR" ;; esac
    NEAR_TARGET="postgres+redis+kafka+near_cache"
    pg_server "$NEAR_TARGET" "$near_url" reads
  fi
fi

kill -TERM "$NGINX_PID"; wait "$NGINX_PID" || true; NGINX_PID=""

targets='["w3wallet-server (sqlite)"'
[ -n "${W3W_TEST_PG_URL:-}" ] && targets+=',"w3wallet-server (postgres+redis+kafka)"'
[ -n "$NEAR_TARGET" ] && targets+=",\"w3wallet-server ($NEAR_TARGET)\""
targets+=']'
cat > "$WORK/meta.json" <<JSON
{"duration": $DUR, "threads": $THREADS, "open_seconds": $OPEN_SECONDS, "open_connections": $OPEN_CONNS, "cpus": $(nproc), "load": "$LOAD_BEFORE",
 "order_bytes": $(wc -c < "$WORK/order_body.json"), "claim_bytes": $(wc -c < "$WORK/claim_body.json"),
 "server_flags": "$SERVER_FLAGS", "targets": $targets}
JSON
cp "$RESULTS" "$OUT/http.jsonl"
cp "$MEASURES" "$OUT/measure.jsonl"
cp "$OPEN_RESULTS" "$OUT/openloop.jsonl"
cp "$WORK/meta.json" "$OUT/http-meta.json"
python3 "$HERE/report.py" "$OUT/http.jsonl" "$OUT/http.md" "$OUT/http-meta.json" "$OUT/openloop.jsonl" \
  "$OUT/measure.jsonl" > /dev/null
echo "bench/http: wrote $OUT/http.md"
cat "$OUT/http.md"
