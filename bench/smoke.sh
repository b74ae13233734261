#!/usr/bin/env bash
# bench/smoke.sh BUILD_DIR — the whole `make bench` pipeline at toy sizes (about a second per point), so that it
# cannot rot: every part runs (library vs pgbench and redis-benchmark, replica, SQLite, HTTP vs nginx, open loop
# with vegeta, plots, report). It checks that each part left its figures and each plot its PNG; it asserts
# nothing about speed. Run by scripts/test-all.sh inside the services (W3W_TEST_PG_URL etc. set).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: bench/smoke.sh BUILD_DIR}" && pwd)
OUT=$BUILD/bench-smoke
rm -rf "$OUT"
W3W_BENCH_OUT=$OUT W3W_BENCH_SECONDS=1 W3W_BENCH_LEVELS=1 W3W_BENCH_READ_LEVELS=1 \
  W3W_BENCH_DURATION=1 W3W_BENCH_CONNECTIONS=20 W3W_BENCH_RATES=100 W3W_BENCH_OPEN_SECONDS=1 \
  W3W_BENCH_OPEN_CONNECTIONS=50 W3W_BENCH_PERF_TOP=3 W3W_BENCH_PORT=${W3W_BENCH_PORT:-18480} \
  W3W_BENCH_BATCH_SIZES=0,10,100 W3W_BENCH_BATCH_CLAIMS=200 \
  "$HERE/run.sh" "$BUILD" > "$OUT.log" 2>&1 || { tail -40 "$OUT.log"; echo "bench smoke: bench/run.sh failed" >&2; exit 1; }
fail=0
check() { if ! eval "$2"; then echo "bench smoke: $1" >&2; fail=1; fi; }
for png in throughput_vs_connections library_vs_raw latency_vs_rate batch_vs_throughput; do
  check "$png.png missing or not a PNG" "head -c 8 '$OUT/$png.png' 2>/dev/null | od -An -c | grep -q 'P   N   G'"
done
for section in "## Goals (issue 11) in this run" "## Plots" "## Claims on PostgreSQL" "## Reads by id" \
               "## Claims on SQLite" "## w3wallet-server (sqlite)" "## w3wallet-server (postgres+redis+kafka)" \
               "## Open loop: latency at fixed rates" "## Batched claims" "## Where the time goes"; do
  check "report.md lacks \"$section\"" "grep -qF '$section' '$OUT/report.md'"
done
check "a part failed (report notes)" "! grep -q 'FAILED' '$OUT/report.md'"
check "open loop: no point on both targets and nginx" "[ \$(grep -c '\"rate\"' '$OUT/openloop.jsonl') -ge 4 ]"
[ $fail -eq 0 ] || { tail -40 "$OUT.log"; exit 1; }
echo "bench smoke: every part ran; report $OUT/report.md"
