#!/usr/bin/env bash
# The libFuzzer harnesses of tests/fuzz, built in their own directory with clang (ASan+UBSan).
#
#   tests/fuzz/run.sh replay                 every corpus entry once (make test): fails on any finding
#   tests/fuzz/run.sh fuzz [SECONDS] [NAME]  fuzz each harness (or one) for SECONDS (make fuzz)
#
# A fuzz run works on a copy of the corpus, then merges what it found into
# tests/fuzz/corpus/<harness>/ (-merge=1 into a fresh directory, so only inputs that
# add coverage stay; the hand-made seed-* files always stay). A crashing input is
# copied into the corpus as crash-<sha1>, so every later replay runs it: the run
# fails until the parser is fixed. Environment: FUZZ_BUILD (default build-fuzz).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
MODE=${1:-}
BUILD=${FUZZ_BUILD:-build-fuzz}
CORPUS=$ROOT/tests/fuzz/corpus
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

command -v clang >/dev/null || { echo "fuzz: clang is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

build() {
  mkdir -p "$BUILD"
  CC=clang cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DW3W_FUZZ=ON -DW3W_TESTS=OFF \
    >"$BUILD/fuzz-build.log" 2>&1 &&
  cmake --build "$BUILD" -j "$(nproc)" --target fuzz_all >>"$BUILD/fuzz-build.log" 2>&1 ||
    { tail -40 "$BUILD/fuzz-build.log"; echo "fuzz: build failed ($BUILD/fuzz-build.log)" >&2; exit 1; }
}

harnesses() {
  local only=${1:-}
  for src in tests/fuzz/fuzz_*.c; do
    local h; h=$(basename "$src" .c)
    if [ -z "$only" ] || [ "$h" = "$only" ] || [ "$h" = "fuzz_$only" ]; then echo "$h"; fi
  done
}

replay() {
  local rc=0 h log
  log=$(mktemp)
  for h in $(harnesses); do
    mkdir -p "$CORPUS/$h"
    # -runs=0: each corpus entry executes once; any sanitizer report or broken property fails.
    if "$BUILD/tests/fuzz/$h" -runs=0 -artifact_prefix="$BUILD/" "$CORPUS/$h" >"$log" 2>&1; then
      echo "  $h: $(ls "$CORPUS/$h" | wc -l) inputs replayed, $(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)"
    else
      echo "  $h: FAILED"; tail -40 "$log"; rc=1
    fi
  done
  rm -f "$log"
  return $rc
}

# Fuzz one harness for $2 seconds; prints its figures and merges its finds.
fuzz_one() {
  local h=$1 secs=$2 work bin=$BUILD/tests/fuzz/$1 rc=0 log stats
  work=$(mktemp -d)
  log=$BUILD/fuzz-$h.log
  mkdir -p "$work/run" "$work/fresh" "$work/artifacts" "$CORPUS/$h"
  cp -r "$CORPUS/$h/." "$work/run/"
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/run" >"$log" 2>&1 || rc=$?
  # Keep the corpus small: the seeds, plus whatever else adds coverage to them.
  cp "$CORPUS/$h"/seed-* "$work/fresh/" 2>/dev/null || true
  "$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 -max_len=8192 "$work/fresh" "$CORPUS/$h" "$work/run" \
    >"$log.merge" 2>&1 || { echo "  $h: merge failed ($log.merge)"; rc=1; }
  if [ -n "$(ls "$work/fresh")" ]; then
    find "$CORPUS/$h" -type f ! -name 'seed-*' ! -name 'crash-*' -delete
    find "$work/fresh" -type f ! -name 'seed-*' -exec cp {} "$CORPUS/$h/" \;
  fi
  for a in "$work/artifacts"/*; do
    [ -e "$a" ] || continue
    cp "$a" "$CORPUS/$h/crash-$(sha1sum "$a" | cut -c1-40)"
    echo "  $h: FINDING $(basename "$a") -> tests/fuzz/corpus/$h/crash-$(sha1sum "$a" | cut -c1-40)"
    rc=1
  done
  stats=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$h" \
    "$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log")" \
    "$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log")" \
    "${stats:-?}" "$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")" \
    "$([ $rc -eq 0 ] && echo none || echo FOUND)" | tee -a "$BUILD/fuzz-results.tsv"
  grep -m1 -E 'ERROR: |runtime error|property broken' "$log" || true
  rm -rf "$work"
  return $rc
}

case "$MODE" in
  replay)
    build
    replay
    ;;
  fuzz)
    secs=${2:-600}
    build
    printf 'harness\texec/s\texecutions\tcoverage\tseconds\tcrashes\n' | tee "$BUILD/fuzz-results.tsv"
    status=0
    for h in $(harnesses "${3:-}"); do fuzz_one "$h" "$secs" || status=1; done
    echo "fuzz: figures in $BUILD/fuzz-results.tsv, logs in $BUILD/fuzz-*.log"
    exit $status
    ;;
  *)
    echo "usage: $0 replay | fuzz [SECONDS] [HARNESS]" >&2
    exit 2
    ;;
esac
