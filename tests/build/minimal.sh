#!/bin/sh
# The library built with no optional backend (no libpq, hiredis, librdkafka, libcurl):
# it builds, and each missing backend answers "this build has no ..." (absent_backends.c).
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR="$BUILD/minimal"
cmake -S "$ROOT" -B "$DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DW3W_TESTS=OFF \
  -DW3W_WITH_POSTGRES=OFF -DW3W_WITH_REDIS=OFF -DW3W_WITH_KAFKA=OFF -DW3W_WITH_CHAIN=OFF >/dev/null
nice cmake --build "$DIR" --target w3wallet -j 2 >/dev/null
cc -std=c11 -Wall -Wextra -Werror -I"$ROOT/include" -I"$DIR/include" "$ROOT/tests/build/absent_backends.c" \
  -L"$DIR" -lw3wallet -Wl,-rpath,"$(cd "$DIR" && pwd)" -o "$DIR/absent_backends"
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
"$DIR/absent_backends" "$db/minimal.db"
