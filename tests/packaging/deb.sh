#!/usr/bin/env bash
# The Debian packages as an operator gets them: scripts/deb.sh (what `make deb` runs) builds
# libw3wallet0, libw3wallet-dev and w3wallet-server into BUILD_DIR/deb; their contents are checked
# (multiarch library directory, no RPATH/RUNPATH, the systemd unit, the license), then they are
# unpacked with `dpkg -x` into a throwaway root where the server runs `version` and a C program is
# built through the -dev package's pkg-config file and, separately, its CMake package.
# Usage: tests/packaging/deb.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$BUILD/deb
"$ROOT/scripts/deb.sh" "$OUT"

version=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
upstream=$(sed -n 's/^project(w3wallet VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
[ "${version%-*}" = "$upstream" ] || { echo "deb: debian/changelog says $version, CMakeLists.txt $upstream" >&2; exit 1; }
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir "$root"

contains() { # contains DEB PATH...: each PATH is in the package
	local deb=$1 list; shift
	list=$(dpkg-deb -c "$deb" | awk '{print $6}')
	for p in "$@"; do
		grep -qx "./$p" <<<"$list" || { echo "deb: $(basename "$deb") lacks $p" >&2; return 1; }
	done
}
lib=$OUT/libw3wallet0_${version}_$arch.deb dev=$OUT/libw3wallet-dev_${version}_$arch.deb
server=$OUT/w3wallet-server_${version}_$arch.deb
contains "$lib" "usr/lib/$multiarch/libw3wallet.so.$upstream" "usr/share/doc/libw3wallet0/copyright"
contains "$dev" usr/include/w3wallet.h usr/include/w3wallet/version.h "usr/lib/$multiarch/libw3wallet.a" \
	"usr/lib/$multiarch/pkgconfig/w3wallet.pc" "usr/lib/$multiarch/cmake/w3wallet/w3walletConfig.cmake"
contains "$server" usr/bin/w3wallet-server lib/systemd/system/w3wallet-server.service \
	usr/bin/w3wallet-signer lib/systemd/system/w3wallet-signer.service \
	usr/share/w3wallet/admin/index.html usr/share/w3wallet/admin/app.js usr/share/w3wallet/admin/style.css
# (Pipes into grep -q are avoided throughout: with pipefail, the writer's SIGPIPE would fail them.)
grep -Eq ' \./usr/share/doc/w3wallet-server/operations\.md(\.gz)?$' <<<"$(dpkg-deb -c "$server")" ||
	{ echo "deb: w3wallet-server lacks docs/operations.md" >&2; exit 1; }
[ "$(dpkg-deb -f "$dev" Depends)" = "libw3wallet0 (= $version)" ]
grep -q "libw3wallet0 (>= $upstream)" <<<"$(dpkg-deb -f "$server" Depends)"
for deb in "$lib" "$dev" "$server"; do dpkg -x "$deb" "$root"; done

# What the packages carry is what the tree has: the unit, and the license in debian/copyright.
cmp "$root/lib/systemd/system/w3wallet-server.service" "$ROOT/packaging/systemd/w3wallet-server.service"
cmp "$root/lib/systemd/system/w3wallet-signer.service" "$ROOT/packaging/systemd/w3wallet-signer.service"
diff <(sed -n '/^Permission is hereby granted/,$p' "$ROOT/LICENSE") \
	<(sed -n '/^License: MIT$/,$p' "$root/usr/share/doc/libw3wallet0/copyright" | sed -n '/^ Permission/,$p' |
	  sed 's/^ //; s/^\.$//')
# Debian policy: no RPATH/RUNPATH in packaged binaries (the library is on the loader's path).
for elf in "$root/usr/bin/w3wallet-server" "$root/usr/bin/w3wallet-signer" "$root/usr/lib/$multiarch/libw3wallet.so.$upstream"; do
	if grep -Eq 'RPATH|RUNPATH' <<<"$(readelf -d "$elf")"; then
		echo "deb: $elf has an RPATH/RUNPATH" >&2; readelf -d "$elf" | grep -E 'RPATH|RUNPATH' >&2; exit 1
	fi
done

# The root stands in for /: its library directory plays the loader's path.
export LD_LIBRARY_PATH=$root/usr/lib/$multiarch
grep -q "libw3wallet.so.0 => $root/" <<<"$(ldd "$root/usr/bin/w3wallet-server")"
out=$("$root/usr/bin/w3wallet-server" version)
grep -q "$upstream" <<<"$out" || { echo "deb: w3wallet-server version said: $out" >&2; exit 1; }
echo "deb: w3wallet-server version: $out"

export PKG_CONFIG_PATH=$root/usr/lib/$multiarch/pkgconfig PKG_CONFIG_LIBDIR=$root/usr/lib/$multiarch/pkgconfig
[ "$(pkg-config --modversion w3wallet)" = "$upstream" ]
cc -std=c11 -Wall -Wextra -Werror "$ROOT/examples/hello/hello.c" $(pkg-config --cflags --libs w3wallet) -o "$work/hello"
grep -q "libw3wallet.so.0 => $root/" <<<"$(ldd "$work/hello")"
(cd "$work" && ./hello "sqlite:$work/hello.db")
cmake -S "$ROOT/tests/examples/cmake_consumer" -B "$work/cmake-consumer" -G Ninja \
	-DCMAKE_PREFIX_PATH="$root/usr" -DHELLO_SOURCE="$ROOT/examples/hello/hello.c" >/dev/null
cmake --build "$work/cmake-consumer" >/dev/null
(cd "$work" && ./cmake-consumer/hello "sqlite:$work/hello-cmake.db")
echo "deb: packages unpacked into a throwaway root: the server runs, pkg-config and find_package(w3wallet) build and run hello"
