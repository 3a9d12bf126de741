#!/usr/bin/env bash
# servers.sh - run the real servers Tor is tested against, privately.
#
#   MariaDB 10.11 (binlog on, ROW/FULL image/FULL metadata, GTID strict),
#   Apache Kafka 3.9 (single KRaft node, jars fetched by scripts/kafka/fetch.sh),
#   Redis (AOF on).
#
# Usage: scripts/servers.sh {start|stop|restart|status|logs|env} [mariadb|kafka|redis|all]
#        scripts/servers.sh topic <name> <partitions> [key=value ...]  create a Kafka topic
#        scripts/servers.sh kafka-run <main-class> [args...]           run a Kafka tool, e.g.
#            org.apache.kafka.tools.ProducerPerformance (quiet logging)
#        scripts/servers.sh classpath                                  print the Kafka classpath
#
# Everything lives under $TOR_RUN_DIR/<server>/ (data, logs, pid files,
# sockets); every server binds to 127.0.0.1 only. Configuration (environment):
#   TOR_RUN_DIR                default $PWD/.run
#   TOR_MYSQL_PORT             default 23306
#   TOR_MYSQL_EXTRA_ARGS       extra mariadbd arguments, appended last (win)
#   TOR_KAFKA_PORT             default 29092
#   TOR_KAFKA_CONTROLLER_PORT  default TOR_KAFKA_PORT+1
#   TOR_KAFKA_EXTRA_PROPS      extra server.properties lines (newline separated)
#   TOR_KAFKA_HEAP_OPTS        default "-Xms256m -Xmx1g"
#   TOR_KAFKA_JVM_OPTS         the broker's other JVM flags, default
#                              "-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20"
#   TOR_REDIS_PORT             default 26379
#   TOR_LOG_LINES              lines shown by `logs` and on failures, default 40
# `eval "$(scripts/servers.sh env)"` exports the connection settings
# (TOR_MYSQL_*, TOR_KAFKA_BROKERS, TOR_REDIS_*) for other scripts.
#
# start is idempotent (a running server is left alone); stop is a no-op for a
# server that is not running. The MariaDB accounts made on first start:
# tor/tor (@'%' and @'localhost': ALL on tor.*, REPLICATION SLAVE,
# REPLICATION CLIENT, SELECT on *.*) and root@127.0.0.1 without a password.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

TOR_RUN_DIR=$(realpath -m "${TOR_RUN_DIR:-$PWD/.run}")
TOR_MYSQL_PORT=${TOR_MYSQL_PORT:-23306}
TOR_MYSQL_EXTRA_ARGS=${TOR_MYSQL_EXTRA_ARGS:-}
TOR_KAFKA_PORT=${TOR_KAFKA_PORT:-29092}
TOR_KAFKA_CONTROLLER_PORT=${TOR_KAFKA_CONTROLLER_PORT:-$((TOR_KAFKA_PORT + 1))}
TOR_KAFKA_EXTRA_PROPS=${TOR_KAFKA_EXTRA_PROPS:-}
TOR_KAFKA_HEAP_OPTS=${TOR_KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}
TOR_KAFKA_JVM_OPTS=${TOR_KAFKA_JVM_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20}
TOR_REDIS_PORT=${TOR_REDIS_PORT:-26379}
TOR_LOG_LINES=${TOR_LOG_LINES:-40}

MYSQL_DIR=$TOR_RUN_DIR/mariadb
MYSQL_SOCKET=$MYSQL_DIR/mysqld.sock
MYSQL_PIDFILE=$MYSQL_DIR/mysqld.pid
MYSQL_ERRLOG=$MYSQL_DIR/error.log
KAFKA_DIR=$TOR_RUN_DIR/kafka
KAFKA_PIDFILE=$KAFKA_DIR/kafka.pid
KAFKA_LOG=$KAFKA_DIR/logs/server.log
KAFKA_OUT=$KAFKA_DIR/kafka.out
REDIS_DIR=$TOR_RUN_DIR/redis
REDIS_PIDFILE=$REDIS_DIR/redis.pid
REDIS_LOG=$REDIS_DIR/redis.log
REDIS_SOCKET=$REDIS_DIR/redis.sock

SERVERS=(mariadb kafka redis)

log() { echo "[servers] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- process helpers -------------------------------------------------------

# Is something listening on 127.0.0.1:$1?
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Print the pid in pid file $1 if that process is alive and ours: its working
# directory is inside TOR_RUN_DIR (mariadbd and redis chdir to their data dir,
# Kafka is started from its run dir). Guards against stale / reused pids.
live_pid() {
  local pidfile=$1 pid cwd
  [[ -s $pidfile ]] || return 1
  pid=$(tr -dc 0-9 <"$pidfile")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
  [[ $cwd == "$TOR_RUN_DIR" || $cwd == "$TOR_RUN_DIR/"* ]] || return 1
  echo "$pid"
}

pidfile_of() {
  case $1 in
    mariadb) echo "$MYSQL_PIDFILE" ;;
    kafka) echo "$KAFKA_PIDFILE" ;;
    redis) echo "$REDIS_PIDFILE" ;;
  esac
}

port_of() {
  case $1 in
    mariadb) echo "$TOR_MYSQL_PORT" ;;
    kafka) echo "$TOR_KAFKA_PORT" ;;
    redis) echo "$TOR_REDIS_PORT" ;;
  esac
}

logfile_of() {
  case $1 in
    mariadb) echo "$MYSQL_ERRLOG" ;;
    kafka) echo "$KAFKA_LOG" ;;
    redis) echo "$REDIS_LOG" ;;
  esac
}

# A server that dies logs its cause first and then pages of shutdown, so
# the first ERROR/FATAL lines come before each log's tail.
show_tail() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    if grep -qE '(^|[] ])(ERROR|FATAL|\[ERROR\])' "$f"; then
      echo "----- first errors in $f -----" >&2
      grep -m 10 -A 2 -E '(^|[] ])(ERROR|FATAL|\[ERROR\])' "$f" >&2
    fi
    echo "----- last $TOR_LOG_LINES lines of $f -----" >&2
    tail -n "$TOR_LOG_LINES" "$f" >&2
  done
}

# Refuse to start when another process already holds one of our ports.
ensure_ports_free() {
  local name=$1 p; shift
  for p in "$@"; do
    port_open "$p" && die "$name: port $p on 127.0.0.1 is already in use by another process"
  done
  return 0
}

# wait_ready NAME TIMEOUT PID CHECK_FN LOGS... : poll CHECK_FN until it
# succeeds; fail early if PID dies, fail on timeout; show logs on failure.
wait_ready() {
  local name=$1 timeout=$2 pid=$3 check=$4; shift 4
  local deadline=$((SECONDS + timeout))
  until "$check"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_tail "$@"
      die "$name exited during startup (logs above)"
    fi
    if ((SECONDS >= deadline)); then
      show_tail "$@"
      die "$name not ready after ${timeout}s (logs above)"
    fi
    sleep 0.3
  done
}

stop_server() {
  local name=$1 pidfile pid deadline
  pidfile=$(pidfile_of "$name")
  if ! pid=$(live_pid "$pidfile"); then
    rm -f "$pidfile"
    log "$name: not running"
    return 0
  fi
  log "$name: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: still alive after 20s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$pidfile"
  log "$name: stopped"
}

# --- MariaDB ---------------------------------------------------------------

mysql_admin() { mariadb-admin --no-defaults --socket="$MYSQL_SOCKET" -uroot "$@"; }
mysql_ping() { mysql_admin --connect-timeout=2 ping >/dev/null 2>&1; }

# Accounts and database, once per data dir. Kept out of the binlog
# (sql_log_bin=0) so the binlog a test reads starts with its own changes.
mysql_first_setup() {
  mariadb --no-defaults --socket="$MYSQL_SOCKET" -uroot <<'SQL'
SET SESSION sql_log_bin = 0;
CREATE DATABASE IF NOT EXISTS tor;
CREATE USER IF NOT EXISTS 'tor'@'%' IDENTIFIED BY 'tor';
CREATE USER IF NOT EXISTS 'tor'@'localhost' IDENTIFIED BY 'tor';
GRANT ALL PRIVILEGES ON tor.* TO 'tor'@'%';
GRANT ALL PRIVILEGES ON tor.* TO 'tor'@'localhost';
GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO 'tor'@'%';
GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO 'tor'@'localhost';
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
}

start_mariadb() {
  local pid
  if pid=$(live_pid "$MYSQL_PIDFILE"); then
    log "mariadb: already running (pid $pid, port $TOR_MYSQL_PORT)"
    return 0
  fi
  ensure_ports_free mariadb "$TOR_MYSQL_PORT"
  ((${#MYSQL_SOCKET} < 100)) || die "mariadb: socket path too long for a unix socket: $MYSQL_SOCKET (use a shorter TOR_RUN_DIR)"
  mkdir -p "$MYSQL_DIR"
  rm -f "$MYSQL_SOCKET" "$MYSQL_PIDFILE"

  # max-allowed-packet: room for the tests' rows events over 16 MB (which
  # cross the protocol's packet size and arrive in several packets).
  local common=(--innodb-buffer-pool-size=128M --innodb-log-file-size=48M --max-allowed-packet=64M)
  if [[ ! -d $MYSQL_DIR/data/mysql ]]; then
    log "mariadb: initialising data dir"
    rm -rf "$MYSQL_DIR/data"
    if ! mariadb-install-db --no-defaults --user=root --datadir="$MYSQL_DIR/data" \
          --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
          "${common[@]}" >"$MYSQL_DIR/install-db.log" 2>&1; then
      TOR_LOG_LINES=60 show_tail "$MYSQL_DIR/install-db.log"
      die "mariadb: mariadb-install-db failed"
    fi
    rm -f "$MYSQL_DIR/.tor-setup-done"
  fi

  local extra=()
  [[ -n $TOR_MYSQL_EXTRA_ARGS ]] && read -r -a extra <<<"$TOR_MYSQL_EXTRA_ARGS"
  log "mariadb: starting on 127.0.0.1:$TOR_MYSQL_PORT"
  setsid mariadbd --no-defaults --user=root \
    --datadir="$MYSQL_DIR/data" \
    --socket="$MYSQL_SOCKET" --port="$TOR_MYSQL_PORT" --bind-address=127.0.0.1 \
    --pid-file="$MYSQL_PIDFILE" --log-error="$MYSQL_ERRLOG" \
    --skip-name-resolve \
    --server-id=1 --log-bin=mysql-bin --binlog-format=ROW \
    --binlog-row-image=FULL --binlog-row-metadata=FULL --gtid-strict-mode=1 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    "${common[@]}" --max-connections=200 \
    "${extra[@]}" \
    </dev/null >>"$MYSQL_DIR/mariadbd.out" 2>&1 &
  pid=$!
  wait_ready mariadb 60 "$pid" mysql_ping "$MYSQL_ERRLOG" "$MYSQL_DIR/mariadbd.out"

  if [[ ! -f $MYSQL_DIR/.tor-setup-done ]]; then
    mysql_first_setup || die "mariadb: first-start setup (database tor, users) failed"
    touch "$MYSQL_DIR/.tor-setup-done"
  fi
  log "mariadb: ready (pid $pid, socket $MYSQL_SOCKET)"
}

# --- Kafka -----------------------------------------------------------------

kafka_home() { "$SCRIPT_DIR/kafka/fetch.sh"; }

# A Kafka cluster id: 16 random bytes, url-safe base64 without padding
# (what `kafka-storage random-uuid` prints); never starting with '-'.
random_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ $id != -* ]] && { echo "$id"; return; }
  done
}

write_kafka_config() {
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Written by scripts/servers.sh on every start; edits are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$TOR_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$TOR_KAFKA_PORT,CONTROLLER://127.0.0.1:$TOR_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$TOR_KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
$TOR_KAFKA_EXTRA_PROPS
EOF
  # Kafka 3.x: log4j 1 API (reload4j).
  cat >"$KAFKA_DIR/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$KAFKA_LOG
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
  # Kafka 4.x: log4j2.
  cat >"$KAFKA_DIR/log4j2.properties" <<EOF
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = $KAFKA_LOG
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = warn
EOF
  write_tool_log_config
}

# Log config for Kafka command-line tools (StorageTool, TopicCommand,
# ProducerPerformance...): warnings to stderr only.
write_tool_log_config() {
  mkdir -p "$KAFKA_DIR"
  cat >"$KAFKA_DIR/tools-log4j.properties" <<EOF
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  cat >"$KAFKA_DIR/tools-log4j2.properties" <<EOF
status = error
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.err.ref = err
EOF
}

# JVM flags for short admin tools: start fast (C1 only), small heap.
# `kafka-run` uses a full JIT instead (ProducerPerformance measures throughput).
TOOL_JVM_OPTS="-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"

# kafka_tool MAIN_CLASS ARGS... : run a Kafka command-line tool.
kafka_tool() {
  local home main=$1 jvm=(); shift
  home=$(kafka_home)
  [[ -f $KAFKA_DIR/tools-log4j2.properties ]] || write_tool_log_config
  read -r -a jvm <<<"$TOOL_JVM_OPTS"
  java "${jvm[@]}" -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KAFKA_DIR/tools-log4j.properties" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.properties" \
    -cp "$(cat "$home/classpath")" "$main" "$@"
}

kafka_ready() {
  port_open "$TOR_KAFKA_PORT" || return 1
  timeout 10 kcat -b "127.0.0.1:$TOR_KAFKA_PORT" -L -m 3 2>/dev/null | grep -q ' 1 brokers:'
}

start_kafka() {
  local pid home
  if pid=$(live_pid "$KAFKA_PIDFILE"); then
    log "kafka: already running (pid $pid, port $TOR_KAFKA_PORT)"
    return 0
  fi
  ensure_ports_free kafka "$TOR_KAFKA_PORT" "$TOR_KAFKA_CONTROLLER_PORT"
  command -v java >/dev/null || die "kafka: java not found (run scripts/install-deps.sh)"
  command -v kcat >/dev/null || die "kafka: kcat not found (run scripts/install-deps.sh)"
  home=$(kafka_home) || die "kafka: could not fetch the Kafka jars"
  write_kafka_config

  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    local id
    id=$(random_cluster_id)
    log "kafka: formatting storage (cluster id $id)"
    if ! kafka_tool kafka.tools.StorageTool format -t "$id" \
          -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/format.log" 2>&1; then
      show_tail "$KAFKA_DIR/format.log"
      die "kafka: formatting the storage failed"
    fi
  fi

  log "kafka: starting Kafka $(cat "$home/version") on 127.0.0.1:$TOR_KAFKA_PORT (controller $TOR_KAFKA_CONTROLLER_PORT)"
  local heap=() jvm=()
  read -r -a heap <<<"$TOR_KAFKA_HEAP_OPTS"
  read -r -a jvm <<<"$TOR_KAFKA_JVM_OPTS"
  rm -f "$KAFKA_PIDFILE"
  (
    cd "$KAFKA_DIR"
    exec setsid java "${heap[@]}" "${jvm[@]}" \
      -Djava.awt.headless=true \
      -Dkafka.logs.dir="$KAFKA_DIR/logs" \
      -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
      -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
      -cp "$(cat "$home/classpath")" kafka.Kafka "$KAFKA_DIR/server.properties" \
      </dev/null >>"$KAFKA_OUT" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$KAFKA_PIDFILE"
  wait_ready kafka 90 "$pid" kafka_ready "$KAFKA_LOG" "$KAFKA_OUT"
  log "kafka: ready (pid $pid, brokers 127.0.0.1:$TOR_KAFKA_PORT)"
}

# topic NAME PARTITIONS [key=value ...]: create (if missing) a topic.
kafka_topic() {
  (($# >= 2)) || die "usage: servers.sh topic <name> <partitions> [key=value ...]"
  local name=$1 partitions=$2 kv args=(); shift 2
  for kv in "$@"; do args+=(--config "$kv"); done
  live_pid "$KAFKA_PIDFILE" >/dev/null || die "kafka is not running (servers.sh start kafka)"
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$TOR_KAFKA_PORT" \
    --create --if-not-exists --topic "$name" --partitions "$partitions" \
    --replication-factor 1 "${args[@]}" >&2
}

# --- Redis -----------------------------------------------------------------

redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

start_redis() {
  local pid
  if pid=$(live_pid "$REDIS_PIDFILE"); then
    log "redis: already running (pid $pid, port $TOR_REDIS_PORT)"
    return 0
  fi
  ensure_ports_free redis "$TOR_REDIS_PORT"
  mkdir -p "$REDIS_DIR/data"
  rm -f "$REDIS_PIDFILE"
  log "redis: starting on 127.0.0.1:$TOR_REDIS_PORT"
  # AOF keeps the data across restarts; RDB snapshots are off.
  if ! redis-server --port "$TOR_REDIS_PORT" --bind 127.0.0.1 \
        --unixsocket "$REDIS_SOCKET" --unixsocketperm 700 \
        --dir "$REDIS_DIR/data" --appendonly yes --save "" \
        --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" \
        </dev/null >>"$REDIS_DIR/redis.out" 2>&1; then
    show_tail "$REDIS_LOG" "$REDIS_DIR/redis.out"
    die "redis: redis-server failed to start"
  fi
  # It daemonizes: wait for the pid file to learn the server's pid.
  local deadline=$((SECONDS + 10))
  until pid=$(live_pid "$REDIS_PIDFILE"); do
    if ((SECONDS >= deadline)); then
      show_tail "$REDIS_LOG" "$REDIS_DIR/redis.out"
      die "redis: no live process behind $REDIS_PIDFILE"
    fi
    sleep 0.1
  done
  wait_ready redis 30 "$pid" redis_ping "$REDIS_LOG" "$REDIS_DIR/redis.out"
  log "redis: ready (pid $pid)"
}

# --- commands --------------------------------------------------------------

status_server() {
  local name=$1 pid
  if pid=$(live_pid "$(pidfile_of "$name")"); then
    printf '%-8s running  pid %-8s port %s\n' "$name" "$pid" "$(port_of "$name")"
  else
    printf '%-8s stopped\n' "$name"
  fi
}

logs_server() {
  local name=$1 f files=()
  files=("$(logfile_of "$name")")
  [[ $name == kafka ]] && files+=("$KAFKA_OUT")
  for f in "${files[@]}"; do
    if [[ -s $f ]]; then
      echo "===== $name: $f ====="
      show_tail "$f" 2>&1
    else
      echo "===== $name: no log at $f ====="
    fi
  done
}

print_env() {
  local kv
  for kv in \
    "TOR_RUN_DIR=$TOR_RUN_DIR" \
    "TOR_MYSQL_HOST=127.0.0.1" \
    "TOR_MYSQL_PORT=$TOR_MYSQL_PORT" \
    "TOR_MYSQL_SOCKET=$MYSQL_SOCKET" \
    "TOR_MYSQL_USER=tor" \
    "TOR_MYSQL_PASSWORD=tor" \
    "TOR_MYSQL_DATABASE=tor" \
    "TOR_KAFKA_PORT=$TOR_KAFKA_PORT" \
    "TOR_KAFKA_CONTROLLER_PORT=$TOR_KAFKA_CONTROLLER_PORT" \
    "TOR_KAFKA_BROKERS=127.0.0.1:$TOR_KAFKA_PORT" \
    "TOR_REDIS_HOST=127.0.0.1" \
    "TOR_REDIS_PORT=$TOR_REDIS_PORT" \
    "TOR_REDIS_SOCKET=$REDIS_SOCKET" \
    "TOR_REDIS_URL=redis://127.0.0.1:$TOR_REDIS_PORT"; do
    printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
  done
  # Only when already fetched: `env` must stay fast and offline.
  local home
  if home=$("$SCRIPT_DIR/kafka/fetch.sh" --cached 2>/dev/null); then
    printf 'export %s=%q\n' TOR_KAFKA_HOME "$home" TOR_KAFKA_CLASSPATH "$(cat "$home/classpath")"
  fi
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local cmd=${1:-} target=${2:-all} targets=() s
  case $cmd in
    topic) shift; kafka_topic "$@"; return ;;
    kafka-run)
      shift
      (($# >= 1)) || die "usage: servers.sh kafka-run <main-class> [args...]"
      TOOL_JVM_OPTS="-Xms256m -Xmx1g"
      kafka_tool "$@"; return ;;
    classpath) cat "$(kafka_home)/classpath"; return ;;
    env) print_env; return ;;
    start|stop|restart|status|logs) ;;
    -h|--help|help|*) usage ;;
  esac
  case $target in
    all) targets=("${SERVERS[@]}") ;;
    mariadb|kafka|redis) targets=("$target") ;;
    *) die "unknown server '$target' (mariadb|kafka|redis|all)" ;;
  esac
  case $cmd in
    start)
      mkdir -p "$TOR_RUN_DIR"
      for s in "${targets[@]}"; do "start_$s"; done ;;
    stop)
      for s in "${targets[@]}"; do stop_server "$s"; done ;;
    restart)
      for s in "${targets[@]}"; do stop_server "$s"; done
      for s in "${targets[@]}"; do "start_$s"; done ;;
    status)
      for s in "${targets[@]}"; do status_server "$s"; done ;;
    logs)
      for s in "${targets[@]}"; do logs_server "$s"; done ;;
  esac
}

main "$@"
