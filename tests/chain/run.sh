#!/usr/bin/env bash
# End-to-end wallet tests on a real local Ethereum node.
#
#   tests/chain/run.sh BUILD_DIR
#
# Installs Foundry's anvil and solc from npm (pinned by package-lock.json)
# into a cache directory, compiles the test ERC-20, starts anvil on
# 127.0.0.1:${W3W_ANVIL_PORT:-18545}, builds tests/chain/e2e_chain.c and
# e2e_signer.c and e2e_sweep.c (with BUILD_DIR's w3wallet-signer in its own process)
# against BUILD_DIR's static library and runs them on SQLite, and on
# PostgreSQL too when W3W_TEST_PG_URL is set (make test sets it). Anvil is
# stopped on exit.
# Needs Node >= 20.19 with npm, a C compiler and the library's dependencies.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "$build" && pwd)
port=${W3W_ANVIL_PORT:-18545}
spare=$((port + 1)) # three ports above anvil's: a node that is down, one that answers garbage, one that never answers
work=$(mktemp -d "${TMPDIR:-/tmp}/w3w-chain.XXXXXX")
anvil_pid=""
pg_schemas=""

cleanup() {
  if [ -n "$anvil_pid" ]; then
    kill "$anvil_pid" 2>/dev/null || true
    wait "$anvil_pid" 2>/dev/null || true
  fi
  for schema in $pg_schemas; do
    psql -q "$W3W_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# 1. anvil and solc, installed once per lock file.
anvil=$("$here/anvil.sh")
"$anvil" --version | head -1

# 2. The test token, compiled by solc.
"$here/token.sh" "$work/token.hex"

# 3. The test programs, against the static library of BUILD_DIR.
libs="sqlite3 libsodium libcjson libsecp256k1 libcurl"
for opt in libpq hiredis rdkafka; do
  pkg-config --exists "$opt" && libs="$libs $opt"
done
signer="$build/signer/w3wallet-signer"
[ -x "$signer" ] || { echo "chain e2e: $signer is not built" >&2; exit 1; }
for prog in e2e_chain e2e_signer e2e_sweep; do
  # shellcheck disable=SC2046
  ${CC:-cc} -std=c11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
    -I"$root/include" -I"$build/include" -I"$root/src" $(pkg-config --cflags libcjson) \
    "$here/$prog.c" "$here/harness.c" "$build/libw3wallet.a" $(pkg-config --libs $libs) -lpthread -lm \
    -o "$work/$prog"
done

# 4. anvil on loopback; wait for its "Listening" line.
"$anvil" --host 127.0.0.1 --port "$port" --chain-id 31337 > "$work/anvil.log" 2>&1 &
anvil_pid=$!
for _ in $(seq 100); do
  grep -q "Listening on" "$work/anvil.log" && break
  kill -0 "$anvil_pid" 2>/dev/null || { cat "$work/anvil.log"; exit 1; }
  sleep 0.1
done
grep -q "Listening on" "$work/anvil.log" || { echo "chain e2e: anvil did not start" >&2; exit 1; }

# A fresh PostgreSQL schema named $1: its URL in $pg_url.
pg_fresh() {
  pg_schemas="$pg_schemas $1"
  psql -q "$W3W_TEST_PG_URL" -c "CREATE SCHEMA $1" >/dev/null
  case "$W3W_TEST_PG_URL" in
    *\?*) pg_url="$W3W_TEST_PG_URL&options=-csearch_path%3D$1" ;;
    *) pg_url="$W3W_TEST_PG_URL?options=-csearch_path%3D$1" ;;
  esac
}

# 5. The stories on SQLite, then on PostgreSQL (fresh schemas) when there is one.
rc=0
"$work/e2e_chain" "http://127.0.0.1:$port" "$work/token.hex" "sqlite:$work/e2e.db" "$spare" || rc=1
"$work/e2e_signer" "http://127.0.0.1:$port" "$work/token.hex" "sqlite:$work/signer.db" "$signer" "$work" || rc=1
"$work/e2e_sweep" "http://127.0.0.1:$port" "$work/token.hex" "sqlite:$work/sweep.db" "$signer" "$work" || rc=1
if [ -n "${W3W_TEST_PG_URL:-}" ]; then
  pg_fresh "w3w_chain_$$"
  "$work/e2e_chain" "http://127.0.0.1:$port" "$work/token.hex" "$pg_url" "$spare" || rc=1
  pg_fresh "w3w_signer_$$"
  "$work/e2e_signer" "http://127.0.0.1:$port" "$work/token.hex" "$pg_url" "$signer" "$work" || rc=1
  pg_fresh "w3w_sweep_$$"
  "$work/e2e_sweep" "http://127.0.0.1:$port" "$work/token.hex" "$pg_url" "$signer" "$work" || rc=1
fi
[ $rc -eq 0 ] || { echo "chain e2e: the signer's log:" >&2; cat "$work"/signer-*.log >&2 2>/dev/null || true; }
[ $rc -eq 0 ] && echo "chain e2e: OK"
exit $rc
