# Helpers for the end-to-end tests: black-box runs of the `tor` and
# `tor-api-server` executables against the servers the test runner started
# (scripts/test.sh, from scripts/servers.sh). Sourced by each test script.
#
# Each test gets its own database, topic and Redis key, so tests do not see
# each other's events, and its own temp dir for configs and logs, removed
# at exit (kept when TOR_E2E_KEEP=1).
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
note() { echo "[e2e] $*" >&2; }

for v in TOR_MYSQL_PORT TOR_KAFKA_BROKERS TOR_REDIS_PORT TOR_RUN_DIR; do
  [[ -n ${!v:-} ]] || fail "$v is not set: run the e2e tests through scripts/test.sh (it starts the servers and exports their settings), or eval \"\$(scripts/servers.sh env)\" first"
done
[[ -x ${TOR_BIN:-} ]] || fail "TOR_BIN does not name the tor executable (run through ctest)"
[[ -x ${TOR_API_BIN:-} ]] || fail "TOR_API_BIN does not name the tor-api-server executable (run through ctest)"
for tool in kcat curl redis-cli mariadb; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/install-deps.sh installs it)"
done

E2E_ID="$(basename "$0" .sh | tr -c 'a-z0-9\n' '_')_$$_$RANDOM"
E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tor-e2e.XXXXXX")
E2E_DB="e2e_${E2E_ID}"
E2E_TOPIC="e2e.${E2E_ID}.orders"
E2E_REDIS_KEY="tor:e2e:${E2E_ID}"
E2E_PIDS=()

# Ports for this test's processes: random ones in 10000-19999 (below the
# ephemeral range) that nothing listens on; a failure stops the test (set -e
# sees the failed substitution).
free_port() { "$(dirname "${BASH_SOURCE[0]}")/../../scripts/free-port.sh"; }
API_PORT=$(free_port)
TOR_HTTP_PORT=$(free_port)

cleanup() {
  local rc=$?
  for pid in "${E2E_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if ((rc != 0)); then
    for f in "$E2E_DIR"/*.log; do
      [[ -f $f ]] || continue
      echo "----- $(basename "$f") (last 40 lines) -----" >&2
      tail -n 40 "$f" >&2
    done
  fi
  mysql_root -e "DROP DATABASE IF EXISTS \`$E2E_DB\`" 2>/dev/null || true
  redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" DEL "$E2E_REDIS_KEY" "$E2E_REDIS_KEY:owner" \
    "$E2E_REDIS_KEY:lease" "$E2E_REDIS_KEY:lease:term" >/dev/null 2>&1 || true
  if [[ ${TOR_E2E_KEEP:-0} == 1 ]]; then note "kept $E2E_DIR"; else rm -rf "$E2E_DIR"; fi
  exit $rc
}
trap cleanup EXIT

mysql_root() { mariadb --no-defaults -h 127.0.0.1 -P "$TOR_MYSQL_PORT" -uroot --batch --skip-column-names "$@"; }

# The database the api-server writes to; tor reads the binlog as user tor.
create_database() {
  mysql_root -e "CREATE DATABASE \`$E2E_DB\`"
}

# FILE:OFFSET of the end of the binlog now: tor starts there, so it sees
# exactly what the test writes afterwards.
binlog_end() {
  mysql_root -e "SHOW MASTER STATUS" | awk '{print $1 ":" $2}'
}

# Writes the tor config for this test to $E2E_DIR/tor.yaml. Extra YAML lines
# can be appended by the caller.
write_tor_config() {
  local start=$1
  cat >"$E2E_DIR/tor.yaml" <<EOF
mysql:
  host: 127.0.0.1
  port: $TOR_MYSQL_PORT
  user: tor
  password: tor
  server_id: $((1000 + RANDOM % 30000))
  start: "$start"
  heartbeat: 1s
kafka:
  brokers: ["$TOR_KAFKA_BROKERS"]
  create_topics: true
  topic_partitions: 3
redis:
  host: 127.0.0.1
  port: $TOR_REDIS_PORT
  key: "$E2E_REDIS_KEY"
outbox:
  tables: ["$E2E_DB.outbox"]
  routes:
    - {pattern: order, topic: "$E2E_TOPIC"}
router:
  checkpoint_interval: 200ms
log:
  level: debug
  progress_interval: 1s
http:
  address: 127.0.0.1
  port: $TOR_HTTP_PORT
EOF
}

# Starts tor in the background with a clean environment (only PATH and HOME,
# and TSAN_OPTIONS for a ThreadSanitizer build), so TOR_* variables of the
# test runner do not override the config.
TOR_PID=
start_tor() {
  local log=$E2E_DIR/tor.log
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" ${TSAN_OPTIONS:+TSAN_OPTIONS="$TSAN_OPTIONS"} "$TOR_BIN" --config "$E2E_DIR/tor.yaml" "$@" >>"$log" 2>&1 &
  TOR_PID=$!
  E2E_PIDS+=("$TOR_PID")
  wait_http "http://127.0.0.1:$TOR_HTTP_PORT/readyz" 30 "tor" "$TOR_PID"
}

API_PID=
start_api() {
  local attempt i
  for attempt in 1 2 3; do
    env -i PATH="$PATH" "$TOR_API_BIN" --listen "127.0.0.1:$API_PORT" --mysql-host 127.0.0.1 \
      --mysql-port "$TOR_MYSQL_PORT" --mysql-user root --database "$E2E_DB" "$@" >>"$E2E_DIR/api.log" 2>&1 &
    API_PID=$!
    E2E_PIDS+=("$API_PID")
    for ((i = 0; i < 300; i++)); do
      curl -sf -o /dev/null "http://127.0.0.1:$API_PORT/healthz" && return 0
      kill -0 "$API_PID" 2>/dev/null || break
      sleep 0.1
    done
    # A port free when probed can be taken before the server binds it (e.g.
    # as the local end of another process's connection): try another one.
    if ! kill -0 "$API_PID" 2>/dev/null && tail -n 1 "$E2E_DIR/api.log" | grep -q "cannot listen"; then
      API_PORT=$(free_port)
      continue
    fi
    break
  done
  wait_http "http://127.0.0.1:$API_PORT/healthz" 1 "api-server" "$API_PID"
}

# wait_http URL SECONDS NAME PID: until URL answers 200, or fail.
wait_http() {
  local url=$1 secs=$2 name=$3 pid=$4 i
  for ((i = 0; i < secs * 10; i++)); do
    curl -sf -o /dev/null "$url" && return 0
    kill -0 "$pid" 2>/dev/null || fail "$name exited before it was ready (see its log below)"
    sleep 0.1
  done
  fail "$name not ready at $url after ${secs}s"
}

# stop_tor SECONDS: SIGTERM, then expect exit code 0 within SECONDS.
stop_tor() {
  local secs=${1:-20} i rc
  kill -TERM "$TOR_PID"
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$TOR_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$TOR_PID" 2>/dev/null && fail "tor did not stop within ${secs}s of SIGTERM"
  rc=0
  wait "$TOR_PID" || rc=$?
  ((rc == 0)) || fail "tor exited with $rc after SIGTERM (expected 0)"
}

api() { # api METHOD UUID -> prints the HTTP status
  curl -s -o /dev/null -w '%{http_code}' -X "$1" "http://127.0.0.1:$API_PORT/$2"
}

new_uuid() { cat /proc/sys/kernel/random/uuid; }

# consume COUNT SECONDS: reads the test topic from the beginning until COUNT
# messages arrived (or fails after SECONDS); prints one line per message:
# key<TAB>partition<TAB>offset<TAB>headers<TAB>value. With E2E_READ_COMMITTED=1
# it reads as a consumer with isolation.level=read_committed.
consume() {
  local want=$1 secs=$2 out=$E2E_DIR/consumed.tsv i n=0
  for ((i = 0; i < secs; i++)); do
    kcat -C -b "$TOR_KAFKA_BROKERS" -t "$E2E_TOPIC" -o beginning -e -q \
      ${E2E_READ_COMMITTED:+-X isolation.level=read_committed} \
      -f '%k\t%p\t%o\t%h\t%s\n' >"$out" 2>"$E2E_DIR/kcat.err" || true
    n=$(grep -c . "$out" || true)
    ((n >= want)) && break
    sleep 1
  done
  ((n >= want)) || fail "only $n of $want messages arrived on $E2E_TOPIC within ${secs}s"
  cat "$out"
}

# header NAME <<< "h1=v1,h2=v2": the value of a kcat-formatted header list.
header() {
  tr ',' '\n' | awk -F= -v n="$1" '$1 == n { sub(/^[^=]*=/, ""); print; exit }'
}

metric() { # metric NAME_WITH_LABELS -> value from /metrics
  curl -sf "http://127.0.0.1:$TOR_HTTP_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
