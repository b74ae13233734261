# PostgreSQL 15 from Debian's packages, one throwaway cluster in DIR/pg.
# Sourced by lib.sh users; defines svc_pg_start, svc_pg_stop, svc_pg_env.

W3W_PG_USER=w3w
W3W_PG_PASSWORD=w3w
W3W_PG_DB=w3w

# Debian keeps the server binaries out of PATH; prefer 15, the version the
# project targets, then any other installed one.
pg_bindir() {
  if [ -n "${W3W_PG_BINDIR:-}" ]; then echo "$W3W_PG_BINDIR"; return; fi
  local d
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  d=$(command -v initdb 2>/dev/null) && { dirname "$d"; return; }
  die "PostgreSQL server binaries not found (apt-get install postgresql, or set W3W_PG_BINDIR)"
}

# initdb and pg_ctl refuse to run as root: run them as the postgres user.
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_prepare_dir() {
  local dir=$1 base=$1/pg
  mkdir -p "$base"
  [ "$(id -u)" -eq 0 ] || return 0
  id postgres >/dev/null 2>&1 || die "user 'postgres' missing (apt-get install postgresql)"
  chown postgres: "$base"
  # mktemp -d makes DIR 0700; the postgres user only needs to pass through.
  runuser -u postgres -- test -w "$base" 2>/dev/null || chmod a+x "$dir"
  runuser -u postgres -- test -w "$base" 2>/dev/null ||
    die "user 'postgres' cannot reach $base: use a DIR under /tmp (a parent directory is closed)"
}

pg_init_cluster() {
  local base=$1 bindir=$2 port=$3 data=$1/data
  (cd "$base" && as_pg_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust \
      -E UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1) || {
    show_log_tail "$base/initdb.log"; die "initdb failed in $data"; }
  cat >> "$data/postgresql.conf" <<CONF

# scripts/services: a throwaway cluster for tests and benchmarks
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$base'
max_connections = 300
# make test sets W3W_PG_FSYNC=off: tests need correctness, not crash durability. Benchmarks keep it on.
fsync = ${W3W_PG_FSYNC:-on}
synchronous_commit = ${W3W_PG_FSYNC:-on}
full_page_writes = ${W3W_PG_FSYNC:-on}
CONF
  # The w3w role must give its password over TCP, so password URLs are
  # really exercised; everything else is trusted (throwaway cluster).
  cat > "$data/pg_hba.conf" <<CONF
local all all                  trust
host  all $W3W_PG_USER 127.0.0.1/32 scram-sha-256
host  all all          127.0.0.1/32 trust
CONF
}

pg_create_role_and_db() {
  local base=$1 port=$2
  "$PG_BINDIR/psql" -X -q -h "$base" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$W3W_PG_USER') THEN
    CREATE ROLE $W3W_PG_USER LOGIN PASSWORD '$W3W_PG_PASSWORD';
  END IF;
END\$\$;
SELECT 'CREATE DATABASE $W3W_PG_DB OWNER $W3W_PG_USER'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$W3W_PG_DB')\gexec
SQL
}

svc_pg_start() {
  local dir=$1 base=$1/pg PG_PORT PG_BINDIR
  if [ -r "$base/service.env" ]; then
    . "$base/service.env"
  else
    PG_PORT=${W3W_PG_PORT:-15432}
    PG_BINDIR=$(pg_bindir)
  fi
  local data=$base/data log=$base/postgres.log
  pg_prepare_dir "$dir"
  save_state "$base/service.env" PG_PORT="$PG_PORT" PG_BINDIR="$PG_BINDIR"

  if pid_alive "$(read_pid_file "$data/postmaster.pid")"; then
    note "pg already running on port $PG_PORT"; return 0
  fi
  require_free_port "$PG_PORT" pg
  [ -s "$data/PG_VERSION" ] || pg_init_cluster "$base" "$PG_BINDIR" "$PG_PORT"

  # pg_ctl -w waits on the server's own pid file, not on the port.
  if ! (cd "$base" && as_pg_owner "$PG_BINDIR/pg_ctl" -D "$data" -l "$log" -w -t 30 start >/dev/null); then
    show_log_tail "$log"; die "PostgreSQL did not start on port $PG_PORT"
  fi
  local tries=0
  until "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; do
    tries=$((tries + 1))
    [ "$tries" -ge 60 ] && { show_log_tail "$log"; die "PostgreSQL not answering on port $PG_PORT after 30s"; }
    sleep 0.5
  done
  pg_create_role_and_db "$base" "$PG_PORT" || { show_log_tail "$log"; die "could not create role/database $W3W_PG_DB"; }
  note "pg ready on 127.0.0.1:$PG_PORT"
}

svc_pg_stop() {
  local base=$1/pg PG_PORT PG_BINDIR
  [ -r "$base/service.env" ] || return 0
  . "$base/service.env"
  local data=$base/data pid
  pid=$(read_pid_file "$data/postmaster.pid")
  pid_alive "$pid" || return 0
  if ! (cd "$base" && as_pg_owner "$PG_BINDIR/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null); then
    note "pg_ctl stop failed; terminating postmaster $pid"
    terminate_pid "$pid" 15
  fi
  note "pg stopped"
}

svc_pg_env() {
  local base=$1/pg PG_PORT PG_BINDIR
  . "$base/service.env"
  env_export W3W_PG_PORT "$PG_PORT"
  env_export W3W_PG_DATA "$base/data"
  env_export W3W_PG_LOG "$base/postgres.log"
  env_export W3W_PG_SOCKET_DIR "$base"
  env_export W3W_PG_BINDIR "$PG_BINDIR"
  env_export W3W_TEST_PG_URL \
    "postgres://$W3W_PG_USER:$W3W_PG_PASSWORD@127.0.0.1:$PG_PORT/$W3W_PG_DB"
  env_export W3W_TEST_PG_CONNINFO \
    "host=127.0.0.1 port=$PG_PORT user=$W3W_PG_USER password=$W3W_PG_PASSWORD dbname=$W3W_PG_DB"
  env_export W3W_TEST_PG_ADMIN_URL "postgres://postgres@127.0.0.1:$PG_PORT/postgres"
}
