#!/usr/bin/env bash
# Cross-check libw3wallet's crypto layer (src/crypto/) against ethers and
# noble, in both directions. Needs Node >= 20.19 with npm (packages pinned
# by package-lock.json), a C compiler, libsodium, libsecp256k1 and cJSON.
# Exits non-zero on any mismatch.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)   # for the generated word list (cmake/embed_text.cmake)
gen="$build/generated"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$here"
npm ci --no-audit --no-fund --loglevel=error

# The crypto layer alone: status.c maps to public codes and needs the
# CMake-generated headers, which this driver does not use.
mkdir -p "$work/obj"
objs=()
for src in "$root"/src/crypto/*.c "$gen"/crypto/bip39_wordlists.c; do
  [ "$(basename "$src")" = status.c ] && continue
  obj="$work/obj/$(basename "$src" .c).o"
  ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -I"$root/src" -I"$gen" -c "$src" -o "$obj"
  objs+=("$obj")
done
${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -I"$root/src" -I"$gen" "$here/sign_samples.c" "${objs[@]}" \
  -lsodium -lsecp256k1 -lcjson -lpthread -o "$work/sign_samples"

"$work/sign_samples" > "$work/samples.json"
node "$here/check.mjs" "$work/samples.json" "$work/reverse.json"
"$work/sign_samples" verify "$work/reverse.json"
echo "crosscheck: OK"
