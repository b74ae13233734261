# Shared helpers for the service scripts. Sourced, never run.
# Every service keeps its own state in DIR/<service>/: data, log, pid file
# and service.env (the ports chosen at first start, reused by ctl.sh).

W3W_SERVICES_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W3W_KNOWN_SERVICES="pg redis kafka"

note() { printf 'services: %s\n' "$*" >&2; }
die()  { note "error: $*"; exit 1; }

# Prints the last lines of a server log so a failed start explains itself.
show_log_tail() {
  local log=$1 lines=${2:-40}
  if [ -r "$log" ]; then
    note "last $lines lines of $log:"
    tail -n "$lines" "$log" | sed 's/^/    /' >&2
  else
    note "(no log at $log)"
  fi
}

# A zombie counts as gone: it only waits for its parent to reap it.
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Prints the pid in a pid file, or nothing (never fails: callers run under
# set -e and a server may not have written its file yet).
read_pid_file() {
  [ -r "$1" ] && head -n 1 "$1" | tr -dc '0-9'
  return 0
}

# Waits, polling every 0.2 s, until PID is gone; returns 1 after TIMEOUT s.
wait_pid_exit() {
  local pid=$1 timeout=$2 waited=0
  while pid_alive "$pid"; do
    [ "$waited" -ge $((timeout * 5)) ] && return 1
    sleep 0.2; waited=$((waited + 1))
  done
  return 0
}

# Sends TERM, waits, then KILL: stops a process that is not our child.
terminate_pid() {
  local pid=$1 timeout=${2:-30}
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_exit "$pid" "$timeout"; then
    note "pid $pid still running after ${timeout}s: sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_exit "$pid" 10 || { note "pid $pid survived KILL"; return 1; }
  fi
}

# True when something already listens on 127.0.0.1:PORT (asks the kernel,
# never connects, so it cannot disturb the port).
port_in_use() {
  command -v ss >/dev/null 2>&1 || return 1
  [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

require_free_port() {
  local port=$1 what=$2
  if port_in_use "$port"; then
    die "$what port $port is already in use on this machine (set another with the matching W3W_*_PORT variable)"
  fi
}

# Size of a file in bytes, 0 when missing: ready lines are looked for only
# after this offset, so a restart never mistakes an older run's line.
file_size() { [ -e "$1" ] && stat -c %s "$1" || echo 0; }

log_has_since() {
  local log=$1 offset=$2 pattern=$3
  [ -r "$log" ] && tail -c +"$((offset + 1))" "$log" | grep -q -- "$pattern"
}

# Stores KEY=VALUE lines for one service (sourced back by later calls).
save_state() {
  local file=$1; shift
  : > "$file.tmp"
  local kv
  for kv in "$@"; do printf '%s=%q\n' "${kv%%=*}" "${kv#*=}" >> "$file.tmp"; done
  mv "$file.tmp" "$file"
}

is_known_service() {
  case " $W3W_KNOWN_SERVICES " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# Prints one shell line `export NAME='VALUE'` (readable, safe to source).
env_export() {
  local q=\'
  printf "export %s='%s'\n" "$1" "${2//$q/$q\\$q$q}"
}

# Rewrites DIR/env from every service's state, so it always matches what is
# configured in DIR (also after ctl.sh starts a service later).
write_env() {
  local dir=$1 svc started=""
  {
    printf '# Written by scripts/services: source it to reach the test services.\n'
    env_export W3W_SERVICES_DIR "$dir"
    for svc in $W3W_KNOWN_SERVICES; do
      [ -r "$dir/$svc/service.env" ] || continue
      started="$started $svc"
      "svc_${svc}_env" "$dir"
    done
    env_export W3W_SERVICES_STARTED "${started# }"
  } > "$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
}

load_service_scripts() {
  # shellcheck source=/dev/null
  . "$W3W_SERVICES_HOME/pg.sh"
  . "$W3W_SERVICES_HOME/redis.sh"
  . "$W3W_SERVICES_HOME/kafka.sh"
}
