# Redis from Debian's redis-server, no persistence, state in DIR/redis.
# Sourced by lib.sh users; defines svc_redis_start, svc_redis_stop, svc_redis_env.

svc_redis_start() {
  local base=$1/redis REDIS_PORT
  if [ -r "$base/service.env" ]; then
    . "$base/service.env"
  else
    REDIS_PORT=${W3W_REDIS_PORT:-16379}
  fi
  command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
  command -v redis-cli >/dev/null || die "redis-cli not found (apt-get install redis-tools)"
  mkdir -p "$base"
  save_state "$base/service.env" REDIS_PORT="$REDIS_PORT"
  local log=$base/redis.log pidfile=$base/redis.pid

  if pid_alive "$(read_pid_file "$pidfile")"; then
    note "redis already running on port $REDIS_PORT"; return 0
  fi
  rm -f "$pidfile"
  require_free_port "$REDIS_PORT" redis
  local offset
  offset=$(file_size "$log")
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --daemonize yes --dir "$base" --logfile "$log" --pidfile "$pidfile" ||
    { show_log_tail "$log"; die "redis-server did not start"; }

  # Our own log says when this server is ready, then its own client confirms.
  local tries=0 pid
  until log_has_since "$log" "$offset" "Ready to accept connections"; do
    tries=$((tries + 1))
    pid=$(read_pid_file "$pidfile")
    if [ "$tries" -ge 150 ] || { [ "$tries" -ge 10 ] && ! pid_alive "$pid"; }; then
      show_log_tail "$log"; die "Redis not ready on port $REDIS_PORT"
    fi
    sleep 0.2
  done
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>&1)" = PONG ] ||
    { show_log_tail "$log"; die "Redis on port $REDIS_PORT does not answer PING"; }
  note "redis ready on 127.0.0.1:$REDIS_PORT"
}

svc_redis_stop() {
  local base=$1/redis REDIS_PORT
  [ -r "$base/service.env" ] || return 0
  . "$base/service.env"
  local pid
  pid=$(read_pid_file "$base/redis.pid")
  pid_alive "$pid" || return 0
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  if ! wait_pid_exit "$pid" 10; then
    note "redis did not shut down; terminating $pid"
    terminate_pid "$pid" 10
  fi
  rm -f "$base/redis.pid"
  note "redis stopped"
}

svc_redis_env() {
  local base=$1/redis REDIS_PORT
  . "$base/service.env"
  env_export W3W_REDIS_PORT "$REDIS_PORT"
  env_export W3W_REDIS_LOG "$base/redis.log"
  env_export W3W_REDIS_PIDFILE "$base/redis.pid"
  env_export W3W_TEST_REDIS_URL "redis://127.0.0.1:$REDIS_PORT/0"
}
