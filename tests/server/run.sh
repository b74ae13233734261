#!/usr/bin/env bash
# tests/server/run.sh BUILD_DIR — the reference server's suite over real HTTP (pytest), run twice:
# on the embedded default (SQLite file, in-process cache and events) and on PostgreSQL + Redis + Kafka
# (W3W_TEST_PG_URL, W3W_TEST_REDIS_URL, W3W_TEST_KAFKA_URL, set by scripts/services/with-services.sh).
# Missing services fail the run; nothing is skipped. The Python tools live in a venv under BUILD_DIR,
# installed from the pinned requirements.txt + requirements.lock.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-build}" && pwd)
BIN=$BUILD/examples/server/w3wallet-server

[ -x "$BIN" ] || { echo "tests/server: $BIN is not built" >&2; exit 1; }
for v in W3W_TEST_PG_URL W3W_TEST_REDIS_URL W3W_TEST_KAFKA_URL; do
  [ -n "${!v:-}" ] || { echo "tests/server: $v is not set: run through make test (scripts/services/with-services.sh)" >&2; exit 1; }
done
for tool in python3 curl jq openssl psql; do
  command -v "$tool" >/dev/null || { echo "tests/server: $tool is required" >&2; exit 1; }
done

VENV=$BUILD/server-tests-venv
want=$(cat "$HERE/requirements.txt" "$HERE/requirements.lock" | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/pytest" ] || [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  echo "tests/server: creating $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt" -c "$HERE/requirements.lock"
  echo "$want" > "$VENV/.requirements.sha256"
fi

# On the services, the suite works in a PostgreSQL schema of its own (search_path), so that what other
# suites left in the test database (an audit chain of millions, a wallet seed under another master key)
# neither slows nor breaks it.
schema=w3w_server_test_$$
psql -q "$W3W_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null
trap 'psql -q "$W3W_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true' EXIT
case "$W3W_TEST_PG_URL" in
  *\?*) export W3W_SERVER_PG_URL="$W3W_TEST_PG_URL&options=-csearch_path%3D$schema" ;;
  *) export W3W_SERVER_PG_URL="$W3W_TEST_PG_URL?options=-csearch_path%3D$schema" ;;
esac

# test_chain.py runs its own anvil (Foundry's local Ethereum node) and deploys the test ERC-20,
# both installed and compiled as tests/chain does.
W3W_ANVIL_BIN=$("$HERE/../chain/anvil.sh")
W3W_TOKEN_HEX=$BUILD/test-token.hex
"$HERE/../chain/token.sh" "$W3W_TOKEN_HEX"
export W3W_ANVIL_BIN W3W_TOKEN_HEX W3W_SERVER_BIN=$BIN PYTHONDONTWRITEBYTECODE=1
rc=0
# The full race (200 clients x 500 orders = 100,000 claims over HTTP) runs on the embedded
# default; on the services it runs at 50 x 200, which proves the same on PostgreSQL+Redis+Kafka
# in a tenth of the time (make test stays well under 15 minutes).
for mode in embedded services; do
  echo "tests/server: $mode"
  if [ "$mode" = services ]; then race="W3W_RACE_CLIENTS=50 W3W_RACE_ORDERS=200"; else race=""; fi
  if ! env $race W3W_SERVER_MODE=$mode timeout 900 "$VENV/bin/pytest" -q -p no:cacheprovider --durations=8 -W ignore::DeprecationWarning \
      --rootdir "$HERE" "$HERE"; then
    echo "tests/server: $mode FAILED"
    rc=1
  fi
done
exit $rc
