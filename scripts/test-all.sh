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

# 0. The docs stand alone: every relative link resolves, nothing points outside the repository.
step "docs links" python3 tests/docs/check_links.py
# The API reference builds from the headers without a warning (docs/Doxyfile fails on any).
step "API reference (doxygen)" make --no-print-directory docs BUILD="$BUILD"
# The Prometheus alert rules: promtool check and unit tests, each alert tested firing and quiet.
step "alert rules (promtool)" tests/deploy/alerts.sh

# 1. C: unit, conformance (SQLite; PostgreSQL with Redis), backends and end-to-end on real
#    services. Left out here: the backends' own valgrind runs (`ctest -L memcheck`) and the
#    PostgreSQL conformance run without Redis, which conformance_postgres_redis repeats.
step "ctest" ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --timeout 600 \
  -LE memcheck -E '^conformance_postgres$'

# 2. The core suite under AddressSanitizer + UndefinedBehaviorSanitizer: unit tests (the
#    SQLite backend's included), the storage contract and the conformance suite on SQLite. The service tests
#    measure timeouts, which the sanitizers' slowdown would make flaky.
sanitized() {
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DW3W_SANITIZE=ON >"$BUILD/asan-build.log" 2>&1 &&
  # Only what the step runs: the unit tests and the conformance suite (not server, bench, ...).
  cmake --build build-asan -j "$JOBS" --target conformance contract \
    $(for t in tests/unit/test_*.c; do basename "$t" .c; done) >>"$BUILD/asan-build.log" 2>&1 ||
    { tail -40 "$BUILD/asan-build.log"; return 1; }
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$JOBS" -L '^(unit|conformance)$' --timeout 900
}
step "sanitizers (ASan+UBSan)" sanitized

# 2b. Every libFuzzer harness replays its committed corpus once (ASan+UBSan, clang, build-fuzz):
#     each crash ever found stays there as an entry. Fails if clang is missing.
step "fuzz corpus replay" tests/fuzz/run.sh replay

# 3. The core suite under Valgrind: unit tests and the SQLite conformance suite, the latter
#    split by test case so the two cores share the work. W3W_VALGRIND=1 shrinks the races.
valgrind_core() {
  local logs conf="$BUILD/tests/conformance/conformance" rc=0
  logs=$(mktemp -d)
  {
    find "$BUILD/tests" -maxdepth 1 -type f -name 'test_*' -executable
    echo "$BUILD/tests/contract/contract"
    echo "$conf race"
    echo "$conf races state_machine"
    echo "$conf batch"
    echo "$conf context ledger supply order claim idempotency paging events audit cache json"
  } > "$logs/jobs"
  CK_FORK=no W3W_VALGRIND=1 CK_DEFAULT_TIMEOUT=900 W3W_VECTORS_DIR="$ROOT/tests/vectors" \
    xargs -P 2 -L 1 -a "$logs/jobs" sh -c '
      log="$0.$(echo "$*" | tr " /" "__").log"
      valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$@" \
        >"$log" 2>&1 || { echo "valgrind: $*"; tail -60 "$log"; exit 1; }' "$logs/run" || rc=1
  rm -rf "$logs"
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

# 4b. The library without any optional backend: each says what the build lacks.
step "build without optional backends" tests/build/minimal.sh "$BUILD"

# 5. Independent cross-checks of the wallet crypto (Node: ethers, noble).
if [ -x tests/crosscheck/run.sh ]; then step "crypto cross-check (ethers)" tests/crosscheck/run.sh "$BUILD"; fi

# 6. Reference server, bindings: each has its own runner.
for runner in tests/server/run.sh tests/python/run.sh tests/go/run.sh tests/examples/run.sh tests/chain/run.sh; do
  if [ -x "$runner" ]; then step "$runner" "$runner" "$BUILD"; fi
done

# 6b. The make bench pipeline at toy sizes (every part, the plots and the report; no speed asserted).
step "bench pipeline smoke" bench/smoke.sh "$BUILD"

# 7. Packages and deployment files as users get them. The Python sdist -> wheel -> clean venv.
step "package: Python sdist and wheel" tests/packaging/python.sh "$BUILD"
#    The Go module at its tagged version, through a file-based GOPROXY.
step "package: Go module at a tag" tests/packaging/go.sh "$BUILD"
#    The Debian packages (what make deb builds), unpacked into a throwaway root and used.
step "package: Debian packages" tests/packaging/deb.sh "$BUILD"
#    The systemd unit: systemd-analyze verify/security, and the server run as the unit runs it.
step "package: systemd unit" tests/packaging/systemd.sh "$BUILD"
#    The Dockerfile and compose file, as far as a machine without a container engine can check them.
step "package: container files (lint)" tests/packaging/containers.sh "$BUILD"

echo
if [ ${#failed[@]} -eq 0 ]; then
  echo "make test: all steps passed"
else
  printf 'make test: FAILED steps:\n'; printf '  - %s\n' "${failed[@]}"
  exit 1
fi
