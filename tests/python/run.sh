#!/usr/bin/env bash
# Python binding: install libw3wallet from BUILD into a prefix, build the
# w3wallet package against it through pkg-config (pip + scikit-build-core
# + SWIG, in a venv under BUILD), run its pytest suite.
# Usage: tests/python/run.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bindings/consumer-env.sh"

w3w_consumer_env "$BUILD"
w3w_python_env "$BUILD"
echo "python: building w3wallet against $(pkg-config --modversion w3wallet) in $W3W_PREFIX"
w3w_python_install "$BUILD"
export W3W_VECTORS_DIR="$ROOT/tests/vectors"
cd "$BUILD"  # import the installed package, not the source tree
exec "$W3W_PY" -m pytest -p no:cacheprovider -q -ra "$ROOT/bindings/python/tests"
