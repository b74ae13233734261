#!/usr/bin/env bash
# tests/chain/anvil.sh — print the path of Foundry's anvil (and leave solc beside it), installing
# both from npm (pinned by package-lock.json) into the cache directory once per lock file.
# Used by tests/chain/run.sh and tests/server/run.sh. Needs Node >= 20.19 with npm.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${W3W_CHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/w3wallet/chain-e2e}
mkdir -p "$cache"
stamp=$(sha256sum "$here/package-lock.json" | cut -c1-16)
if [ "$(cat "$cache/.stamp" 2>/dev/null)" != "$stamp" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$cache/"
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error) >&2
  echo "$stamp" > "$cache/.stamp"
fi
# The wrapper's postinstall is skipped; the Linux binary arrives as a dependency.
anvil=$(ls "$cache"/node_modules/@foundry-rs/anvil-linux-*/bin/anvil 2>/dev/null | head -1)
[ -x "$anvil" ] || { echo "anvil: no binary under $cache" >&2; exit 1; }
echo "$anvil"
