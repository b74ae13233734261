#!/usr/bin/env bash
# Go binding: install libw3wallet from BUILD into a prefix, check that the
# committed SWIG output is current, then go vet and go test -race the
# w3wallet package, which finds the library through `#cgo pkg-config: w3wallet`.
# Usage: tests/go/run.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bindings/consumer-env.sh"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

w3w_consumer_env "$BUILD"
echo "go: $(go version | cut -d' ' -f3), libw3wallet $(pkg-config --modversion w3wallet) in $W3W_PREFIX"

# 1. The generated package must match bindings/swig/w3wallet.i and the public headers.
gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
mkdir -p "$gen/bindings"
cp -r "$ROOT/include" "$gen/include"
cp -r "$ROOT/bindings/swig" "$ROOT/bindings/go" "$gen/bindings/"
(cd "$gen/bindings/go/w3wallet" && go generate . )
if ! diff -q -r "$ROOT/bindings/go/w3wallet/internal/capi" "$gen/bindings/go/w3wallet/internal/capi" >/dev/null; then
	echo "go: bindings/go/w3wallet/internal/capi is stale (the public headers or bindings/swig/w3wallet.i changed): run (cd bindings/go/w3wallet && go generate .) and commit it" >&2
	diff -r "$ROOT/bindings/go/w3wallet/internal/capi" "$gen/bindings/go/w3wallet/internal/capi" | head -n 20 >&2
	exit 1
fi

# 2. vet and the race-checked suite, against the installed library.
cd "$ROOT/bindings/go"
unformatted=$(gofmt -l w3wallet)
[ -z "$unformatted" ] || { echo "go: not gofmt-clean: $unformatted" >&2; exit 1; }
go vet ./...
W3W_VECTORS_DIR="$ROOT/tests/vectors" go test -race -count=1 -timeout 600s ./...
