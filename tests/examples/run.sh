#!/usr/bin/env bash
# pkg-config consumers: install libw3wallet from BUILD into a prefix, then
# build and run, exactly as a user would, the C programs (examples/hello,
# examples/marketplace), the Python script (examples/python/marketplace.py,
# through the w3wallet package) and the Go program (examples/go/marketplace).
# Each marketplace program exits non-zero on any mismatch with the story.
# Usage: tests/examples/run.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bindings/consumer-env.sh"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

w3w_consumer_env "$BUILD"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

run() {
	local name=$1; shift
	echo "--> $name"
	if (cd "$work" && "$@"); then
		passed=$((passed + 1))
	else
		echo "<-- $name: FAILED" >&2
		failed=$((failed + 1))
	fi
}

cc_build() { # cc_build OUT SRC
	cc -std=c11 -Wall -Wextra -Werror "$2" $(pkg-config --cflags --libs w3wallet) -o "$1"
}

run "C hello (pkg-config)" sh -c "$(declare -f cc_build); cc_build '$work/hello' '$ROOT/examples/hello/hello.c' && '$work/hello' 'sqlite:$work/hello.db'"
run "C marketplace (pkg-config)" sh -c "$(declare -f cc_build); cc_build '$work/marketplace' '$ROOT/examples/marketplace/marketplace.c' && '$work/marketplace' 'sqlite:$work/marketplace-c.db'"

python_story() {
	w3w_python_env "$BUILD" && w3w_python_install "$BUILD" &&
	"$W3W_PY" "$ROOT/examples/python/marketplace.py" "sqlite:$work/marketplace-py.db"
}
run "Python marketplace (w3wallet package)" python_story

go_story() {
	(cd "$ROOT/examples/go" && go vet ./... && go build -o "$work/marketplace-go" ./marketplace) &&
	"$work/marketplace-go" "sqlite:$work/marketplace-go.db"
}
run "Go marketplace (w3wallet module)" go_story

echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
