#!/usr/bin/env bash
# Installs the Debian packages libw3wallet needs. Idempotent: installs only what is missing,
# says what it installs, uses sudo when not root.
#
#   install-deps.sh run    building the library and running w3wallet-server (make run)
#   install-deps.sh test   everything make test uses: servers, tools, compilers (default)
#   install-deps.sh deb    building the Debian packages (make deb)
#
# Services the user runs are never stopped or reconfigured. A server package this script
# installs (PostgreSQL, Redis, nginx) is started by Debian's packaging; only those are
# stopped again, since the tests run their own servers on side ports.
set -euo pipefail
profile=${1:-test}

RUN_PKGS=(
  build-essential cmake ninja-build pkg-config
  libsqlite3-dev libsodium-dev libcjson-dev libsecp256k1-dev
  libpq-dev libhiredis-dev librdkafka-dev libmicrohttpd-dev libcurl4-openssl-dev
  curl ca-certificates
)
TEST_PKGS=(
  check swig valgrind
  postgresql redis-server kcat wrk nginx-light jq sqlite3
  maven default-jdk-headless iproute2 procps
  python3-venv python3-dev openssl
  clang libclang-rt-dev doxygen
  prometheus python3-yaml  # promtool and the coverage check of deploy/prometheus/alerts.yml
  python3-matplotlib  # make bench's plots (bench/plots.py)
  chromium chromium-driver
)
# Packaging: the Debian packages (make deb, make test); the systemd unit's and the container
# files' checks (make test: systemd-analyze, docker-compose config).
DEB_PKGS=(debhelper dpkg-dev fakeroot)
PACKAGING_TEST_PKGS=(systemd docker-compose)
SERVER_PKGS=(postgresql redis-server nginx-light prometheus)

case $profile in
  run)  PKGS=("${RUN_PKGS[@]}") ;;
  test) PKGS=("${RUN_PKGS[@]}" "${TEST_PKGS[@]}" "${DEB_PKGS[@]}" "${PACKAGING_TEST_PKGS[@]}") ;;
  deb)  PKGS=("${RUN_PKGS[@]}" "${DEB_PKGS[@]}") ;;
  *) echo "usage: $0 [run|test|deb]" >&2; exit 2 ;;
esac

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${PKGS[@]}"; do
  installed "$p" || missing+=("$p")
done
# vegeta (make bench's open-loop load, bench/http/run.sh): a Go module, built with the machine's Go toolchain.
VEGETA=github.com/tsenart/vegeta/v12@v12.13.0
install_vegeta() {
  command -v vegeta >/dev/null && return 0
  local go
  go=$(command -v go || echo /usr/local/go/bin/go)
  [ -x "$go" ] || { echo "install-deps: vegeta needs a Go toolchain (go on PATH or /usr/local/go)" >&2; return 1; }
  echo "install-deps: installing vegeta ($VEGETA) into /usr/local/bin"
  ${SUDO:-} env GOBIN=/usr/local/bin "$go" install "$VEGETA"
}

if [ ${#missing[@]} -eq 0 ]; then
  [ "$profile" = test ] && install_vegeta
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps ($profile): installing ${#missing[@]} Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
for p in "${missing[@]}"; do
  case " ${SERVER_PKGS[*]} " in
    *" $p "*)
      svc=${p%-light}
      echo "install-deps: stopping $svc, started by its new package (the tests run their own on side ports)"
      $SUDO service "$svc" stop >/dev/null 2>&1 || true ;;
  esac
done
[ "$profile" = test ] && install_vegeta
echo "install-deps ($profile): done"
