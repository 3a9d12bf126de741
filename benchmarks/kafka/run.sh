#!/usr/bin/env bash
# run.sh - the Kafka dispatcher's throughput against the broker's ceiling.
#
# Starts a private Kafka broker with scripts/servers.sh (fresh run dir under
# mktemp -d, stopped again at exit), creates one topic per tool with the same
# partition count, then alternates, REPETITIONS times:
#   1. Kafka's own org.apache.kafka.tools.ProducerPerformance (from the jars
#      scripts/kafka/fetch.sh fetched), NUM messages of 256 bytes, no key;
#   2. kafka_dispatcher_bench (Google Benchmark): the same NUM messages
#      through tor::kafka::dispatcher, plain (no key, no headers: like for
#      like) and outbox-shaped (key + Tor's three headers);
# both with identical producer settings (acks=all, idempotence, linger.ms,
# batch.size, no compression). Prints the medians and the ratio
# dispatcher/ProducerPerformance (target: >= 0.90).
#
# Usage: benchmarks/kafka/run.sh [BUILD_DIR]   (default: build; needs the
#        kafka_dispatcher_bench target built there, e.g.
#        cmake --build build --target kafka_dispatcher_bench)
# Environment: TOR_KAFKA_PORT (default 29092; the controller takes +1),
#   TOR_BENCH_MESSAGES (default 1000000), TOR_BENCH_REPETITIONS (default 3),
#   TOR_BENCH_PARTITIONS (default 6), TOR_BENCH_LINGER_MS (default 5),
#   TOR_BENCH_BATCH_SIZE (default 1000000, librdkafka's default).
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
echo "messages per run: $NUM x 256 bytes, $PARTITIONS partitions, $REPS alternating runs"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

java_perf() {
  # shellcheck disable=SC2086
  java -Xmx512m -Dlog4j.configuration="file:$TOR_RUN_DIR/kafka/tools-log4j.properties" \
    -cp "$TOR_KAFKA_CLASSPATH" org.apache.kafka.tools.ProducerPerformance \
    --topic tor-bench-java --num-records "$NUM" --record-size 256 --throughput -1 \
    --producer-props bootstrap.servers="$TOR_KAFKA_BROKERS" $PROPS 2>&1 | tail -n 1
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

java_rate=() java_p50=() java_p99=() plain_rate=() plain_p50=() plain_p99=() outbox_rate=() outbox_p50=() outbox_p99=()
for ((i = 1; i <= REPS; i++)); do
  line=$(java_perf)
  echo "run $i ProducerPerformance: $line"
  java_rate+=("$(sed -E 's/.* records sent, ([0-9.]+) records\/sec.*/\1/' <<<"$line")")
  java_p50+=("$(sed -E 's/.*, ([0-9]+) ms 50th.*/\1/' <<<"$line")")
  java_p99+=("$(sed -E 's/.*, ([0-9]+) ms 99th.*/\1/' <<<"$line")")

  json=$TOR_RUN_DIR/bench-$i.json
  if ! TOR_BENCH_TOPIC=tor-bench-tor TOR_BENCH_MESSAGES=$NUM TOR_BENCH_PROPERTIES="$PROPS" \
      "$BENCH" --benchmark_filter='dispatch/(plain|outbox)/' --benchmark_out="$json" --benchmark_out_format=json >"$TOR_RUN_DIR/bench-$i.log" 2>&1; then
    cat "$TOR_RUN_DIR/bench-$i.log" >&2
    exit 1
  fi
  if jq -e '[.benchmarks[] | select(.error_occurred == true)] | length > 0' "$json" >/dev/null; then
    jq -r '.benchmarks[] | select(.error_occurred == true) | "\(.name): \(.error_message)"' "$json" >&2
    exit 1
  fi
  for shape in plain outbox; do
    read -r rate p50 p99 < <(jq -r --arg s "$shape" \
      '.benchmarks[] | select(.name | startswith("dispatch/" + $s + "/")) | "\(.items_per_second) \(.p50_ms) \(.p99_ms)"' "$json")
    printf 'run %d tor::kafka::dispatcher %-6s: %.0f msg/s, p50 %.1f ms, p99 %.1f ms\n' "$i" "$shape" "$rate" "$p50" "$p99"
    eval "${shape}_rate+=($rate) ${shape}_p50+=($p50) ${shape}_p99+=($p99)"
  done
done

jr=$(printf '%s\n' "${java_rate[@]}" | median)
pr=$(printf '%s\n' "${plain_rate[@]}" | median)
orate=$(printf '%s\n' "${outbox_rate[@]}" | median)
echo
echo "medians of $REPS runs:"
printf '  ProducerPerformance (ceiling)        %9.0f msg/s   p50 %6.1f ms   p99 %6.1f ms\n' "$jr" \
  "$(printf '%s\n' "${java_p50[@]}" | median)" "$(printf '%s\n' "${java_p99[@]}" | median)"
printf '  tor::kafka::dispatcher, plain        %9.0f msg/s   p50 %6.1f ms   p99 %6.1f ms\n' "$pr" \
  "$(printf '%s\n' "${plain_p50[@]}" | median)" "$(printf '%s\n' "${plain_p99[@]}" | median)"
printf '  tor::kafka::dispatcher, outbox shape %9.0f msg/s   p50 %6.1f ms   p99 %6.1f ms\n' "$orate" \
  "$(printf '%s\n' "${outbox_p50[@]}" | median)" "$(printf '%s\n' "${outbox_p99[@]}" | median)"
ratio=$(awk -v a="$pr" -v b="$jr" 'BEGIN {printf "%.2f", a / b}')
echo "ratio dispatcher (plain) / ProducerPerformance: $ratio (target >= 0.90)"
awk -v r="$ratio" 'BEGIN {exit !(r >= 0.90)}' || { echo "below target" >&2; exit 2; }
