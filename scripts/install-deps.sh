#!/usr/bin/env bash
# Installs the Debian packages libw3wallet needs to build and test.
# Idempotent: installs only what is missing. Uses sudo when not root.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config
  libsqlite3-dev libsodium-dev libcjson-dev check
  libpq-dev libhiredis-dev librdkafka-dev libsecp256k1-dev
  libmicrohttpd-dev libcurl4-openssl-dev
  swig valgrind
  postgresql redis-server kcat wrk nginx-light jq
  maven default-jdk-headless iproute2 procps
  python3-venv python3-dev curl openssl ca-certificates
  clang libclang-rt-dev
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged services on install; tests run their own on side ports.
for svc in postgresql redis-server nginx; do
  $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
