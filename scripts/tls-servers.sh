#!/usr/bin/env bash
# tls-servers.sh - servers that refuse plaintext, for the TLS and SASL tests.
#
# Next to the plaintext servers of scripts/servers.sh (which stay as they are),
# this starts, on private ports under $TOR_RUN_DIR/tls:
#   MariaDB with require_secure_transport=ON (TCP only over TLS),
#   a Kafka broker (KRaft) whose client listeners are SSL and SASL_SSL (SCRAM
#     users added at format time), with no plaintext client listener,
#   Redis with tls-port and port 0, and a second Redis presenting an expired
#     certificate.
# The certificates are made at start with openssl (a throwaway CA, a server
# certificate for the name "localhost" only, a client certificate, an
# expired certificate and a second, untrusted CA); nothing secret is committed
# and everything is deleted with the run dir.
#
# Usage: scripts/tls-servers.sh {start|stop|env|status}
# Configuration (environment), ports default to 544xx:
#   TOR_RUN_DIR                   default $PWD/.run (this uses $TOR_RUN_DIR/tls)
#   TOR_TLS_MYSQL_PORT            54406
#   TOR_TLS_KAFKA_SSL_PORT        54492   SSL listener
#   TOR_TLS_KAFKA_SASL_PORT       54493   SASL_SSL listener (SCRAM-SHA-256 and -512)
#   TOR_TLS_KAFKA_CONTROLLER_PORT 54494
#   TOR_TLS_REDIS_PORT            54479
#   TOR_TLS_REDIS_EXPIRED_PORT    54480
# `eval "$(scripts/tls-servers.sh env)"` exports TOR_TLS_* for the tests,
# among them TOR_TLS_DIR (the certificates) and the accounts:
#   MariaDB tor/tor (as in servers.sh), Kafka SCRAM tor/tor-scram-secret,
#   Redis ACL user tor/tor-redis-secret.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOR_RUN_DIR=$(realpath -m "${TOR_RUN_DIR:-$PWD/.run}")
TLS_RUN=$TOR_RUN_DIR/tls
CERTS=$TLS_RUN/certs
TOR_TLS_MYSQL_PORT=${TOR_TLS_MYSQL_PORT:-54406}
TOR_TLS_KAFKA_SSL_PORT=${TOR_TLS_KAFKA_SSL_PORT:-54492}
TOR_TLS_KAFKA_SASL_PORT=${TOR_TLS_KAFKA_SASL_PORT:-54493}
TOR_TLS_KAFKA_CONTROLLER_PORT=${TOR_TLS_KAFKA_CONTROLLER_PORT:-54494}
TOR_TLS_REDIS_PORT=${TOR_TLS_REDIS_PORT:-54479}
TOR_TLS_REDIS_EXPIRED_PORT=${TOR_TLS_REDIS_EXPIRED_PORT:-54480}
KAFKA_DIR=$TLS_RUN/kafka
KAFKA_PIDFILE=$KAFKA_DIR/kafka.pid
KAFKA_SCRAM_USER=tor
KAFKA_SCRAM_PASSWORD=tor-scram-secret
REDIS_USER=tor
REDIS_PASSWORD=tor-redis-secret

log() { echo "[tls-servers] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# The plaintext script, pointed at this script's run dir and ports.
servers() {
  TOR_RUN_DIR=$TLS_RUN TOR_MYSQL_PORT=$TOR_TLS_MYSQL_PORT \
    TOR_KAFKA_PORT=$TOR_TLS_KAFKA_SSL_PORT TOR_REDIS_PORT=$TOR_TLS_REDIS_PORT \
    "$SCRIPT_DIR/servers.sh" "$@"
}

# --- certificates ----------------------------------------------------------

# make_cert NAME CN SAN CA [openssl-ca dates...]: a key and a certificate
# signed by CA (ca or other-ca).
make_cert() {
  local name=$1 cn=$2 san=$3 ca=$4; shift 4
  openssl req -new -newkey rsa:2048 -nodes -keyout "$CERTS/$name.key" -out "$CERTS/$name.csr" \
    -subj "/CN=$cn" -addext "subjectAltName=$san" 2>/dev/null
  openssl ca -batch -notext -config "$CERTS/$ca.cnf" -in "$CERTS/$name.csr" -out "$CERTS/$name.pem" "$@" \
    >"$CERTS/$name.log" 2>&1 || { cat "$CERTS/$name.log" >&2; die "cannot sign $name"; }
  chmod 600 "$CERTS/$name.key"
}

make_ca() {
  local ca=$1 cn=$2
  mkdir -p "$CERTS/$ca.d/new"
  : >"$CERTS/$ca.d/index.txt"
  echo 1000 >"$CERTS/$ca.d/serial"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CERTS/$ca.key" -out "$CERTS/$ca.pem" -days 3 \
    -subj "/CN=$cn" 2>/dev/null
  cat >"$CERTS/$ca.cnf" <<EOF
[ca]
default_ca = test_ca
[test_ca]
dir = $CERTS/$ca.d
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = $CERTS/$ca.pem
private_key = $CERTS/$ca.key
default_md = sha256
default_days = 3
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
EOF
}

make_certs() {
  [[ -f $CERTS/done ]] && return 0
  command -v openssl >/dev/null || die "openssl not found"
  rm -rf "$CERTS"
  mkdir -p "$CERTS"
  chmod 700 "$CERTS"
  make_ca ca "Tor test CA"
  make_ca other-ca "Some other CA"
  # The servers' certificate names "localhost" only: connecting to 127.0.0.1
  # with identity verification must fail.
  make_cert server localhost "DNS:localhost" ca
  make_cert client tor "DNS:tor" ca
  make_cert expired localhost "DNS:localhost" ca -startdate 20200101000000Z -enddate 20200102000000Z
  make_cert other-server localhost "DNS:localhost" other-ca
  # Kafka reads a PEM key store: the key (PKCS#8) followed by the certificate.
  cat "$CERTS/server.key" "$CERTS/server.pem" >"$CERTS/server-keystore.pem"
  chmod 600 "$CERTS/server-keystore.pem"
  touch "$CERTS/done"
  log "certificates in $CERTS"
}

# --- MariaDB -----------------------------------------------------------------

start_mariadb() {
  TOR_MYSQL_EXTRA_ARGS="--ssl-ca=$CERTS/ca.pem --ssl-cert=$CERTS/server.pem --ssl-key=$CERTS/server.key --require-secure-transport=ON" \
    servers start mariadb
}

# --- Kafka -------------------------------------------------------------------

kafka_cp() { servers classpath; }

write_kafka_config() {
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Written by scripts/tls-servers.sh on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$TOR_TLS_KAFKA_CONTROLLER_PORT
listeners=SSL://localhost:$TOR_TLS_KAFKA_SSL_PORT,SASL_SSL://localhost:$TOR_TLS_KAFKA_SASL_PORT,CONTROLLER://127.0.0.1:$TOR_TLS_KAFKA_CONTROLLER_PORT
advertised.listeners=SSL://localhost:$TOR_TLS_KAFKA_SSL_PORT,SASL_SSL://localhost:$TOR_TLS_KAFKA_SASL_PORT
listener.security.protocol.map=SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SSL
ssl.keystore.type=PEM
ssl.keystore.location=$CERTS/server-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$CERTS/ca.pem
ssl.client.auth=requested
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
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
num.io.threads=2
EOF
  cat >"$KAFKA_DIR/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$KAFKA_DIR/logs/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
EOF
  cat >"$KAFKA_DIR/tools-log4j.properties" <<EOF
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

kafka_live_pid() {
  local pid cwd
  [[ -s $KAFKA_PIDFILE ]] || return 1
  pid=$(tr -dc 0-9 <"$KAFKA_PIDFILE")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
  [[ $cwd == "$KAFKA_DIR" ]] || return 1
  echo "$pid"
}

kafka_ready() {
  timeout 10 kcat -b "localhost:$TOR_TLS_KAFKA_SSL_PORT" -X security.protocol=ssl \
    -X ssl.ca.location="$CERTS/ca.pem" -L -m 3 2>/dev/null | grep -q ' 1 brokers:'
}

start_kafka() {
  local pid cp deadline
  if pid=$(kafka_live_pid); then log "kafka: already running (pid $pid)"; return 0; fi
  for p in "$TOR_TLS_KAFKA_SSL_PORT" "$TOR_TLS_KAFKA_SASL_PORT" "$TOR_TLS_KAFKA_CONTROLLER_PORT"; do
    port_open "$p" && die "kafka: port $p is in use by another process"
  done
  cp=$(kafka_cp) || die "kafka: cannot fetch the Kafka jars (scripts/kafka/fetch.sh)"
  write_kafka_config
  local tool=(java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$KAFKA_DIR/tools-log4j.properties" -cp "$cp")
  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    local id
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | sed 's/^-/A/')
    log "kafka: formatting storage with SCRAM users"
    "${tool[@]}" kafka.tools.StorageTool format -t "$id" -c "$KAFKA_DIR/server.properties" \
      --add-scram "SCRAM-SHA-256=[name=$KAFKA_SCRAM_USER,password=$KAFKA_SCRAM_PASSWORD]" \
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_SCRAM_USER,password=$KAFKA_SCRAM_PASSWORD]" \
      >"$KAFKA_DIR/format.log" 2>&1 || { cat "$KAFKA_DIR/format.log" >&2; die "kafka: format failed"; }
  fi
  log "kafka: starting (SSL localhost:$TOR_TLS_KAFKA_SSL_PORT, SASL_SSL localhost:$TOR_TLS_KAFKA_SASL_PORT)"
  (
    cd "$KAFKA_DIR"
    exec setsid java -Xms128m -Xmx512m -server -XX:+UseG1GC -Djava.awt.headless=true \
      -Dkafka.logs.dir="$KAFKA_DIR/logs" -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
      -cp "$cp" kafka.Kafka "$KAFKA_DIR/server.properties" </dev/null >>"$KAFKA_DIR/kafka.out" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$KAFKA_PIDFILE"
  deadline=$((SECONDS + 90))
  until kafka_ready; do
    kill -0 "$pid" 2>/dev/null || { servers logs kafka >&2; die "kafka exited during start-up (logs above)"; }
    ((SECONDS < deadline)) || { servers logs kafka >&2; die "kafka not ready after 90s (logs above)"; }
    sleep 0.5
  done
  log "kafka: ready (pid $pid)"
}

stop_kafka() {
  local pid
  if ! pid=$(kafka_live_pid); then rm -f "$KAFKA_PIDFILE"; return 0; fi
  log "kafka: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$KAFKA_PIDFILE"
}

# --- Redis ---------------------------------------------------------------------

redis_cli_tls() { redis-cli --tls --cacert "$CERTS/ca.pem" -h localhost "$@"; }

# start_one_redis NAME PORT CERT
start_one_redis() {
  local name=$1 port=$2 cert=$3 dir=$TLS_RUN/$1 pid
  if [[ -s $dir/redis.pid ]] && pid=$(cat "$dir/redis.pid") && kill -0 "$pid" 2>/dev/null; then
    log "$name: already running (pid $pid)"; return 0
  fi
  port_open "$port" && die "$name: port $port is in use by another process"
  mkdir -p "$dir"
  cat >"$dir/redis.conf" <<EOF
port 0
bind 127.0.0.1
tls-port $port
tls-cert-file $CERTS/$cert.pem
tls-key-file $CERTS/$cert.key
tls-ca-cert-file $CERTS/ca.pem
tls-auth-clients optional
dir $dir
save ""
appendonly no
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
user default off
user $REDIS_USER on >$REDIS_PASSWORD ~* &* +@all
EOF
  chmod 600 "$dir/redis.conf"
  redis-server "$dir/redis.conf" || die "$name: redis-server failed (see $dir/redis.log)"
  for _ in $(seq 1 100); do
    [[ -s $dir/redis.pid ]] && break
    sleep 0.1
  done
  log "$name: started with $cert.pem on localhost:$port (TLS only)"
}

redis_ready() {
  [[ $(redis_cli_tls -p "$TOR_TLS_REDIS_PORT" --user "$REDIS_USER" --pass "$REDIS_PASSWORD" --no-auth-warning ping 2>/dev/null) == PONG ]]
}

stop_one_redis() {
  local dir=$TLS_RUN/$1 pid
  [[ -s $dir/redis.pid ]] || return 0
  pid=$(cat "$dir/redis.pid")
  if kill -0 "$pid" 2>/dev/null && [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$dir" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/redis.pid"
}

# --- commands --------------------------------------------------------------------

print_env() {
  local kv
  for kv in \
    "TOR_TLS_DIR=$CERTS" \
    "TOR_TLS_MYSQL_PORT=$TOR_TLS_MYSQL_PORT" \
    "TOR_TLS_KAFKA_SSL_PORT=$TOR_TLS_KAFKA_SSL_PORT" \
    "TOR_TLS_KAFKA_SASL_PORT=$TOR_TLS_KAFKA_SASL_PORT" \
    "TOR_TLS_KAFKA_SCRAM_USER=$KAFKA_SCRAM_USER" \
    "TOR_TLS_KAFKA_SCRAM_PASSWORD=$KAFKA_SCRAM_PASSWORD" \
    "TOR_TLS_REDIS_PORT=$TOR_TLS_REDIS_PORT" \
    "TOR_TLS_REDIS_EXPIRED_PORT=$TOR_TLS_REDIS_EXPIRED_PORT" \
    "TOR_TLS_REDIS_USER=$REDIS_USER" \
    "TOR_TLS_REDIS_PASSWORD=$REDIS_PASSWORD"; do
    printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
  done
}

case ${1:-} in
  start)
    mkdir -p "$TLS_RUN"
    make_certs
    start_mariadb
    start_one_redis redis "$TOR_TLS_REDIS_PORT" server
    start_one_redis redis-expired "$TOR_TLS_REDIS_EXPIRED_PORT" expired
    start_kafka
    for _ in $(seq 1 50); do redis_ready && break; sleep 0.1; done
    redis_ready || die "redis: no PONG over TLS on localhost:$TOR_TLS_REDIS_PORT"
    log "all TLS servers ready"
    ;;
  stop)
    stop_kafka
    stop_one_redis redis
    stop_one_redis redis-expired
    servers stop mariadb
    ;;
  status)
    servers status mariadb
    if pid=$(kafka_live_pid); then echo "kafka    running  pid $pid"; else echo "kafka    stopped"; fi
    ;;
  env) print_env ;;
  *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
