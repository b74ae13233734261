#!/usr/bin/env bash
# PostgreSQL streaming replication on loopback, for tests of outages and
# failover: a primary and standbys made with pg_basebackup, each in DIR/NAME.
#
#   pg-replicas.sh DIR primary PORT
#   pg-replicas.sh DIR standby NAME PORT [sync]   # from the primary; "sync": a synchronous standby
#   pg-replicas.sh DIR promote NAME               # pg_ctl promote, waits until it accepts writes
#   pg-replicas.sh DIR stop NAME | stop-all
#   pg-replicas.sh DIR url NAME                   # postgres://w3w:w3w@127.0.0.1:PORT/w3w
#   pg-replicas.sh DIR backup NAME                # pg_basebackup of the primary into DIR/NAME.base
#   pg-replicas.sh DIR restore BACKUP NAME PORT TIME  # a backup + archived WAL, recovered to TIME, promoted
#
# With W3W_PG_ARCHIVE=1 the primary archives its WAL into DIR/archive (continuous archiving, for
# point-in-time recovery).
#
# The primary has the w3w role and database of pg.sh (password over TCP);
# replication connections are trusted (a throwaway cluster on 127.0.0.1).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_service_scripts

[ $# -ge 2 ] || die "usage: $0 DIR primary PORT | standby NAME PORT [sync] | promote NAME | stop NAME | stop-all | url NAME"
mkdir -p "$1"
dir=$(cd "$1" && pwd) action=$2
shift 2
PG_BINDIR=$(pg_bindir)

node_port() { cat "$dir/$1/port"; }

# DIR/NAME owned by the postgres user when running as root (initdb and pg_ctl refuse root).
prepare_node() {
  local base=$dir/$1
  mkdir -p "$base"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$base"
    runuser -u postgres -- test -w "$base" 2>/dev/null || chmod a+x "$dir"
  fi
}

start_node() {
  local name=$1 base=$dir/$1
  if ! (cd "$base" && as_pg_owner "$PG_BINDIR/pg_ctl" -D "$base/data" -l "$base/postgres.log" -w -t 60 start >/dev/null); then
    show_log_tail "$base/postgres.log"; die "PostgreSQL node $name did not start"
  fi
}

case $action in
  primary)
    port=$1
    require_free_port "$port" "pg primary"
    prepare_node primary
    pg_init_cluster "$dir/primary" "$PG_BINDIR" "$port"
    cat >> "$dir/primary/data/postgresql.conf" <<CONF
wal_level = replica
max_wal_senders = 10
hot_standby = on
# A commit waits for the synchronous standby (when one is named): what failover drills rely on,
# whatever W3W_PG_FSYNC chose for the single test server.
synchronous_commit = on
CONF
    echo "host replication all 127.0.0.1/32 trust" >> "$dir/primary/data/pg_hba.conf"
    if [ "${W3W_PG_ARCHIVE:-0}" = 1 ]; then
      mkdir -p "$dir/archive"
      [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/archive"
      cat >> "$dir/primary/data/postgresql.conf" <<CONF
archive_mode = on
archive_command = 'test ! -f $dir/archive/%f && cp %p $dir/archive/%f'
CONF
    fi
    echo "$port" > "$dir/primary/port"
    start_node primary
    pg_create_role_and_db "$dir/primary" "$port" || die "could not create role/database on the primary"
    note "pg primary ready on 127.0.0.1:$port"
    ;;
  standby)
    name=$1 port=$2 mode=${3:-async}
    primary_port=$(node_port primary)
    require_free_port "$port" "pg standby $name"
    prepare_node "$name"
    as_pg_owner "$PG_BINDIR/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
      -D "$dir/$name/data" -R -X stream -c fast -d "application_name=$name" >"$dir/$name/basebackup.log" 2>&1 ||
      { show_log_tail "$dir/$name/basebackup.log"; die "pg_basebackup for $name failed"; }
    # The copied configuration names the primary's port and socket directory: this node has its own.
    cat >> "$dir/$name/data/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$dir/$name'
CONF
    echo "$port" > "$dir/$name/port"
    start_node "$name"
    if [ "$mode" = sync ]; then
      "$PG_BINDIR/psql" -X -q -h 127.0.0.1 -p "$primary_port" -U postgres -d postgres \
        -c "ALTER SYSTEM SET synchronous_standby_names = '$name'" -c "SELECT pg_reload_conf()" >/dev/null
    fi
    note "pg standby $name ($mode) ready on 127.0.0.1:$port"
    ;;
  promote)
    name=$1
    as_pg_owner "$PG_BINDIR/pg_ctl" -D "$dir/$name/data" -w -t 60 promote >/dev/null ||
      die "promote $name failed"
    for _ in $(seq 120); do
      [ "$("$PG_BINDIR/psql" -X -Atq -h 127.0.0.1 -p "$(node_port "$name")" -U postgres -d postgres \
          -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && { note "pg $name promoted"; exit 0; }
      sleep 0.25
    done
    die "$name still in recovery 30 s after promote"
    ;;
  stop)
    name=$1
    [ -r "$dir/$name/data/postmaster.pid" ] || exit 0
    (cd "$dir/$name" && as_pg_owner "$PG_BINDIR/pg_ctl" -D "$dir/$name/data" -m fast -w -t 30 stop >/dev/null) ||
      terminate_pid "$(read_pid_file "$dir/$name/data/postmaster.pid")" 15
    ;;
  stop-all)
    for d in "$dir"/*/; do
      [ -r "$d/data/postmaster.pid" ] || continue
      "$0" "$dir" stop "$(basename "$d")"
    done
    ;;
  backup)
    name=$1
    prepare_node "$name.base"
    as_pg_owner "$PG_BINDIR/pg_basebackup" -h 127.0.0.1 -p "$(node_port primary)" -U postgres \
      -D "$dir/$name.base/data" -X stream -c fast >"$dir/$name.base/basebackup.log" 2>&1 ||
      { show_log_tail "$dir/$name.base/basebackup.log"; die "pg_basebackup $name failed"; }
    note "pg base backup $name taken"
    ;;
  restore)
    backup=$1 name=$2 port=$3 target=$4
    require_free_port "$port" "pg restore $name"
    prepare_node "$name"
    cp -a "$dir/$backup.base/data" "$dir/$name/data"
    cat >> "$dir/$name/data/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$dir/$name'
archive_mode = off
restore_command = 'cp $dir/archive/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
CONF
    as_pg_owner touch "$dir/$name/data/recovery.signal"
    echo "$port" > "$dir/$name/port"
    start_node "$name"
    for _ in $(seq 240); do
      [ "$("$PG_BINDIR/psql" -X -Atq -h 127.0.0.1 -p "$port" -U postgres -d postgres \
          -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && { note "pg $name recovered to $target"; exit 0; }
      sleep 0.25
    done
    show_log_tail "$dir/$name/postgres.log"; die "$name still recovering 60 s after start"
    ;;
  url)
    echo "postgres://$W3W_PG_USER:$W3W_PG_PASSWORD@127.0.0.1:$(node_port "$1")/$W3W_PG_DB"
    ;;
  *) die "unknown action '$action'" ;;
esac
