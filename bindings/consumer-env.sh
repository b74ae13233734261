# Sourced by tests/{python,go,examples}/run.sh: installs the library built in
# BUILD into a prefix under BUILD (cmake --install refreshes it each run and
# keeps unchanged files, so dependent builds stay incremental) and points
# pkg-config and the dynamic loader at it, as a user with a non-system
# prefix would. Defines W3W_PREFIX, PKG_CONFIG_PATH, LD_LIBRARY_PATH.
#
#   w3w_consumer_env BUILD_DIR
#   w3w_python_env BUILD_DIR   -> W3W_PY (a venv python with scikit-build-core and pytest)
#   w3w_python_install BUILD_DIR  (the w3wallet package, built against W3W_PREFIX)

w3w_consumer_env() {
	local build pc
	build=$(cd "$1" && pwd)
	W3W_PREFIX="$build/consumer-prefix"
	cmake --install "$build" --prefix "$W3W_PREFIX" >/dev/null || return 1
	pc=$(find "$W3W_PREFIX" -name w3wallet.pc -path '*pkgconfig*' | head -n1)
	[ -n "$pc" ] || { echo "consumer-env: no w3wallet.pc installed under $W3W_PREFIX" >&2; return 1; }
	# The .pc must lead to the prefix it was installed to (it is relocatable:
	# prefix=${pcfiledir}/../..). An older, absolute one is fixed in this private copy.
	local named
	named=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=prefix w3wallet)
	if [ "$(cd "$named" 2>/dev/null && pwd -P)" != "$(cd "$W3W_PREFIX" && pwd -P)" ]; then
		sed -i "s|^prefix=.*|prefix=$W3W_PREFIX|" "$pc"
	fi
	export W3W_PREFIX
	export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
	export LD_LIBRARY_PATH="$(pkg-config --variable=libdir w3wallet)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	pkg-config --exists w3wallet
}

w3w_python_env() {
	local build venv
	build=$(cd "$1" && pwd)
	venv="$build/python-venv"
	if [ ! -x "$venv/bin/python" ]; then
		python3 -m venv "$venv" || return 1
	fi
	# scikit-build-core 1.0: the sdist settings of bindings/python/pyproject.toml (force-include).
	if ! "$venv/bin/python" -c 'import pytest, scikit_build_core as s; assert int(s.__version__.split(".")[0]) >= 1' 2>/dev/null; then
		"$venv/bin/pip" install -q --disable-pip-version-check 'scikit-build-core>=1.0' 'pytest>=7' || return 1
	fi
	W3W_PY="$venv/bin/python"
	export W3W_PY
}

w3w_python_install() {
	local build root
	build=$(cd "$1" && pwd)
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	"$W3W_PY" -m pip install -q --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps \
		--config-settings=build-dir="$build/python-ext" "$root/bindings/python"
}
