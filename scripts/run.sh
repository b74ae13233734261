#!/usr/bin/env bash
# make run: start w3wallet-server on the embedded default and say how to call it.
# Until the server is built, run the marketplace example instead.
set -euo pipefail
BUILD=${1:-build}
DATA=${W3W_DATA_DIR:-$PWD/.w3wallet}
mkdir -p "$DATA"
if [ -x "$BUILD/examples/server/w3wallet-server" ]; then
  exec "$BUILD/examples/server/w3wallet-server" serve --data-dir "$DATA" --walkthrough
fi
echo "w3wallet-server is not built; running the marketplace example on sqlite:$DATA/marketplace.db"
exec "$BUILD/examples/marketplace" "sqlite:$DATA/marketplace.db"
