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

# find_package(w3wallet 0.2 CONFIG REQUIRED) and w3wallet::w3wallet, as a CMake user would.
cmake_consumer() {
	cmake -S "$ROOT/tests/examples/cmake_consumer" -B "$work/cmake-consumer" -G Ninja \
		-DCMAKE_PREFIX_PATH="$W3W_PREFIX" -DHELLO_SOURCE="$ROOT/examples/hello/hello.c" >/dev/null &&
	cmake --build "$work/cmake-consumer" >/dev/null &&
	"$work/cmake-consumer/hello" "sqlite:$work/hello-cmake.db"
}
run "C hello (CMake find_package)" cmake_consumer

# pkg-config --static: libw3wallet.a and everything it needs, named by the .pc file alone.
static_consumer() {
	cc -std=c11 -Wall -Wextra -Werror "$ROOT/examples/hello/hello.c" $(pkg-config --cflags w3wallet) \
		"$(pkg-config --variable=libdir w3wallet)/libw3wallet.a" \
		$(pkg-config --static --libs w3wallet | sed 's/ -lw3wallet / /') -o "$work/hello-static" &&
	! ldd "$work/hello-static" | grep -q libw3wallet &&
	"$work/hello-static" "sqlite:$work/hello-static.db"
}
run "C hello (pkg-config --static)" static_consumer

# Installed programs find the library through their RUNPATH ($ORIGIN/../lib): no LD_LIBRARY_PATH.
installed_server() {
	env -u LD_LIBRARY_PATH "$W3W_PREFIX/bin/w3wallet-server" version
}
run "installed w3wallet-server runs without LD_LIBRARY_PATH" installed_server
installed_signer() {
	grep -q "signer protocol 1" <<<"$(env -u LD_LIBRARY_PATH "$W3W_PREFIX/bin/w3wallet-signer" --version)"
}
run "installed w3wallet-signer runs" installed_signer

# The installed server finds its admin dashboard under PREFIX/share/w3wallet/admin with no option.
installed_admin() {
	local log=$work/admin-server.log listen="" pid rc=1
	env -u LD_LIBRARY_PATH -u W3W_ADMIN_DIR "$W3W_PREFIX/bin/w3wallet-server" serve --data-dir "$work/admin-data" \
		--listen 127.0.0.1:0 --access-log off 2>"$log" &
	pid=$!
	for _ in $(seq 100); do
		listen=$(grep '"msg":"ready"' "$log" | jq -r .listen) && [ -n "$listen" ] && break
		sleep 0.1
	done
	[ -n "$listen" ] && curl -sf "http://$listen/admin/" | cmp - "$ROOT/examples/server/admin/index.html" &&
		curl -sf "http://$listen/admin/app.js" | cmp - "$ROOT/examples/server/admin/app.js" && rc=0
	kill "$pid" && wait "$pid" || true
	return $rc
}
run "installed w3wallet-server serves /admin/ from share/w3wallet/admin" installed_admin

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
