#!/usr/bin/env bash
# run.sh - the Kafka dispatcher's throughput against the broker's ceiling.
#
# Starts a private Kafka broker with scripts/servers.sh (fresh run dir under
# mktemp -d, stopped again at exit), creates one topic per tool with the same
# partition count, then alternates, REPETITIONS times:
#   1. Kafka's own org.apache.kafka.tools.ProducerPerformance (from the jars
#      scripts/kafka/fetch.sh fetched), NUM messages of 256 bytes, no key;
#      and again PACED messages throttled to RATE msg/s (latency below
#      saturation);
#   2. kafka_dispatcher_bench (Google Benchmark): the same through
#      tor::kafka::dispatcher, plain (no key, no headers: like for like)
#      and outbox-shaped (key + Tor's three headers), unthrottled and paced;
# all with identical producer settings (acks=all, idempotence, linger.ms,
# batch.size, no compression). Prints the medians and the ratio
# dispatcher/ProducerPerformance, unthrottled (target: >= 0.90).
#
# Usage: benchmarks/kafka/run.sh [BUILD_DIR]   (default: build; needs the
#        kafka_dispatcher_bench target built there, e.g.
#        cmake --build build --target kafka_dispatcher_bench)
# Environment: TOR_KAFKA_PORT (default 29092; the controller takes +1),
#   TOR_BENCH_MESSAGES (default 1000000), TOR_BENCH_REPETITIONS (default 3),
#   TOR_BENCH_PARTITIONS (default 6), TOR_BENCH_LINGER_MS (default 5),
#   TOR_BENCH_BATCH_SIZE (default 1000000, librdkafka's default),
#   TOR_BENCH_PACED_MESSAGES (default 50000), TOR_BENCH_RATE (default 10000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(realpath -m "${1:-$ROOT/build}")
BENCH=$BUILD/benchmarks/kafka/kafka_dispatcher_bench
SERVERS=$ROOT/scripts/servers.sh
[[ -x $BENCH ]] || { echo "run.sh: $BENCH not found; build the kafka_dispatcher_bench target first" >&2; exit 1; }
command -v jq >/dev/null || { echo "run.sh: jq is needed to read the benchmark's JSON" >&2; exit 1; }

NUM=${TOR_BENCH_MESSAGES:-1000000}
REPS=${TOR_BENCH_REPETITIONS:-3}
PARTITIONS=${TOR_BENCH_PARTITIONS:-6}
LINGER=${TOR_BENCH_LINGER_MS:-5}
BATCH=${TOR_BENCH_BATCH_SIZE:-1000000}
PACED=${TOR_BENCH_PACED_MESSAGES:-50000}
RATE=${TOR_BENCH_RATE:-10000}

export TOR_RUN_DIR
TOR_RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tor-kafka-bench.XXXXXX")
export TOR_KAFKA_PORT=${TOR_KAFKA_PORT:-29092}
unset TOR_KAFKA_CONTROLLER_PORT
cleanup() {
  "$SERVERS" stop kafka >/dev/null 2>&1 || true
  rm -rf "$TOR_RUN_DIR"
}
trap cleanup EXIT

"$SERVERS" start kafka
eval "$("$SERVERS" env)"
"$SERVERS" topic tor-bench-java "$PARTITIONS"
"$SERVERS" topic tor-bench-tor "$PARTITIONS"

# The same producer settings for both clients (names valid in both).
PROPS="acks=all enable.idempotence=true max.in.flight.requests.per.connection=5 linger.ms=$LINGER batch.size=$BATCH compression.type=none"
echo "producer settings: $PROPS"
echo "messages per run: $NUM x 256 bytes unthrottled, $PACED at $RATE msg/s; $PARTITIONS partitions; $REPS alternating runs"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# java_perf NUM THROUGHPUT: one ProducerPerformance run; prints its summary line.
java_perf() {
  # shellcheck disable=SC2086
  java -Xmx512m -Dlog4j.configuration="file:$TOR_RUN_DIR/kafka/tools-log4j.properties" \
    -cp "$TOR_KAFKA_CLASSPATH" org.apache.kafka.tools.ProducerPerformance \
    --topic tor-bench-java --num-records "$1" --record-size 256 --throughput "$2" \
    --producer-props bootstrap.servers="$TOR_KAFKA_BROKERS" $PROPS 2>&1 | tail -n 1
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Results, one file per series: rate p50 p99 per line.
RES=$TOR_RUN_DIR/results
mkdir -p "$RES"
record_java() {  # SERIES LINE
  sed -E 's/.* records sent, ([0-9.]+) records\/sec.*, ([0-9]+) ms 50th, [0-9]+ ms 95th, ([0-9]+) ms 99th.*/\1 \2 \3/' <<<"$2" >>"$RES/$1"
}

SHAPES=(plain outbox paced paced_outbox)
for ((i = 1; i <= REPS; i++)); do
  line=$(java_perf "$NUM" -1)
  echo "run $i ProducerPerformance, unthrottled: $line"
  record_java java "$line"
  line=$(java_perf "$PACED" "$RATE")
  echo "run $i ProducerPerformance, $RATE msg/s: $line"
  record_java java_paced "$line"

  json=$TOR_RUN_DIR/bench-$i.json
  if ! TOR_BENCH_TOPIC=tor-bench-tor TOR_BENCH_MESSAGES=$NUM TOR_BENCH_PACED_MESSAGES=$PACED TOR_BENCH_RATE=$RATE \
      TOR_BENCH_PROPERTIES="$PROPS" "$BENCH" --benchmark_filter='dispatch/(plain|outbox|paced|paced_outbox)/' \
      --benchmark_out="$json" --benchmark_out_format=json >"$TOR_RUN_DIR/bench-$i.log" 2>&1; then
    cat "$TOR_RUN_DIR/bench-$i.log" >&2
    exit 1
  fi
  if jq -e '[.benchmarks[] | select(.error_occurred == true)] | length > 0' "$json" >/dev/null; then
    jq -r '.benchmarks[] | select(.error_occurred == true) | "\(.name): \(.error_message)"' "$json" >&2
    exit 1
  fi
  for shape in "${SHAPES[@]}"; do
    jq -r --arg s "$shape" \
      '.benchmarks[] | select(.name | startswith("dispatch/" + $s + "/")) | "\(.items_per_second) \(.p50_ms) \(.p99_ms)"' \
      "$json" >>"$RES/$shape"
    read -r rate p50 p99 < <(tail -n 1 "$RES/$shape")
    printf 'run %d tor::kafka::dispatcher %-12s: %.0f msg/s, p50 %.1f ms, p99 %.1f ms\n' "$i" "$shape" "$rate" "$p50" "$p99"
  done
done

col() { awk -v c="$2" '{print $c}' "$RES/$1" | median; }
row() { printf '  %-40s %9.0f msg/s   p50 %7.1f ms   p99 %7.1f ms\n' "$2" "$(col "$1" 1)" "$(col "$1" 2)" "$(col "$1" 3)"; }
echo
echo "medians of $REPS runs:"
echo " unthrottled ($NUM messages):"
row java "ProducerPerformance (ceiling)"
row plain "tor::kafka::dispatcher, plain"
row outbox "tor::kafka::dispatcher, outbox shape"
echo " paced at $RATE msg/s ($PACED messages):"
row java_paced "ProducerPerformance"
row paced "tor::kafka::dispatcher, plain"
row paced_outbox "tor::kafka::dispatcher, outbox shape"
ratio=$(awk -v a="$(col plain 1)" -v b="$(col java 1)" 'BEGIN {printf "%.2f", a / b}')
echo "ratio dispatcher (plain) / ProducerPerformance, unthrottled: $ratio (target >= 0.90)"
awk -v r="$ratio" 'BEGIN {exit !(r >= 0.90)}' || { echo "below target" >&2; exit 2; }
