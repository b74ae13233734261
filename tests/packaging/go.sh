#!/usr/bin/env bash
# The Go module as a user gets it at a tagged version. Nothing is published from here, so the
# test serves the module the way a module proxy would for the tag bindings/go/vVERSION on HEAD
# (VERSION from CMakeLists.txt): a file-based GOPROXY holding MODULE/@v/{list, vX.info, vX.mod,
# vX.zip}, the zip made from `git archive HEAD bindings/go`. Then, in an empty directory with an
# empty module cache and no other proxy, a fresh program runs `go get MODULE@vVERSION`, builds
# the first program of docs/go.md against the library installed in a prefix (cgo + pkg-config)
# and runs it.
# Usage: tests/packaging/go.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bindings/consumer-env.sh"

w3w_consumer_env "$BUILD"
version=v$(sed -n 's/^project(w3wallet VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
module=$(sed -n 's/^module //p' "$ROOT/bindings/go/go.mod")
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# 1. The proxy: MODULE/@v/ as `go help goproxy` lays it out (module paths here are all lowercase).
at="$work/proxy/$module/@v"
mkdir -p "$at" "$work/archive"
git -C "$ROOT" archive HEAD bindings/go | tar x -C "$work/archive"
printf '%s\n' "$version" > "$at/list"
printf '{"Version":"%s","Time":"%s"}\n' "$version" \
	"$(TZ=UTC git -C "$ROOT" log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd HEAD)" > "$at/$version.info"
cp "$work/archive/bindings/go/go.mod" "$at/$version.mod"
# Every file of the module directory, each under MODULE@VERSION/ (the module zip format).
python3 - "$work/archive/bindings/go" "$module@$version" "$at/$version.zip" <<'EOF'
import os, sys, zipfile
src, prefix, out = sys.argv[1:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            z.write(path, prefix + "/" + os.path.relpath(path, src))
    print(f"go: proxy for {prefix} ({len(z.namelist())} files)")
EOF

# 2. A user's program in an empty directory: only this proxy, a fresh module cache, no checksum DB.
export GOTOOLCHAIN=local GOPROXY="file://$work/proxy" GOSUMDB=off GONOSUMDB= GOPRIVATE= \
	GOFLAGS="-mod=mod -modcacherw -buildvcs=false" GOMODCACHE="$work/modcache" GOPATH="$work/gopath"
mkdir "$work/app"
cd "$work/app"
# The first program of docs/go.md, as printed there.
awk '/^## A first program/ {on = 1} on && /^```go$/ {grab = 1; next} grab && /^```$/ {exit} grab' \
	"$ROOT/docs/go.md" > main.go
grep -q "$module/w3wallet" main.go || { echo "go: no first program found in docs/go.md" >&2; exit 1; }
go mod init example.com/first >/dev/null 2>&1
go get "$module@$version"
got=$(go list -m -f '{{.Version}} {{.Dir}}' "$module")
case $got in
	"$version $work/modcache/"*) ;;
	*) echo "go: $module resolved to '$got', not $version from the proxy" >&2; exit 1 ;;
esac
go vet .
go build -o first .
out=$(./first)
echo "go: $module@$version from the proxy; docs/go.md's first program says: $out"
[ "$out" = "shopper balance 25" ]
# A second run on the same database works too (fresh references each run).
[ "$(./first)" = "shopper balance 25" ]
