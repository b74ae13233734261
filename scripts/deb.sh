#!/usr/bin/env bash
# Builds the Debian binary packages (libw3wallet0, libw3wallet-dev, w3wallet-server) from debian/
# with `dpkg-buildpackage -us -uc -b`, in a copy of the source tree in a temp dir (what git tracks
# or would track: no build directories), and copies the .deb files to OUTDIR.
# Needs scripts/install-deps.sh deb (debhelper, dpkg-dev and the Build-Depends).
# Usage: scripts/deb.sh [OUTDIR]   (default build/deb)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT/build/deb}" && cd "${1:-$ROOT/build/deb}" && pwd)
version=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/libw3wallet-${version%-*}
mkdir "$src"

if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -xf - -C "$src"
else  # an unpacked release tarball
	tar -C "$ROOT" --exclude='./build' --exclude='./build-*' -cf - . | tar -xf - -C "$src"
fi

t0=$SECONDS
echo "deb: dpkg-buildpackage -us -uc -b for $version in $work (log: build.log there while it runs)"
if ! (cd "$src" && nice -n 10 dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$work/build.log" 2>&1; then
	tail -n 60 "$work/build.log"
	echo "deb: dpkg-buildpackage failed" >&2
	exit 1
fi
rm -f "$OUT"/*.deb
cp "$work"/*.deb "$OUT"/
echo "deb: built in $((SECONDS - t0)) s:"
(cd "$OUT" && ls -1 ./*.deb | sed 's|^\./|  |')
