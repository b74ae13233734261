#!/usr/bin/env bash
# tests/chain/token.sh OUT — compile tests/chain/Token.sol (the test ERC-20: 6 decimals, the whole supply
# to the deployer) with the pinned solc that tests/chain/anvil.sh installs, and write its creation
# bytecode as hex to OUT. Used by tests/chain/run.sh and tests/server/run.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: $0 OUT}
"$here/anvil.sh" >/dev/null
cache=${W3W_CHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/w3wallet/chain-e2e}
work=$(mktemp -d "${TMPDIR:-/tmp}/w3w-token.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$here/compile_token.mjs" "$here/Token.sol" "$work/"
ln -s "$cache/node_modules" "$work/node_modules"
node "$work/compile_token.mjs" > "$work/token.hex"
mv "$work/token.hex" "$out"
