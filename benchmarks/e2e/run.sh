#!/usr/bin/env bash
# run.sh - the service end to end against its peers and the ceiling: rows
# committed in MariaDB -> messages acknowledged by Kafka.
#
# Starts a private MariaDB, Kafka and Redis (scripts/servers.sh, a fresh run
# dir, stopped at exit) and measures, alternating relays within each run:
#
#  catch-up   N outbox rows preloaded in the binlog (RESET MASTER first, so the
#             binlog holds only them), 256-byte payloads, 1,000 keys, two
#             routes (Order/Customer alternating), 1-10 rows a transaction,
#             3 partitions a topic. Each relay reads from the binlog's start;
#             the wall time runs from its start until the topics' end
#             offsets sum to N (every message acknowledged by the broker).
#               tor        the real binary, configured by benchmarks/e2e/tor.yaml
#               producer   the ceiling on the Kafka side: a librdkafka producer
#                          with tor's settings sending the same messages
#                          (e2e_tool produce), with tor's five headers and none
#               source     the ceiling on the MySQL side: tor::mysql::binlog_source
#                          alone reading the same binlog (e2e_tool source)
#               debezium   Debezium Server 2.7.3.Final: MariaDB connector,
#                          outbox event router, Kafka sink, Redis offsets
#                          (downloaded from Maven Central into BUILD_DIR/e2e-peers)
#             CPU seconds of the relay (all threads, /proc/PID/stat), its peak
#             RSS (VmHWM), and the CPU the broker and mariadbd used meanwhile.
#  shapes     the same for tor, the producer and the source with 1-row and
#             100-row transactions and 4 KiB payloads.
#  steady     a paced writer (single-row transactions, several connections)
#             at each rate of TOR_E2E_RATES while tor runs from the binlog's
#             end (for at most twice the time: a rate MariaDB cannot keep is
#             reported as achieved); latency from the INSERT (autocommit) to a consumer
#             receiving the message, from a microsecond column sent as header.
#
# Results: BUILD_DIR/e2e-results/<date>/ (results.tsv, latency.tsv, summary.md,
# logs); summary.md is also printed. Plot: benchmarks/e2e/plot.py on that dir.
#
# Usage: benchmarks/e2e/run.sh [BUILD_DIR]   (default build/rel; needs the
#        tor_service and e2e_tool targets built there)
# Environment:
#   TOR_E2E_ROWS         N, rows preloaded per catch-up data set (default 1000000)
#   TOR_E2E_ROWS_4K      rows of the 4 KiB data set (default N/5)
#   TOR_E2E_RUNS         runs per relay and data set (default 3)
#   TOR_E2E_SCENARIOS    any of "catchup shapes steady" (default all three)
#   TOR_E2E_DEBEZIUM     1 (default): run Debezium in catch-up; 0: skip it
#   TOR_E2E_DEBEZIUM_ROWS  rows Debezium is timed on (default min(N, 200000):
#                        at ~4 k events/s a million rows take minutes); it
#                        reads the same binlog and stops being timed there
#   TOR_E2E_RATES        steady-state rates, transactions/s (default "1000 10000")
#   TOR_E2E_STEADY_SECONDS  seconds per rate (default 10)
#   TOR_E2E_SMOKE        1: a check that everything works (tiny N, one run,
#                        no Debezium, one short paced run); figures meaningless
#   TOR_E2E_OUT          results directory (default above)
#   TOR_E2E_TOR_BIN, TOR_E2E_TOOL  the binaries, if not in BUILD_DIR's usual places
#   TOR_E2E_EXACTLY_ONCE 1: also run tor with kafka.exactly_once (relay
#                        tor-eo) beside tor, alternating, in catch-up (timed
#                        until a read_committed consumer has read N) and in
#                        the steady state (its consumer reads read_committed)
#   TOR_E2E_TOR_ENV      extra settings for tor, e.g. "TOR_KAFKA_LINGER=1ms TOR_ROUTER_IDLE_WAIT=10ms"
#                        (to try a setting; the figures in docs/ use none)
#   TOR_MYSQL_PORT, TOR_KAFKA_PORT, TOR_REDIS_PORT  ports of the private
#                        servers (defaults 33306, 39092, 36379); "free": a free
#                        one below the ephemeral range (scripts/free-port.sh)
set -euo pipefail

# One compound command, read whole before it runs: editing this file during a
# (long) run cannot break that run.
{
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(realpath -m "${1:-$ROOT/build/rel}")
TOR=${TOR_E2E_TOR_BIN:-$BUILD/examples/tor/tor}
TOOL=${TOR_E2E_TOOL:-$BUILD/benchmarks/e2e/e2e_tool}
SERVERS=$ROOT/scripts/servers.sh
CONFIG=$ROOT/benchmarks/e2e/tor.yaml
for f in "$TOR" "$TOOL"; do
  [[ -x $f ]] || { echo "run.sh: $f not found; build the tor_service and e2e_tool targets in $BUILD first" >&2; exit 1; }
done

SMOKE=${TOR_E2E_SMOKE:-0}
if [[ $SMOKE == 1 ]]; then
  N=${TOR_E2E_ROWS:-2000}
  RUNS=1
  DEBEZIUM=0
  RATES=${TOR_E2E_RATES:-200}
  STEADY_SECONDS=${TOR_E2E_STEADY_SECONDS:-2}
else
  N=${TOR_E2E_ROWS:-1000000}
  RUNS=${TOR_E2E_RUNS:-3}
  DEBEZIUM=${TOR_E2E_DEBEZIUM:-1}
  RATES=${TOR_E2E_RATES:-1000 10000}
  STEADY_SECONDS=${TOR_E2E_STEADY_SECONDS:-10}
fi
N4K=${TOR_E2E_ROWS_4K:-$((N / 5))}
read -r -a TOR_ENV <<<"${TOR_E2E_TOR_ENV:-}"
DBZ_N=${TOR_E2E_DEBEZIUM_ROWS:-$((N < 200000 ? N : 200000))}
SCENARIOS=${TOR_E2E_SCENARIOS:-catchup shapes steady}
EXACTLY_ONCE=${TOR_E2E_EXACTLY_ONCE:-0}
OUT=$(realpath -m "${TOR_E2E_OUT:-$BUILD/e2e-results/$(date -u +%Y%m%dT%H%M%SZ)}")
mkdir -p "$OUT/logs"
TICK=$(getconf CLK_TCK)

export TOR_RUN_DIR
TOR_RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tor-bench-e2e.XXXXXX")
export TOR_MYSQL_PORT=${TOR_MYSQL_PORT:-33306}
export TOR_KAFKA_PORT=${TOR_KAFKA_PORT:-39092}
export TOR_REDIS_PORT=${TOR_REDIS_PORT:-36379}
[[ $TOR_MYSQL_PORT == free ]] && { TOR_MYSQL_PORT=$("$ROOT/scripts/free-port.sh") || exit 1; }
[[ $TOR_REDIS_PORT == free ]] && { TOR_REDIS_PORT=$("$ROOT/scripts/free-port.sh") || exit 1; }
# Kafka's and the one after it, the broker's controller port.
[[ $TOR_KAFKA_PORT == free ]] && { TOR_KAFKA_PORT=$("$ROOT/scripts/free-port.sh" 2) || exit 1; }
unset TOR_KAFKA_CONTROLLER_PORT
RELAY_PID=
cleanup() {
  [[ -n $RELAY_PID ]] && kill -KILL "$RELAY_PID" 2>/dev/null || true
  "$SERVERS" stop all >/dev/null 2>&1 || true
  rm -rf "$TOR_RUN_DIR"
}
trap cleanup EXIT

log() { echo "[e2e] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

"$SERVERS" start all
eval "$("$SERVERS" env)"
BROKERS=$TOR_KAFKA_BROKERS
MYSQL_SOCKET=$TOR_RUN_DIR/mariadb/mysqld.sock
KAFKA_PID=$(cat "$TOR_RUN_DIR/kafka/kafka.pid")
MARIADB_PID=$(cat "$TOR_RUN_DIR/mariadb/mysqld.pid")

sql() { mariadb --no-defaults --socket="$MYSQL_SOCKET" -uroot -N -B tor "$@"; }
# Waits until the latency consumer started as PID has joined its group
# (it touches $TOR_RUN_DIR/consumer.ready); dies with its LOG if it exits first.
await_consumer() {
  while [[ ! -f $TOR_RUN_DIR/consumer.ready ]]; do
    kill -0 "$1" 2>/dev/null || { cat "$2" >&2; die "the latency consumer failed"; }
    sleep 0.1
  done
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }

printf 'dataset\trelay\trun\tmessages\tseconds\tevents_per_s\tcpu_us_per_event\trss_mb\tbroker_cpu_s\tmariadb_cpu_s\tload1\tstartup_s\n' >"$OUT/results.tsv"
printf 'rate\trun\tachieved_tx_s\tmessages\tp50_ms\tp99_ms\tp999_ms\tmax_ms\tto_log_p50_ms\tto_log_p99_ms\tcommit_p50_ms\tcommit_p99_ms\ttor_cpu_us_per_event\tload1\n' | tee "$OUT/latency-producer.tsv" "$OUT/latency-eo.tsv" >"$OUT/latency.tsv"
{
  echo "command: $([[ $SMOKE == 1 ]] && echo "TOR_E2E_SMOKE=1 ")$([[ $EXACTLY_ONCE == 1 ]] && echo "TOR_E2E_EXACTLY_ONCE=1 ")TOR_E2E_ROWS=$N TOR_E2E_RUNS=$RUNS TOR_E2E_SCENARIOS=\"$SCENARIOS\" benchmarks/e2e/run.sh"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [[ -n ${TOR_E2E_TOR_ENV:-} ]] && echo "tor settings changed: $TOR_E2E_TOR_ENV"
  echo "started: $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
} >"$OUT/meta.txt"
cat "$OUT/meta.txt" >&2

# record DATASET RELAY RUN MESSAGES SECONDS CPU_S RSS_KB BROKER_TICKS MARIADB_TICKS LOAD [STARTUP_S]
# (STARTUP_S: from the relay's start until the first message was in Kafka, for relays run as processes)
record() {
  awk -v d="$1" -v r="$2" -v run="$3" -v n="$4" -v s="$5" -v c="$6" -v m="$7" -v b="$8" -v db="$9" -v l="${10}" -v t="$TICK" \
    -v st="${11:--}" \
    'BEGIN {printf "%s\t%s\t%s\t%d\t%.3f\t%.0f\t%.2f\t%.1f\t%.2f\t%.2f\t%s\t%s\n", d, r, run, n, s, n / s, c * 1e6 / n, m / 1024, b / t, db / t, l, st}' \
    >>"$OUT/results.tsv"
  tail -n 1 "$OUT/results.tsv" | awk -F'\t' '{printf "[e2e] %-8s %-16s run %s: %d msgs in %.2f s = %d ev/s, %.2f us CPU/ev, RSS %.0f MB, broker %.1f s, mariadbd %.1f s CPU (load %s)\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11}' >&2
}

# --- data sets ---------------------------------------------------------------

# load NAME ROWS ROWS_PER_TX VALUE_BYTES: a fresh binlog holding only the
# table's creation and ROWS rows. ROWS_PER_TX "mix" cycles 1,8,5,2,9,6,3,10,7,4.
load() {
  local name=$1 rows=$2 per_tx=$3 bytes=$4 k maxk
  log "loading $name: $rows rows, $per_tx rows a transaction, $bytes-byte payloads"
  case $per_tx in
    mix) k="1 + (tx * 7) % 10"; maxk=10 ;;
    *) k=$per_tx; maxk=$per_tx ;;
  esac
  local t0=$SECONDS
  sql <<SQL
SET SESSION sql_log_bin = 0;
DROP TABLE IF EXISTS tor.outbox;
SET SESSION sql_log_bin = 1;
RESET MASTER;
CREATE TABLE tor.outbox (id CHAR(36) NOT NULL PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL,
  aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload LONGTEXT NOT NULL,
  created_us BIGINT NOT NULL DEFAULT 0) ENGINE=InnoDB;
SET GLOBAL innodb_flush_log_at_trx_commit = 0;
DELIMITER //
BEGIN NOT ATOMIC
  DECLARE done INT DEFAULT 0; DECLARE tx INT DEFAULT 0; DECLARE k INT;
  WHILE done < $rows DO
    SET k = LEAST($rows - done, $k);
    START TRANSACTION;
    INSERT INTO tor.outbox (id, aggregatetype, aggregateid, type, payload)
      SELECT UUID(), IF((done + seq) % 2, 'Order', 'Customer'), CONCAT('agg-', (done + seq) % 1000), 'created',
             CONCAT('{"n":', done + seq, ',"pad":"', REPEAT('x', $bytes - 15 - LENGTH(done + seq)), '"}')
      FROM seq_1_to_$maxk WHERE seq <= k;
    COMMIT;
    SET done = done + k, tx = tx + 1;
  END WHILE;
END//
DELIMITER ;
SET GLOBAL innodb_flush_log_at_trx_commit = 1;
SQL
  local count
  count=$(sql -e "SELECT COUNT(*) FROM tor.outbox")
  [[ $count == "$rows" ]] || die "$name: loaded $count rows, expected $rows"
  log "loaded $name in $((SECONDS - t0)) s; binlog $(sql -e 'SHOW BINARY LOGS' | awk '{s += $2} END {printf "%.0f MB", s / 1048576}')"
}

# --- relays ------------------------------------------------------------------

SERVER_ID=5000
# run_tor DATASET RUN ROWS [eo]: tor from the binlog's start until ROWS messages are in Kafka;
# with eo in exactly-once mode (relay tor-eo), until a read_committed consumer has read them.
run_tor() {
  local ds=$1 run=$2 rows=$3 mode=${4:-} prefix="e2e-$1-$2-tor${4:+-$4}" pid b0 d0 t0 t1 cpu rss
  local -a eo_env=() eo_wait=()
  [[ $mode == eo ]] && eo_env=(TOR_KAFKA_EXACTLY_ONCE=true) && eo_wait=(--read-committed 1)
  "$TOOL" topics --brokers "$BROKERS" --partitions 3 "$prefix.orders" "$prefix.customers" >/dev/null
  SERVER_ID=$((SERVER_ID + 1))
  b0=$(ticks "$KAFKA_PID") d0=$(ticks "$MARIADB_PID") t0=$(date +%s.%N)
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" TOR_CONFIG="$CONFIG" \
    TOR_MYSQL_PORT="$TOR_MYSQL_PORT" TOR_MYSQL_SERVER_ID="$SERVER_ID" TOR_KAFKA_BROKERS="$BROKERS" \
    TOR_REDIS_PORT="$TOR_REDIS_PORT" TOR_REDIS_KEY="tor:e2e:$prefix" \
    TOR_OUTBOX_ROUTES="[{pattern: Order, topic: $prefix.orders}, {pattern: Customer, topic: $prefix.customers}]" \
    "${eo_env[@]}" "${TOR_ENV[@]}" "$TOR" >"$OUT/logs/$prefix.log" 2>&1 &
  pid=$! RELAY_PID=$!
  if ! wjson=$("$TOOL" wait --brokers "$BROKERS" --expect "$rows" --pid "$pid" --timeout 1800 "${eo_wait[@]}" \
      "$prefix.orders" "$prefix.customers"); then
    tail -n 20 "$OUT/logs/$prefix.log" >&2
    die "tor did not deliver $rows messages ($ds run $run); log: $OUT/logs/$prefix.log"
  fi
  t1=$(date +%s.%N)
  cpu=$(awk -v t="$(ticks "$pid")" -v k="$TICK" 'BEGIN {print t / k}') rss=$(hwm_kb "$pid")
  local b1 d1
  b1=$(ticks "$KAFKA_PID") d1=$(ticks "$MARIADB_PID")
  kill -TERM "$pid"
  wait "$pid" || die "tor exited with status $? at SIGTERM ($ds run $run); log: $OUT/logs/$prefix.log"
  RELAY_PID=
  record "$ds" "tor${mode:+-$mode}" "$run" "$rows" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$cpu" "$rss" \
    $((b1 - b0)) $((d1 - d0)) "$(loadavg)" "$(jq -r .first_s <<<"$wjson")"
}

# run_tool DATASET RELAY RUN ROWS e2e_tool-args...: a tool reporting its own time, CPU and RSS.
run_tool() {
  local ds=$1 relay=$2 run=$3 rows=$4 b0 d0 json
  shift 4
  b0=$(ticks "$KAFKA_PID") d0=$(ticks "$MARIADB_PID")
  json=$("$TOOL" "$@" 2>"$OUT/logs/e2e-$ds-$run-$relay.log") ||
    { cat "$OUT/logs/e2e-$ds-$run-$relay.log" >&2; die "$relay failed ($ds run $run)"; }
  local b1 d1
  b1=$(ticks "$KAFKA_PID") d1=$(ticks "$MARIADB_PID")
  read -r secs cpu rss < <(jq -r '"\(.seconds) \(.cpu_s) \(.rss_kb)"' <<<"$json")
  record "$ds" "$relay" "$run" "$rows" "$secs" "$cpu" "$rss" $((b1 - b0)) $((d1 - d0)) "$(loadavg)"
}

run_producer() {  # DATASET RUN ROWS VALUE_BYTES HEADERS
  local prefix="e2e-$1-$2-producer-$5"
  "$TOOL" topics --brokers "$BROKERS" --partitions 3 "$prefix.orders" "$prefix.customers" >/dev/null
  run_tool "$1" "producer-$5" "$2" "$3" produce --brokers "$BROKERS" --messages "$3" --value-bytes "$4" \
    --headers "$5" "$prefix.orders" "$prefix.customers"
}

run_source() {  # DATASET RUN ROWS
  run_tool "$1" source "$2" "$3" source --mysql "127.0.0.1:$TOR_MYSQL_PORT" --rows "$3" --table tor.outbox
}

DBZ_VERSION=2.7.3.Final
DBZ_HOME=$BUILD/e2e-peers/debezium-server
# Fetches Debezium Server once into the build directory; false when Maven Central is unreachable.
fetch_debezium() {
  [[ -f $DBZ_HOME/debezium-server-dist-$DBZ_VERSION-runner.jar ]] && return 0
  local dir=$BUILD/e2e-peers tgz=debezium-server-dist-$DBZ_VERSION.tar.gz
  mkdir -p "$dir"
  if [[ ! -f $dir/$tgz ]]; then
    log "fetching Debezium Server $DBZ_VERSION from Maven Central (~450 MB, once)"
    curl -fsSL --retry 2 --connect-timeout 15 -o "$dir/$tgz.part" \
      "https://repo1.maven.org/maven2/io/debezium/debezium-server-dist/$DBZ_VERSION/$tgz" || return 1
    mv "$dir/$tgz.part" "$dir/$tgz"
  fi
  tar xzf "$dir/$tgz" -C "$dir"
}

# run_debezium DATASET RUN ROWS: Debezium Server from the binlog's start until ROWS messages are in Kafka.
run_debezium() {
  local ds=$1 run=$2 rows=$3 prefix="e2e-$1-$2-dbz" dir pid b0 d0 t0 t1
  dir=$TOR_RUN_DIR/$prefix
  mkdir -p "$dir/conf" "$dir/data"
  "$TOOL" topics --brokers "$BROKERS" --partitions 3 "$prefix.Order" "$prefix.Customer" >/dev/null
  # Its schema-change topic (the table's CREATE is in the binlog): the broker here creates no topics.
  "$TOOL" topics --brokers "$BROKERS" --partitions 1 "$prefix" >/dev/null
  SERVER_ID=$((SERVER_ID + 1))
  # Per Debezium's documentation for Debezium Server, the MariaDB connector and
  # the outbox event router; everything else at its defaults.
  cat >"$dir/conf/application.properties" <<EOF
debezium.sink.type=kafka
debezium.sink.kafka.producer.bootstrap.servers=$BROKERS
debezium.sink.kafka.producer.key.serializer=org.apache.kafka.common.serialization.StringSerializer
debezium.sink.kafka.producer.value.serializer=org.apache.kafka.common.serialization.StringSerializer
debezium.source.connector.class=io.debezium.connector.mariadb.MariaDbConnector
debezium.source.database.hostname=127.0.0.1
debezium.source.database.port=$TOR_MYSQL_PORT
debezium.source.database.user=tor
debezium.source.database.password=tor
# The 2.7 MariaDB connector defaults to "preferred", which its MariaDB JDBC driver refuses.
debezium.source.database.ssl.mode=disabled
debezium.source.database.server.id=$SERVER_ID
debezium.source.topic.prefix=$prefix
debezium.source.database.include.list=tor
debezium.source.table.include.list=tor.outbox
debezium.source.snapshot.mode=never
debezium.source.offset.storage=io.debezium.storage.redis.offset.RedisOffsetBackingStore
debezium.source.offset.storage.redis.address=127.0.0.1:$TOR_REDIS_PORT
debezium.source.offset.storage.redis.key=$prefix:offsets
debezium.source.schema.history.internal=io.debezium.storage.redis.history.RedisSchemaHistory
debezium.source.schema.history.internal.redis.address=127.0.0.1:$TOR_REDIS_PORT
debezium.source.schema.history.internal.redis.key=$prefix:schema_history
debezium.transforms=outbox
debezium.transforms.outbox.type=io.debezium.transforms.outbox.EventRouter
# A doubled dollar escapes the expression from Quarkus, so the router gets the routedByValue placeholder.
debezium.transforms.outbox.route.topic.replacement=$prefix.\$\${routedByValue}
quarkus.log.console.json=false
quarkus.http.port=0
EOF
  b0=$(ticks "$KAFKA_PID") d0=$(ticks "$MARIADB_PID") t0=$(date +%s.%N)
  (cd "$dir" && exec java -cp "$DBZ_HOME/debezium-server-dist-$DBZ_VERSION-runner.jar:$dir/conf:$DBZ_HOME/lib/*" \
    io.debezium.server.Main) >"$OUT/logs/$prefix.log" 2>&1 &
  pid=$! RELAY_PID=$!
  if ! wjson=$("$TOOL" wait --brokers "$BROKERS" --expect "$rows" --pid "$pid" --timeout 1800 \
      "$prefix.Order" "$prefix.Customer"); then
    tail -n 30 "$OUT/logs/$prefix.log" >&2
    log "Debezium did not deliver $rows messages ($ds run $run); log: $OUT/logs/$prefix.log"
    kill -KILL "$pid" 2>/dev/null || true
    RELAY_PID=
    return 1
  fi
  t1=$(date +%s.%N)
  local cpu rss b1 d1
  cpu=$(awk -v t="$(ticks "$pid")" -v k="$TICK" 'BEGIN {print t / k}') rss=$(hwm_kb "$pid")
  b1=$(ticks "$KAFKA_PID") d1=$(ticks "$MARIADB_PID")
  kill -KILL "$pid"  # not timed; its orderly stop takes seconds
  wait "$pid" 2>/dev/null || true
  RELAY_PID=
  record "$ds" debezium "$run" "$rows" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$cpu" "$rss" \
    $((b1 - b0)) $((d1 - d0)) "$(loadavg)" "$(jq -r .first_s <<<"$wjson")"
}

# --- scenarios ---------------------------------------------------------------

command -v jq >/dev/null || die "jq is needed (scripts/install-deps.sh installs it)"
if [[ $DEBEZIUM == 1 && " $SCENARIOS " == *" catchup "* ]]; then
  if ! command -v java >/dev/null; then
    log "Debezium skipped: no java on PATH"; DEBEZIUM=0
  elif ! fetch_debezium; then
    log "Debezium skipped: Debezium Server $DBZ_VERSION could not be fetched from Maven Central"; DEBEZIUM=0
    echo "Debezium skipped: Maven Central unreachable" >>"$OUT/meta.txt"
  fi
fi

if [[ " $SCENARIOS " == *" catchup "* ]]; then
  load main "$N" mix 256
  for ((run = 1; run <= RUNS; run++)); do
    run_tor main "$run" "$N"
    [[ $EXACTLY_ONCE == 1 ]] && run_tor main "$run" "$N" eo
    run_producer main "$run" "$N" 256 default
    run_source main "$run" "$N"
    run_producer main "$run" "$N" 256 none
    if [[ $DEBEZIUM == 1 ]]; then
      run_debezium main "$run" "$DBZ_N" || echo "Debezium failed in run $run (see logs)" >>"$OUT/meta.txt"
    fi
  done
fi

if [[ " $SCENARIOS " == *" shapes "* ]]; then
  for shape in "tx1 1 256" "tx100 100 256" "4k mix 4096"; do
    read -r name per_tx bytes <<<"$shape"
    rows=$N
    [[ $name == 4k ]] && rows=$N4K
    load "$name" "$rows" "$per_tx" "$bytes"
    for ((run = 1; run <= RUNS; run++)); do
      run_tor "$name" "$run" "$rows"
      run_source "$name" "$run" "$rows"
      # The producer does not see transactions, but it runs beside each data
      # set so its ceiling is taken under the same load as tor's figure.
      run_producer "$name" "$run" "$rows" "$bytes" default
    done
  done
fi

if [[ " $SCENARIOS " == *" steady "* ]]; then
  modes=("")
  [[ $EXACTLY_ONCE == 1 ]] && modes+=(eo)
  for rate in $RATES; do
    for ((run = 1; run <= RUNS; run++)); do
     for mode in "${modes[@]}"; do
      prefix="e2e-steady-$rate-$run${mode:+-$mode}"
      total=$((rate * STEADY_SECONDS))
      eo_env=() isolation=read_uncommitted
      [[ $mode == eo ]] && eo_env=(TOR_KAFKA_EXACTLY_ONCE=true) && isolation=read_committed
      log "steady state: $rate tx/s for $STEADY_SECONDS s, run $run${mode:+ (exactly once)}"
      sql -e "SET SESSION sql_log_bin = 0; DROP TABLE IF EXISTS tor.outbox; SET SESSION sql_log_bin = 1; RESET MASTER;
        CREATE TABLE tor.outbox (id CHAR(36) NOT NULL PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL,
        aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload LONGTEXT NOT NULL,
        created_us BIGINT NOT NULL DEFAULT 0) ENGINE=InnoDB"
      "$TOOL" topics --brokers "$BROKERS" --partitions 3 --append-time 1 "$prefix.orders" "$prefix.customers" >/dev/null
      SERVER_ID=$((SERVER_ID + 1))
      http_port=$("$ROOT/scripts/free-port.sh") || die "no free port for tor's HTTP endpoint"
      env -i PATH="$PATH" HOME="${HOME:-/tmp}" TOR_CONFIG="$CONFIG" TOR_MYSQL_START=end \
        TOR_MYSQL_PORT="$TOR_MYSQL_PORT" TOR_MYSQL_SERVER_ID="$SERVER_ID" TOR_KAFKA_BROKERS="$BROKERS" \
        TOR_REDIS_PORT="$TOR_REDIS_PORT" TOR_REDIS_KEY="tor:e2e:$prefix" TOR_HTTP_PORT="$http_port" \
        TOR_HTTP_ADDRESS=127.0.0.1 TOR_OUTBOX_FIELDS='[{column: created_us, header: created_us}]' \
        TOR_OUTBOX_ROUTES="[{pattern: Order, topic: $prefix.orders}, {pattern: Customer, topic: $prefix.customers}]" \
        "${eo_env[@]}" "${TOR_ENV[@]}" "$TOR" >"$OUT/logs/$prefix.log" 2>&1 &
      pid=$! RELAY_PID=$!
      for ((i = 0; i < 300; i++)); do
        curl -fs "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$OUT/logs/$prefix.log" >&2; die "tor exited before it was ready"; }
        sleep 0.1
      done
      rm -f "$TOR_RUN_DIR/consumer.ready" "$TOR_RUN_DIR/written"
      "$TOOL" latency --brokers "$BROKERS" --expect "$total" --expect-file "$TOR_RUN_DIR/written" \
        --timeout $((STEADY_SECONDS * 6 + 30)) --isolation "$isolation" \
        --ready "$TOR_RUN_DIR/consumer.ready" "$prefix.orders" "$prefix.customers" \
        >"$TOR_RUN_DIR/latency.json" 2>"$OUT/logs/$prefix-consumer.log" &
      cpid=$!
      await_consumer "$cpid" "$OUT/logs/$prefix-consumer.log"
      c0=$(ticks "$pid")
      wjson=$("$TOOL" write --mysql "127.0.0.1:$TOR_MYSQL_PORT" --rate "$rate" --seconds "$STEADY_SECONDS" \
        --threads 8 --value-bytes 256) || die "the writer failed"
      jq -r .transactions <<<"$wjson" >"$TOR_RUN_DIR/written.part"
      mv "$TOR_RUN_DIR/written.part" "$TOR_RUN_DIR/written"
      total=$(cat "$TOR_RUN_DIR/written")
      wait "$cpid" || { cat "$OUT/logs/$prefix-consumer.log" "$TOR_RUN_DIR/latency.json" >&2; die "the consumer did not receive $total messages"; }
      c1=$(ticks "$pid")
      kill -TERM "$pid"
      wait "$pid" || die "tor exited with status $? at SIGTERM (steady $rate run $run)"
      RELAY_PID=
      ljson=$(cat "$TOR_RUN_DIR/latency.json")
      read -r achieved cp50 cp99 < <(jq -r '"\(.rate) \(.commit_p50_ms) \(.commit_p99_ms)"' <<<"$wjson")
      jq -r --arg rate "$rate" --arg run "$run" --arg ach "$achieved" --arg load "$(loadavg)" --arg cp50 "$cp50" --arg cp99 "$cp99" \
        --arg cpu "$(awk -v a="$c0" -v b="$c1" -v k="$TICK" -v n="$total" 'BEGIN {printf "%.2f", (b - a) / k * 1e6 / n}')" \
        '[$rate, $run, $ach, .messages, .p50_ms, .p99_ms, .p999_ms, .max_ms, .to_log_p50_ms, .to_log_p99_ms, $cp50, $cp99, $cpu, $load] | @tsv' <<<"$ljson" >>"$OUT/latency${mode:+-$mode}.tsv"
      tail -n 1 "$OUT/latency${mode:+-$mode}.tsv" | awk -F'\t' '{printf "[e2e] steady %s tx/s run %s: achieved %.0f tx/s, %d msgs, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms (INSERT->broker log p50 %s, p99 %s ms; INSERT round trip p50 %s, p99 %s ms), tor %.1f us CPU/ev\n", $1, $2, $3, $4, $5, $6, $7, $9, $10, $11, $12, $13}' >&2
     done
      # The Kafka side alone at the same rate: the same producer settings and
      # headers, each message stamped when it is handed to librdkafka.
      prefix="e2e-steady-$rate-$run-producer"
      "$TOOL" topics --brokers "$BROKERS" --partitions 3 --append-time 1 "$prefix.orders" "$prefix.customers" >/dev/null
      rm -f "$TOR_RUN_DIR/consumer.ready"
      "$TOOL" latency --brokers "$BROKERS" --expect "$total" --timeout $((STEADY_SECONDS * 6 + 30)) \
        --ready "$TOR_RUN_DIR/consumer.ready" "$prefix.orders" "$prefix.customers" \
        >"$TOR_RUN_DIR/latency.json" 2>"$OUT/logs/$prefix-consumer.log" &
      cpid=$!
      await_consumer "$cpid" "$OUT/logs/$prefix-consumer.log"
      pjson=$("$TOOL" produce --brokers "$BROKERS" --messages "$total" --rate "$rate" --value-bytes 256 \
        "$prefix.orders" "$prefix.customers") || die "the paced producer failed"
      wait "$cpid" || { cat "$OUT/logs/$prefix-consumer.log" "$TOR_RUN_DIR/latency.json" >&2; die "the consumer did not receive $total messages from the producer"; }
      jq -r --arg rate "$rate" --arg run "$run" --arg ach "$(jq -r '.messages / .seconds' <<<"$pjson")" --arg load "$(loadavg)" \
        '[$rate, $run, $ach, .messages, .p50_ms, .p99_ms, .p999_ms, .max_ms, .to_log_p50_ms, .to_log_p99_ms, "-", "-", "-", $load] | @tsv' \
        <"$TOR_RUN_DIR/latency.json" >>"$OUT/latency-producer.tsv"
      tail -n 1 "$OUT/latency-producer.tsv" | awk -F'\t' '{printf "[e2e] steady %s msg/s run %s, producer alone: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms (send->broker log p50 %s, p99 %s ms)\n", $1, $2, $5, $6, $7, $9, $10}' >&2
    done
  done
fi

echo "finished: $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/meta.txt"
python3 "$ROOT/benchmarks/e2e/summary.py" "$OUT" | tee "$OUT/summary.md"
log "results in $OUT"
exit
}
