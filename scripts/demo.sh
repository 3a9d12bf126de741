#!/usr/bin/env bash
# demo.sh - the whole Tor pipeline on this machine, without Docker.
#
#   scripts/demo.sh up            install what is missing, build, start MariaDB,
#                                 Kafka and Redis (scripts/servers.sh, under .run/),
#                                 create the topic, start tor and the api-server
#                                 in the background, and print what to try
#   scripts/demo.sh up --smoke    the same, then send a few requests, wait until
#                                 their events are read back from Kafka (kcat),
#                                 print them, stop everything, and exit 0
#                                 (non-zero when they do not arrive in time)
#   scripts/demo.sh down          stop tor, the api-server and the servers
#   scripts/demo.sh status        what is running
#   scripts/demo.sh logs [tor|api|servers]
#
# Ports (environment, defaults): TOR_MYSQL_PORT 23306, TOR_KAFKA_PORT 29092,
# TOR_REDIS_PORT 26379, TOR_DEMO_API_PORT 28080 (api-server),
# TOR_DEMO_HTTP_PORT 29090 (tor's /metrics). Build dir: TOR_DEMO_BUILD_DIR
# (default build/rel, the tree scripts/test.sh builds too, so running both
# compiles the service once). Everything the demo runs lives under .run/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export TOR_RUN_DIR=${TOR_RUN_DIR:-$ROOT/.run}
export TOR_MYSQL_PORT=${TOR_MYSQL_PORT:-23306}
export TOR_KAFKA_PORT=${TOR_KAFKA_PORT:-29092}
export TOR_REDIS_PORT=${TOR_REDIS_PORT:-26379}
API_PORT=${TOR_DEMO_API_PORT:-28080}
HTTP_PORT=${TOR_DEMO_HTTP_PORT:-29090}
BUILD=${TOR_DEMO_BUILD_DIR:-$ROOT/build/rel}
DEMO=$TOR_RUN_DIR/demo
BROKERS=127.0.0.1:$TOR_KAFKA_PORT
TOPIC=orders

log() { echo "[demo] $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

pid_alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_process NAME: SIGTERM, wait up to 45 s (tor flushes and saves), then SIGKILL.
stop_process() {
  local name=$1 pidfile=$DEMO/$1.pid pid i
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 450; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop in 45 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

wait_http() { # URL SECONDS NAME
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    curl -sf -o /dev/null "$1" && return 0
    pid_alive "$DEMO/$3.pid" || { tail -n 30 "$DEMO/$3.log" >&2; die "$3 exited; its log is above"; }
    sleep 0.1
  done
  tail -n 30 "$DEMO/$3.log" >&2
  die "$3 not ready at $1 after $2 s"
}

write_config() {
  cat >"$DEMO/tor.yaml" <<EOF
# Written by scripts/demo.sh; see docs/configuration.md for every key.
mysql:
  host: 127.0.0.1
  port: $TOR_MYSQL_PORT
  user: tor
  password: tor
  server_id: 4242
  start: end          # first run: only what is written from now on
kafka:
  brokers: ["$BROKERS"]
redis:
  host: 127.0.0.1
  port: $TOR_REDIS_PORT
  key: "tor:demo:checkpoint"
outbox:
  tables: [tor.outbox]
  routes:
    - {pattern: order, topic: $TOPIC}
http:
  address: 127.0.0.1
  port: $HTTP_PORT
EOF
}

up() {
  local smoke=$1
  scripts/install-deps.sh
  log "building tor and tor-api-server in $BUILD"
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j "${TOR_JOBS:-$(nproc)}" --target tor_service tor-api-server
  [[ -x $BUILD/examples/tor/tor && -x $BUILD/examples/api-server/tor-api-server ]] ||
    die "the build did not produce tor and tor-api-server (see the CMake messages above)"

  scripts/servers.sh start all
  scripts/servers.sh topic "$TOPIC" 3
  mkdir -p "$DEMO"
  write_config

  # The api-server first: it creates the orders and outbox tables.
  if ! pid_alive "$DEMO/api.pid"; then
    log "starting the api-server on 127.0.0.1:$API_PORT"
    nohup "$BUILD/examples/api-server/tor-api-server" --listen "127.0.0.1:$API_PORT" --mysql-host 127.0.0.1 \
      --mysql-port "$TOR_MYSQL_PORT" --mysql-user tor --mysql-password tor --database tor \
      >>"$DEMO/api.log" 2>&1 </dev/null &
    echo $! >"$DEMO/api.pid"
  fi
  wait_http "http://127.0.0.1:$API_PORT/healthz" 30 api
  if ! pid_alive "$DEMO/tor.pid"; then
    log "starting tor (config $DEMO/tor.yaml)"
    # env -i: the config file alone decides (no TOR_* variables from this shell).
    nohup env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$BUILD/examples/tor/tor" --config "$DEMO/tor.yaml" \
      >>"$DEMO/tor.log" 2>&1 </dev/null &
    echo $! >"$DEMO/tor.pid"
  fi
  # Ready means the binlog stream is open: what is written from now on is seen.
  wait_http "http://127.0.0.1:$HTTP_PORT/readyz" 60 tor

  if [[ $smoke == 1 ]]; then
    smoke_test
    return
  fi
  cat <<EOF

Tor is running. Try it:

  curl -X PUT    localhost:$API_PORT/29fd8c5b-6b44-48b6-98a3-c1c601eaae26
  curl -X PUT    localhost:$API_PORT/5c0e9be6-ea69-452d-9824-7f55b544f2e3
  curl -X DELETE localhost:$API_PORT/29fd8c5b-6b44-48b6-98a3-c1c601eaae26

Watch the events arrive (key, headers, value):

  kcat -C -b $BROKERS -t $TOPIC -o beginning -f 'key=%k partition=%p headers=%h\n  %s\n'

Metrics: curl localhost:$HTTP_PORT/metrics      Logs: scripts/demo.sh logs tor
Stop everything: scripts/demo.sh down
EOF
}

smoke_test() {
  local a b out n i
  a=$(cat /proc/sys/kernel/random/uuid)
  b=$(cat /proc/sys/kernel/random/uuid)
  trap 'down' EXIT
  log "sending: PUT $a, PUT $b, DELETE $a"
  [[ $(curl -s -o /dev/null -w '%{http_code}' -X PUT "localhost:$API_PORT/$a") == 201 ]] || die "PUT $a failed"
  [[ $(curl -s -o /dev/null -w '%{http_code}' -X PUT "localhost:$API_PORT/$b") == 201 ]] || die "PUT $b failed"
  [[ $(curl -s -o /dev/null -w '%{http_code}' -X DELETE "localhost:$API_PORT/$a") == 200 ]] || die "DELETE $a failed"
  log "waiting for the 3 events on topic $TOPIC (kcat)"
  for ((i = 0; i < 60; i++)); do
    out=$(kcat -C -b "$BROKERS" -t "$TOPIC" -o beginning -e -q -f 'key=%k partition=%p offset=%o headers=%h value=%s\n' 2>/dev/null |
      grep -e "key=$a" -e "key=$b" || true)
    n=$(grep -c . <<<"$out" || true)
    ((n >= 3)) && break
    sleep 1
  done
  if ((n < 3)); then
    tail -n 30 "$DEMO/tor.log" >&2
    die "only $n of 3 events arrived within 60 s; tor's log is above"
  fi
  echo "$out"
  # Per key, in the order written: created, then deleted.
  grep "key=$a" <<<"$out" | head -1 | grep -q 'eventType=created' || die "first event of $a is not 'created'"
  grep "key=$a" <<<"$out" | tail -1 | grep -q 'eventType=deleted' || die "last event of $a is not 'deleted'"
  log "smoke test passed: 3 events published in order"
}

down() {
  trap - EXIT
  stop_process tor
  stop_process api
  scripts/servers.sh stop all
}

status() {
  local name
  for name in tor api; do
    if pid_alive "$DEMO/$name.pid"; then echo "$name: running (pid $(cat "$DEMO/$name.pid"))"; else echo "$name: stopped"; fi
  done
  scripts/servers.sh status all || true
}

logs() {
  case ${1:-all} in
    tor) tail -n "${TOR_LOG_LINES:-40}" "$DEMO/tor.log" ;;
    api) tail -n "${TOR_LOG_LINES:-40}" "$DEMO/api.log" ;;
    servers) scripts/servers.sh logs all ;;
    all)
      for f in tor api; do
        echo "===== $f ====="
        tail -n "${TOR_LOG_LINES:-40}" "$DEMO/$f.log" 2>/dev/null || echo "(no log)"
      done
      scripts/servers.sh logs all
      ;;
    *) die "unknown log '$1' (tor|api|servers)" ;;
  esac
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

case ${1:-} in
  up)
    case ${2:-} in
      --smoke) up 1 ;;
      "") up 0 ;;
      *) usage ;;
    esac
    ;;
  down) down ;;
  status) status ;;
  logs) logs "${2:-all}" ;;
  *) usage ;;
esac
