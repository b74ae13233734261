#!/usr/bin/env bash
# packaging/systemd/w3wallet-server.service: systemd's own checks, then the server run the way the
# unit runs it, as far as a machine without systemd as PID 1 allows. w3wallet-signer.service: 1 and 2.
#  1. `systemd-analyze verify` prints nothing (it exits 0 on settings it ignores, so output fails);
#  2. `systemd-analyze security --offline=yes` rates the sandbox at most 2.0 ("OK");
#  3. the unit's ExecStart with its Environment= lines (%S, %d resolved), as an unprivileged user
#     (DynamicUser), in a mount namespace where / is read-only except the state directory
#     (ProtectSystem=strict + StateDirectory), the secrets as LoadCredential= lays them out
#     (mode 0400, owned by that user): the server starts, answers /healthz and /readyz, accepts a
#     token minted from the same credential, makes a wallet (master key), and drains on SIGTERM.
# Needs root (the namespace, the user switch). Usage: tests/packaging/systemd.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
UNIT=$ROOT/packaging/systemd/w3wallet-server.service
BIN=$BUILD/examples/server/w3wallet-server
[ -x "$BIN" ] || { echo "systemd: $BIN is not built" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "systemd: needs root (mount namespace, running as another user)" >&2; exit 1; }
command -v systemd-analyze >/dev/null || { echo "systemd: systemd-analyze is missing (Debian package systemd)" >&2; exit 1; }

work=$(mktemp -d)
chmod 0755 "$work"
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# 1, 2. A unit as installed (packaging/systemd/$1.service), its ExecStart pointed at the binary $2 built here.
check_unit() {
	local name=$1 bin=$2 out exposure
	sed "s|^ExecStart=/usr/bin/$name |ExecStart=$bin |" "$ROOT/packaging/systemd/$name.service" > "$work/$name.service"
	grep -q "^ExecStart=$bin " "$work/$name.service"
	out=$(systemd-analyze verify "$work/$name.service" 2>&1) || { echo "$out"; exit 1; }
	[ -z "$out" ] || { echo "systemd: systemd-analyze verify complained about $name:"; echo "$out"; exit 1; }
	exposure=$(systemd-analyze security --offline=yes "$work/$name.service" 2>&1 |
		sed -n "s/.*Overall exposure level for $name.service: \([0-9.]*\).*/\1/p")
	echo "systemd: $name: verify clean; exposure $exposure (systemd-analyze security --offline)"
	awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }' || { echo "systemd: $name: exposure '$exposure' > 2.0" >&2; exit 1; }
}
check_unit w3wallet-server "$BIN"
grep -q "^ExecStart=$BIN serve" "$work/w3wallet-server.service"
# The signer's unit (packaging/systemd/w3wallet-signer.service) gets checks 1 and 2 only.
[ -x "$BUILD/signer/w3wallet-signer" ] || { echo "systemd: $BUILD/signer/w3wallet-signer is not built" >&2; exit 1; }
check_unit w3wallet-signer "$BUILD/signer/w3wallet-signer"

# 3. The service's view: %S = $work/var/lib, %d = the credentials directory.
user=nobody
state_root=$work/var/lib creds=$work/credentials
mkdir -p "$state_root/w3wallet" "$creds"
chown "$user" "$state_root/w3wallet" && chmod 0700 "$state_root/w3wallet"
grep -q '^StateDirectory=w3wallet$' "$UNIT"
sed -n 's/^LoadCredential=\([^:]*\):.*/\1/p' "$UNIT" > "$work/credential-names"
grep -qx jwt-secret "$work/credential-names" && grep -qx master-key "$work/credential-names"
while read -r name; do
	openssl rand -hex 32 > "$creds/$name"
	chown "$user" "$creds/$name" && chmod 0400 "$creds/$name"
done < "$work/credential-names"
chown "$user" "$creds" && chmod 0500 "$creds"
env_args=()
while IFS= read -r line; do
	v=${line#Environment=}
	v=${v//%S/$state_root}
	v=${v//%d/$creds}
	env_args+=("$v")
done < <(grep '^Environment=' "$UNIT")
printf 'systemd: service environment: %s\n' "${env_args[*]}"

exec_args=$(sed -n 's|^ExecStart=/usr/bin/w3wallet-server ||p' "$UNIT")
# shellcheck disable=SC2086 # the unit's arguments, split as systemd splits them (no quoting in them)
unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro / && shift &&
	exec setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs "$@"' sh "$state_root/w3wallet" \
	env -i PATH=/usr/bin:/bin "${env_args[@]}" W3W_LISTEN=127.0.0.1:0 "$BIN" $exec_args \
	2> "$work/server.log" &
pid=$!
listen=
for _ in $(seq 1 100); do
	listen=$(sed -n 's/.*"msg":"ready".*"listen":"\([^"]*\)".*/\1/p' "$work/server.log")
	[ -n "$listen" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$listen" ] || { echo "systemd: the server did not start:"; cat "$work/server.log"; exit 1; }
api=http://$listen
curl -fsS "$api/healthz" >/dev/null
curl -fsS "$api/readyz" >/dev/null
token=$(env -i PATH=/usr/bin:/bin "${env_args[@]}" "$BIN" token --data-dir "$work/token-dir" \
	--sub "$(cat /proc/sys/kernel/random/uuid)" --roles user)
auth="Authorization: Bearer $token"
curl -fsS -H "$auth" "$api/v1/accounts" >/dev/null
wallet=$(curl -fsS -H "$auth" -H 'Content-Type: application/json' -d '{"chain":"evm"}' "$api/v1/wallets")
grep -q '"address"' <<<"$wallet"
# Nothing was generated in place of the credentials; the database lives in the state directory.
for f in jwt-secret master-key; do
	[ ! -e "$state_root/w3wallet/$f" ] || { echo "systemd: the server generated $f instead of reading its credential" >&2; exit 1; }
done
[ -f "$state_root/w3wallet/w3wallet.db" ] || { echo "systemd: no database in the state directory" >&2; exit 1; }
kill -TERM "$pid"
wait "$pid" || { echo "systemd: the server did not exit 0 on SIGTERM:"; cat "$work/server.log"; exit 1; }
pid=
if grep -q "generated" "$work/server.log"; then cat "$work/server.log"; exit 1; fi
echo "systemd: the server ran as $user on a read-only / with its credentials, answered and drained"
