# Apache Kafka 4.x broker in single-node KRaft mode (broker and controller
# in one JVM), jars from Maven Central cached between runs, state in
# DIR/kafka. Defines svc_kafka_launch, svc_kafka_await, svc_kafka_start,
# svc_kafka_stop, svc_kafka_env.

W3W_KAFKA_DEFAULT_VERSION=4.4.0

kafka_cache_root() { echo "${W3W_CACHE_DIR:-${HOME:-/tmp}/.cache/w3wallet}"; }

java_bin() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java 2>/dev/null || die "java not found (apt-get install openjdk-17-jre-headless)"
  fi
}

# Kafka 4 brokers need Java 17 or newer.
check_java() {
  local java=$1 major
  major=$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  if [ -z "$major" ] || [ "$major" -lt 17 ]; then
    die "Kafka 4 needs Java 17+, $java is '${major:-unknown}' (set JAVA_HOME)"
  fi
}

# Fills DEST (CACHE/kafka-VERSION) once; later runs reuse it. A lock keeps two
# concurrent starts from fetching into the same place.
kafka_fetch_jars() {
  local version=$1 dest=$2 root
  root=$(dirname "$dest")
  [ -f "$dest/.complete" ] && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven): needed once to fetch the Kafka jars"
  mkdir -p "$root"
  (
    flock -w 900 9 || { note "timed out waiting for $root/kafka-$version.lock"; exit 1; }
    [ -f "$dest/.complete" ] && exit 0
    note "fetching Kafka $version jars from Maven Central into $dest"
    local tmp=$dest.tmp.$$ mvnlog=$root/kafka-$version.mvn.log
    rm -rf "$tmp"
    if ! mvn -q -B -f "$W3W_SERVICES_HOME/kafka/pom.xml" -Dkafka.version="$version" \
          dependency:copy-dependencies -DincludeScope=runtime \
          -DoutputDirectory="$tmp" >"$mvnlog" 2>&1; then
      show_log_tail "$mvnlog"; rm -rf "$tmp"; exit 1
    fi
    touch "$tmp/.complete"
    rm -rf "$dest" && mv "$tmp" "$dest"
  ) 9>"$root/kafka-$version.lock" || die "could not fetch the Kafka $version jars"
}

# A cluster id is 16 random bytes in URL-safe base64 without padding;
# Kafka's own generator avoids a leading '-', so do we.
kafka_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [ "${id#-}" = "$id" ] && { echo "$id"; return; }
  done
}

kafka_write_config() {
  local base=$1 port=$2 cport=$3
  cat > "$base/server.properties" <<CONF
# scripts/services: single-node KRaft broker for tests and benchmarks
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.voters=1@127.0.0.1:$cport
log.dirs=$base/data
auto.create.topics.enable=true
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
CONF
}

kafka_classpath() { echo "$1/*"; }

kafka_format() {
  local base=$1 java=$2 jars=$3
  "$java" -Xmx256m -Dlog4j2.configurationFile="$W3W_SERVICES_HOME/kafka/log4j2.xml" \
      -cp "$(kafka_classpath "$jars")" kafka.tools.StorageTool format \
      -t "$(kafka_cluster_id)" -c "$base/server.properties" >"$base/format.log" 2>&1 ||
    { show_log_tail "$base/format.log"; die "formatting the Kafka log directory failed"; }
}

kafka_load_state() {
  local base=$1/kafka
  if [ -r "$base/service.env" ]; then
    . "$base/service.env"
  else
    KAFKA_PORT=${W3W_KAFKA_PORT:-19092}
    KAFKA_CONTROLLER_PORT=${W3W_KAFKA_CONTROLLER_PORT:-19093}
    KAFKA_VERSION=${W3W_KAFKA_VERSION:-$W3W_KAFKA_DEFAULT_VERSION}
    KAFKA_JARS=$(kafka_cache_root)/kafka-$KAFKA_VERSION
  fi
}

# Starts the JVM and returns at once; svc_kafka_await waits for it, so
# start.sh can bring up the other services while the JVM boots.
svc_kafka_launch() {
  local dir=$1 base=$1/kafka KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_VERSION KAFKA_JARS
  kafka_load_state "$dir"
  local pidfile=$base/kafka.pid log=$base/kafka.log java
  mkdir -p "$base"
  save_state "$base/service.env" KAFKA_PORT="$KAFKA_PORT" \
    KAFKA_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT" KAFKA_VERSION="$KAFKA_VERSION" KAFKA_JARS="$KAFKA_JARS"
  if pid_alive "$(read_pid_file "$pidfile")"; then
    note "kafka already running on port $KAFKA_PORT"; return 0
  fi
  rm -f "$pidfile" "$base/launch.offset"
  require_free_port "$KAFKA_PORT" kafka
  require_free_port "$KAFKA_CONTROLLER_PORT" "kafka controller"
  java=$(java_bin)
  check_java "$java"
  kafka_fetch_jars "$KAFKA_VERSION" "$KAFKA_JARS"
  if [ ! -f "$base/data/meta.properties" ]; then
    kafka_write_config "$base" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
    kafka_format "$base" "$java" "$KAFKA_JARS"
  fi
  file_size "$log" > "$base/launch.offset"
  # Own session, so a Ctrl-C meant for the tests does not hit the broker
  # before stop.sh does; the shell writes its own pid, then becomes java.
  # The outer subshell exits at once, so java is nobody's child here and
  # cannot linger as a zombie of this script once it is stopped.
  # shellcheck disable=SC2086
  ( setsid sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$pidfile" \
    "$java" -Xms128m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$W3W_SERVICES_HOME/kafka/log4j2.xml" \
    ${W3W_KAFKA_JAVA_OPTS:-} \
    -cp "$(kafka_classpath "$KAFKA_JARS")" kafka.Kafka "$base/server.properties" \
    >>"$log" 2>&1 </dev/null & )
}

kafka_metadata_ok() {
  kcat -L -b "127.0.0.1:$1" -m 3 2>/dev/null | grep -q "broker 1 at 127.0.0.1:$1"
}

# Waits (bounded, W3W_KAFKA_WAIT seconds, default 120) for this broker's own
# "Kafka Server started" line, then asks it for metadata with kcat.
svc_kafka_await() {
  local dir=$1 base=$1/kafka KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_VERSION KAFKA_JARS
  kafka_load_state "$dir"
  local log=$base/kafka.log pidfile=$base/kafka.pid offset=0 pid="" ticks=0
  local limit=$(( ${W3W_KAFKA_WAIT:-120} * 4 ))
  [ -r "$base/launch.offset" ] && offset=$(cat "$base/launch.offset")
  while :; do
    pid=$(read_pid_file "$pidfile")
    log_has_since "$log" "$offset" "Kafka Server started" && break
    if [ "$ticks" -ge 8 ] && ! pid_alive "$pid"; then
      show_log_tail "$log"; die "the Kafka broker exited during start"
    fi
    # Should a future version word its ready line differently: every 4 s
    # ask the broker itself.
    if [ $((ticks % 16)) -eq 15 ] && command -v kcat >/dev/null && kafka_metadata_ok "$KAFKA_PORT"; then
      break
    fi
    ticks=$((ticks + 1))
    [ "$ticks" -ge "$limit" ] && { show_log_tail "$log"; die "Kafka not ready on port $KAFKA_PORT after ${W3W_KAFKA_WAIT:-120}s"; }
    sleep 0.25
  done
  if command -v kcat >/dev/null; then
    local tries=0
    until kafka_metadata_ok "$KAFKA_PORT"; do
      tries=$((tries + 1))
      [ "$tries" -ge 10 ] && { show_log_tail "$log"; die "Kafka on port $KAFKA_PORT does not answer metadata requests"; }
      sleep 1
    done
  else
    note "kcat not installed: relying on the broker's log line only"
  fi
  note "kafka $KAFKA_VERSION ready on 127.0.0.1:$KAFKA_PORT"
}

svc_kafka_start() { svc_kafka_launch "$1"; svc_kafka_await "$1"; }

svc_kafka_stop() {
  local base=$1/kafka pid
  [ -d "$base" ] || return 0
  pid=$(read_pid_file "$base/kafka.pid")
  # A launch that died before writing its pid file leaves nothing to stop.
  pid_alive "$pid" || { rm -f "$base/kafka.pid"; return 0; }
  # TERM makes the broker shut down cleanly; a single node takes seconds.
  terminate_pid "$pid" 60
  rm -f "$base/kafka.pid"
  note "kafka stopped"
}

svc_kafka_env() {
  local base=$1/kafka KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_VERSION KAFKA_JARS
  . "$base/service.env"
  env_export W3W_KAFKA_PORT "$KAFKA_PORT"
  env_export W3W_KAFKA_CONTROLLER_PORT "$KAFKA_CONTROLLER_PORT"
  env_export W3W_KAFKA_VERSION "$KAFKA_VERSION"
  env_export W3W_KAFKA_JARS "$KAFKA_JARS"
  env_export W3W_KAFKA_LOG "$base/kafka.log"
  env_export W3W_KAFKA_PIDFILE "$base/kafka.pid"
  env_export W3W_TEST_KAFKA_BROKERS "127.0.0.1:$KAFKA_PORT"
  env_export W3W_TEST_KAFKA_URL "kafka://127.0.0.1:$KAFKA_PORT"
}
