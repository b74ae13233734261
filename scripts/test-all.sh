#!/usr/bin/env bash
# Every test of the project, run by `make test` inside scripts/services/with-services.sh
# (so W3W_TEST_PG_URL, W3W_TEST_REDIS_URL, W3W_TEST_KAFKA_URL are set and the servers are up).
# A step that needs a service fails when it is missing; nothing skips itself.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JOBS=$(nproc)
failed=()

step() {
  local name=$1; shift
  local t0=$SECONDS
  echo "==> $name"
  if "$@"; then
    echo "<== $name: ok ($((SECONDS - t0)) s)"
  else
    echo "<== $name: FAILED ($((SECONDS - t0)) s)"
    failed+=("$name")
  fi
}

for v in W3W_TEST_PG_URL W3W_TEST_REDIS_URL W3W_TEST_KAFKA_URL; do
  [ -n "${!v:-}" ] || { echo "test-all: $v is not set: run through make test" >&2; exit 1; }
done

# 1. C: unit, conformance (SQLite; PostgreSQL with Redis), backends and end-to-end on real
#    services. Left out here: the backends' own valgrind runs (`ctest -L memcheck`) and the
#    PostgreSQL conformance run without Redis, which conformance_postgres_redis repeats.
step "ctest" ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --timeout 600 \
  -LE memcheck -E '^conformance_postgres$'

# 2. The core suite under AddressSanitizer + UndefinedBehaviorSanitizer: unit tests (the
#    SQLite backend's included) and the conformance suite on SQLite. The service tests
#    measure timeouts, which the sanitizers' slowdown would make flaky.
sanitized() {
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DW3W_SANITIZE=ON >build-asan.log 2>&1 &&
  cmake --build build-asan -j "$JOBS" >>build-asan.log 2>&1 || { tail -40 build-asan.log; return 1; }
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$JOBS" -L '^(unit|conformance)$' --timeout 900
}
step "sanitizers (ASan+UBSan)" sanitized

# 3. The core suite under Valgrind (unit tests and the SQLite conformance suite).
valgrind_core() {
  local rc=0 logs
  logs=$(mktemp -d)
  # Two at a time; each test's report is kept and shown if it fails.
  find "$BUILD/tests" -maxdepth 1 -type f -name 'test_*' -executable -print0 |
    CK_FORK=no W3W_VALGRIND=1 W3W_VECTORS_DIR="$ROOT/tests/vectors" xargs -0 -P 2 -I{} sh -c \
      'valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$1" >/dev/null 2>"$2/$(basename "$1").log" || { echo "valgrind: $1"; cat "$2/$(basename "$1").log"; exit 1; }' _ {} "$logs" || rc=1
  rm -rf "$logs"
  if [ -x "$BUILD/tests/conformance/conformance" ]; then
    CK_FORK=no W3W_VALGRIND=1 W3W_VECTORS_DIR="$ROOT/tests/vectors" valgrind -q --error-exitcode=99 --leak-check=full \
      --errors-for-leak-kinds=definite,indirect "$BUILD/tests/conformance/conformance" >/dev/null 2>/tmp/conformance.valgrind ||
      { echo "valgrind: conformance"; cat /tmp/conformance.valgrind; rc=1; }
  fi
  return $rc
}
step "valgrind (core suite)" valgrind_core

# 4. A user's build: install to a temporary prefix, compile examples/hello with pkg-config.
pkgconfig_consumer() {
  local prefix; prefix=$(mktemp -d)
  cmake --install "$BUILD" --prefix "$prefix" >/dev/null &&
  PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cc -std=c11 -Wall -Wextra -Werror examples/hello/hello.c \
    $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs w3wallet) -o "$prefix/hello" &&
  (cd "$prefix" && LD_LIBRARY_PATH="$prefix/lib" ./hello "sqlite:$prefix/hello.db")
  local rc=$?
  rm -rf "$prefix"
  return $rc
}
step "pkg-config consumer (examples/hello)" pkgconfig_consumer

# 5. Independent cross-checks of the wallet crypto (Node: ethers, noble).
if [ -x tests/crosscheck/run.sh ]; then step "crypto cross-check (ethers)" tests/crosscheck/run.sh "$BUILD"; fi

# 6. Reference server, bindings: each has its own runner.
for runner in tests/server/run.sh tests/python/run.sh tests/go/run.sh tests/examples/run.sh tests/chain/run.sh; do
  if [ -x "$runner" ]; then step "$runner" "$runner" "$BUILD"; fi
done

echo
if [ ${#failed[@]} -eq 0 ]; then
  echo "make test: all steps passed"
else
  printf 'make test: FAILED steps:\n'; printf '  - %s\n' "${failed[@]}"
  exit 1
fi
