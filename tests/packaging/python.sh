#!/usr/bin/env bash
# The Python package as a user gets it: `python -m build --sdist` run from outside the source
# tree, a wheel built from that sdist alone (unpacked in a temp dir, a fresh venv, build
# isolation, against libw3wallet installed in a prefix and found through pkg-config), the wheel
# installed into another fresh venv (no index) and a deposit/transfer story run through it.
# Usage: tests/packaging/python.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bindings/consumer-env.sh"

w3w_consumer_env "$BUILD"
version=$(sed -n 's/^project(w3wallet VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"  # nothing below runs in the source tree
pip_q() { "$@" -q --disable-pip-version-check; }

python3 -m venv tools
pip_q tools/bin/pip install build

t0=$SECONDS
tools/bin/python -m build --sdist --outdir sdist "$ROOT/bindings/python" >sdist.log 2>&1 || { cat sdist.log; exit 1; }
sdist="sdist/w3wallet-$version.tar.gz"
[ -f "$sdist" ] || { echo "python: expected $sdist, got: $(ls sdist)" >&2; exit 1; }
echo "python: sdist $(basename "$sdist") ($((SECONDS - t0)) s)"
mkdir unpacked && tar xzf "$sdist" -C unpacked
src="unpacked/w3wallet-$version"
# What the sdist must carry to build on its own: the SWIG interface (as in the tree) and the license.
cmp "$src/swig/w3wallet.i" "$ROOT/bindings/swig/w3wallet.i"
cmp "$src/LICENSE" "$ROOT/LICENSE"

t0=$SECONDS
tools/bin/python -m build --wheel --outdir wheels "$src" >wheel.log 2>&1 || { cat wheel.log; exit 1; }
wheel=$(ls wheels/w3wallet-"$version"-*.whl)
echo "python: wheel $(basename "$wheel") from the sdist, against libw3wallet $(pkg-config --modversion w3wallet) in $W3W_PREFIX ($((SECONDS - t0)) s)"

python3 -m venv user
pip_q user/bin/pip install --no-index "$wheel"
cat > story.py <<'EOF'
"""A deposit and a transfer through the installed package."""
import importlib.metadata
import os
import sys
from decimal import Decimal

import w3wallet
from w3wallet import Actor, Role

expected = sys.argv[2]
assert "site-packages" in w3wallet.__file__, w3wallet.__file__
assert importlib.metadata.version("w3wallet") == expected, importlib.metadata.version("w3wallet")
assert w3wallet.version() == expected, w3wallet.version()
with w3wallet.Context(storage_url="sqlite:" + sys.argv[1]) as ctx:
    service = Actor(w3wallet.new_id(), Role.SERVICE)
    alice, bob = Actor(w3wallet.new_id()), Actor(w3wallet.new_id())
    ctx.deposit(service, alice.user_id, "USDC", Decimal("100"), reference="bank-" + w3wallet.new_id())
    ctx.transfer_funds(alice, bob.user_id, "USDC", "30.25")
    a, b = ctx.account(alice, "USDC").balance, ctx.account(bob, "USDC").balance
    assert (a, b) == (Decimal("69.75"), Decimal("30.25")), (a, b)
    try:
        ctx.transfer_funds(bob, alice.user_id, "USDC", "31")
        raise AssertionError("an overdraft was accepted")
    except w3wallet.InsufficientFundsError:
        pass
print(f"python: w3wallet {expected} from {os.path.dirname(w3wallet.__file__)}: alice {a}, bob {b}")
EOF
# The extension finds libw3wallet through the RUNPATH recorded at build time, not the environment.
env -u LD_LIBRARY_PATH user/bin/python story.py "$work/story.db" "$version"
