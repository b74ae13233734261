#!/usr/bin/env bash
# bench/run.sh BUILD_DIR — what `make bench` runs inside scripts/services/with-services.sh: the library
# against pgbench, redis-benchmark (and, through bench/http/run.sh, wrk against nginx), all in one run.
# The report lands in bench/results/report.md and is printed at the end. Knobs: see bench/bench.py.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: bench/run.sh BUILD_DIR}" && pwd)
OUT=${W3W_BENCH_OUT:-$HERE/results}

[ -x "$BUILD/bench/w3w-bench" ] || { echo "bench: $BUILD/bench/w3w-bench is not built" >&2; exit 1; }
for tool in python3 psql redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required (scripts/install-deps.sh)" >&2; exit 1; }
done
if [ -n "${W3W_TEST_PG_URL:-}" ] && [ ! -x "${W3W_PG_BINDIR:-/usr/lib/postgresql/15/bin}/pgbench" ]; then
  echo "bench: pgbench not found in ${W3W_PG_BINDIR:-/usr/lib/postgresql/15/bin}" >&2; exit 1
fi
mkdir -p "$OUT"
exec python3 "$HERE/bench.py" "$BUILD" "$OUT"
