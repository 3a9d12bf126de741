#!/usr/bin/env bash
# servers_smoke.sh - smoke test of scripts/servers.sh against the real servers.
#
# Starts MariaDB, Kafka and Redis in a fresh `mktemp -d` run dir on private
# ports (33306 / 39092+39093 / 36379; override with TOR_SMOKE_MYSQL_PORT,
# TOR_SMOKE_KAFKA_PORT, TOR_SMOKE_REDIS_PORT) and checks that
#   - an INSERT made by the tor user lands in the binlog as a ROW event, and
#     the tor user can read the binlog over TCP like a replica would;
#   - kcat can produce to and consume from a topic made by `servers.sh topic`;
#   - Redis SET/GET works and the value survives a Redis restart (AOF);
#   - start is idempotent, `env` is eval-able, stop stops everything.
# Then stops the servers and removes the run dir. Exit status 0 = all passed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SERVERS=$ROOT/scripts/servers.sh

export TOR_RUN_DIR
TOR_RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tor-smoke.XXXXXX")
export TOR_MYSQL_PORT=${TOR_SMOKE_MYSQL_PORT:-33306}
export TOR_KAFKA_PORT=${TOR_SMOKE_KAFKA_PORT:-39092}
export TOR_REDIS_PORT=${TOR_SMOKE_REDIS_PORT:-36379}
unset TOR_KAFKA_CONTROLLER_PORT TOR_MYSQL_EXTRA_ARGS TOR_KAFKA_EXTRA_PROPS
BROKERS=127.0.0.1:$TOR_KAFKA_PORT
TOKEN=smoke-$$-$RANDOM

cleanup() {
  "$SERVERS" stop all >/dev/null 2>&1 || true
  rm -rf "$TOR_RUN_DIR"
}
trap cleanup EXIT

passed=0 failed=0
# check DESCRIPTION FUNCTION: run FUNCTION in a subshell with errexit on
# (so any failing command fails the check) and count the result.
check() {
  local desc=$1 fn=$2 rc t0=$SECONDS
  set +e
  (set -e; "$fn")
  rc=$?
  set -e
  if ((rc == 0)); then
    passed=$((passed + 1)); echo "ok   - $desc ($((SECONDS - t0))s)"
  else
    failed=$((failed + 1)); echo "FAIL - $desc (exit $rc)"
  fi
}

sql() { mariadb --no-defaults -h127.0.0.1 -P"$TOR_MYSQL_PORT" -utor -ptor --batch --skip-column-names tor "$@"; }

t_start_all() {
  "$SERVERS" start all
  local status
  status=$("$SERVERS" status)
  echo "$status" >&2
  [[ $(grep -c ' running ' <<<"$status") == 3 ]]
}

t_start_idempotent() {
  local t0=$SECONDS
  "$SERVERS" start all 2>&1 | grep -c 'already running' | grep -qx 3
  ((SECONDS - t0 <= 2))
}

t_mariadb_binlog() {
  [[ $(sql -e 'SELECT @@binlog_format, @@binlog_row_image, @@binlog_row_metadata, @@gtid_strict_mode') \
     == $'ROW\tFULL\tFULL\t1' ]]
  sql -e "CREATE TABLE outbox (id BIGINT AUTO_INCREMENT PRIMARY KEY, topic VARCHAR(200) NOT NULL,
            payload VARCHAR(1000) NOT NULL) ENGINE=InnoDB;
          INSERT INTO outbox (topic, payload) VALUES ('smoke', '$TOKEN');"
  local file events decoded
  file=$(sql -e 'SHOW MASTER STATUS' | cut -f1)
  [[ -n $file ]]
  events=$(sql -e "SHOW BINLOG EVENTS IN '$file'")
  grep -q 'Table_map.*tor\.outbox' <<<"$events"
  grep -q 'Write_rows' <<<"$events"
  # Read the binlog over TCP as the tor user, as the router will (REPLICATION SLAVE).
  decoded=$(mariadb-binlog --no-defaults --read-from-remote-server -h127.0.0.1 -P"$TOR_MYSQL_PORT" \
              -utor -ptor --base64-output=decode-rows -vv "$file")
  grep -q "INSERT INTO \`tor\`.\`outbox\`" <<<"$decoded"
  grep -q "'$TOKEN'" <<<"$decoded"
}

t_kafka_roundtrip() {
  "$SERVERS" topic tor-smoke 2
  kcat -b "$BROKERS" -L -t tor-smoke | grep -q 'with 2 partitions'
  printf 'k1:%s\n' "$TOKEN" | kcat -b "$BROKERS" -P -t tor-smoke -p 1 -K:
  local got
  got=$(timeout 30 kcat -b "$BROKERS" -C -t tor-smoke -p 1 -o beginning -e -q -f '%k=%s\n')
  [[ $got == "k1=$TOKEN" ]]
}

t_redis_persistence() {
  local cli=(redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT")
  [[ $("${cli[@]}" SET tor:smoke "$TOKEN") == OK ]]
  [[ $("${cli[@]}" GET tor:smoke) == "$TOKEN" ]]
  "$SERVERS" restart redis
  [[ $("${cli[@]}" GET tor:smoke) == "$TOKEN" ]]
}

t_env() {
  (
    unset TOR_KAFKA_BROKERS TOR_MYSQL_SOCKET
    eval "$("$SERVERS" env)"
    [[ $TOR_KAFKA_BROKERS == "$BROKERS" ]]
    [[ -S $TOR_MYSQL_SOCKET ]]
    mariadb --no-defaults --socket="$TOR_MYSQL_SOCKET" -u"$TOR_MYSQL_USER" -p"$TOR_MYSQL_PASSWORD" \
      "$TOR_MYSQL_DATABASE" -e 'SELECT 1' >/dev/null
  )
}

port_closed() { ! timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

t_stop_all() {
  "$SERVERS" stop all
  "$SERVERS" status | grep -c ' stopped' | grep -qx 3
  port_closed "$TOR_MYSQL_PORT"
  port_closed "$TOR_KAFKA_PORT"
  port_closed "$((TOR_KAFKA_PORT + 1))"
  port_closed "$TOR_REDIS_PORT"
  "$SERVERS" stop all   # no-op when stopped
}

echo "servers_smoke: run dir $TOR_RUN_DIR"
check "start all (mariadb, kafka, redis)" t_start_all
if ((failed == 0)); then
  check "start is idempotent" t_start_idempotent
  check "mariadb: insert lands in the ROW binlog, readable by tor as a replica" t_mariadb_binlog
  check "kafka: topic create, kcat produce + consume" t_kafka_roundtrip
  check "redis: SET/GET, value survives restart (AOF)" t_redis_persistence
  check "env output is eval-able and correct" t_env
fi
check "stop all stops everything" t_stop_all
if ((failed > 0)); then
  echo "--- server logs ---"
  TOR_LOG_LINES=30 "$SERVERS" logs all || true
fi
echo "servers_smoke: $passed passed, $failed failed"
((failed == 0))
