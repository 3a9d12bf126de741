#!/usr/bin/env bash
# Exactly-once mode (kafka.exactly_once), checked by a consumer with
# isolation.level=read_committed:
#   1. SIGKILL of tor five times while orders are written: every order is
#      read exactly once (none lost, none repeated), each partition in commit
#      order;
#   2. a second tor started with the same kafka.transactional_id (and another
#      Redis key, so only Kafka can fence) fences the first, which exits 4
#      naming the cause, and goes on publishing from the checkpoint committed
#      in Kafka: still every order exactly once;
#   3. after a clean stop the checkpoint committed in Kafka (topic
#      tor.checkpoints, keyed by the transactional id) and its mirror in Redis
#      are the same position.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export E2E_READ_COMMITTED=1
BEGAN=$SECONDS

create_database
start_api
write_tor_config "$(binlog_end)"
sed -i '/^  topic_partitions: 3$/a\  exactly_once: true' "$E2E_DIR/tor.yaml"
grep -q "exactly_once: true" "$E2E_DIR/tor.yaml" || fail "could not enable exactly_once in the config"

# writer COUNT: PUTs COUNT new orders one after another, appending each id once committed.
writer() {
  local count=$1 i id
  for ((i = 0; i < count; i++)); do
    id=$(new_uuid)
    [[ $(api PUT "$id") == 201 ]] || { echo "PUT $id failed" >&2; return 1; }
    echo "$id" >>"$E2E_DIR/written"
    sleep 0.02
  done
}

published_ids() { while IFS=$'\t' read -r key part off hdrs value; do header id <<<"$hdrs"; done; }

# exactly_once_check: every committed order read exactly once with
# read_committed, and in each partition in the order the writer committed them.
exactly_once_check() {
  local db_ids want out missing dups p
  db_ids=$(mysql_root "$E2E_DB" -e "SELECT id FROM outbox" | sort)
  want=$(grep -c . <<<"$db_ids")
  out=$(consume "$want" 40)
  sleep 1
  out=$(consume "$want" 5)
  missing=$(comm -23 <(echo "$db_ids") <(published_ids <<<"$out" | sort -u))
  [[ -z $missing ]] || fail "events lost: $(echo $missing | head -c 400)"
  dups=$(published_ids <<<"$out" | sort | uniq -d)
  [[ -z $dups ]] || fail "events read twice by a read_committed consumer: $(echo $dups | head -c 400)"
  for p in 0 1 2; do
    # Keys are the orders' ids: their places in the writer's commit order must increase.
    awk -F'\t' -v p="$p" '$2 == p { print $1 }' <<<"$out" |
      awk 'NR == FNR { at[$1] = FNR; next } { if (!($1 in at) || at[$1] <= last) { print "out of order: " $1; exit 1 } last = at[$1] }' \
        "$E2E_DIR/written" - >&2 || fail "partition $p is not in commit order"
  done
  echo "$want"
}

# --- 1. SIGKILL during traffic -----------------------------------------------------
start_tor
writer 250 &
writer_pid=$!
for round in 1 2 3 4 5; do
  sleep 1
  kill -KILL "$TOR_PID"
  wait "$TOR_PID" 2>/dev/null || true
  start_tor
done
wait "$writer_pid" || fail "the writer failed"
n=$(exactly_once_check)
uncommitted=$(kcat -C -b "$TOR_KAFKA_BROKERS" -t "$E2E_TOPIC" -o beginning -e -q -X isolation.level=read_uncommitted -f '%o\n' 2>/dev/null | grep -c . || true)
note "5 SIGKILLs during traffic: $n events, each read exactly once in commit order (read_uncommitted sees $uncommitted records, aborted ones included)"

# --- 2. a second instance with the same transactional id fences the first ------------
SECOND_KEY="$E2E_REDIS_KEY:second"
SECOND_PORT=$(free_port)
sed -e "s/^  port: $TOR_HTTP_PORT\$/  port: $SECOND_PORT/" -e "s/^  key: \"$E2E_REDIS_KEY\"\$/  key: \"$SECOND_KEY\"/" \
  -e "/^  exactly_once: true\$/a\  transactional_id: \"$E2E_REDIS_KEY\"" "$E2E_DIR/tor.yaml" >"$E2E_DIR/tor-2.yaml"
grep -q "key: \"$SECOND_KEY\"" "$E2E_DIR/tor-2.yaml" || fail "could not write the second instance's config"
first_pid=$TOR_PID
writer 100 &
writer_pid=$!
sleep 1
env -i PATH="$PATH" HOME="${HOME:-/tmp}" ${TSAN_OPTIONS:+TSAN_OPTIONS="$TSAN_OPTIONS"} \
  "$TOR_BIN" --config "$E2E_DIR/tor-2.yaml" >>"$E2E_DIR/tor-2.log" 2>&1 &
second_pid=$!
E2E_PIDS+=("$second_pid")
wait_http "http://127.0.0.1:$SECOND_PORT/readyz" 30 "the second tor" "$second_pid"
for ((i = 0; i < 200; i++)); do
  kill -0 "$first_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$first_pid" 2>/dev/null && fail "the first tor still runs 20 s after a second one started with its transactional id"
rc=0
wait "$first_pid" || rc=$?
((rc == 4)) || fail "the fenced tor exited with $rc (expected 4: fenced)"
grep -q "same transactional id" "$E2E_DIR/tor.log" || fail "the fenced tor's log does not say it was fenced by the transactional id"
kill -0 "$second_pid" 2>/dev/null || fail "the second tor exited"
wait "$writer_pid" || fail "the writer failed"
n=$(exactly_once_check)
note "a second tor with the same transactional id fenced the first (exit 4); $n events, each read exactly once"
committed=$(TOR_HTTP_PORT=$SECOND_PORT metric tor_kafka_transactions_committed_total)
aborted=$(TOR_HTTP_PORT=$SECOND_PORT metric tor_kafka_transactions_aborted_total)
[[ $committed =~ ^[0-9]+$ ]] && ((committed > 0)) ||
  fail "the second tor's /metrics shows '$committed' Kafka transactions committed after publishing $n events"
[[ $aborted =~ ^[0-9]+$ ]] || fail "the second tor's /metrics has no tor_kafka_transactions_aborted_total"
note "the second tor's /metrics: $committed Kafka transactions committed, $aborted aborted"

# --- 3. after a clean stop Kafka's checkpoint and Redis's mirror agree ----------------
TOR_PID=$second_pid
stop_tor 20
in_kafka=$(kcat -C -b "$TOR_KAFKA_BROKERS" -t tor.checkpoints -o beginning -e -q -X isolation.level=read_committed \
  -f '%k\t%s\n' | awk -F'\t' -v k="$E2E_REDIS_KEY" '$1 == k { v = $2 } END { print v }')
in_redis=$(redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" GET "$SECOND_KEY")
redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" DEL "$SECOND_KEY" "$SECOND_KEY:owner" >/dev/null || true
[[ -n $in_kafka ]] || fail "no checkpoint record for key $E2E_REDIS_KEY in topic tor.checkpoints"
[[ -n $in_redis ]] || fail "no checkpoint in Redis key $SECOND_KEY"
position() { python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["file"], d["offset"], d["gtid_set"], d.get("skip_rows", 0))' "$1"; }
[[ $(position "$in_kafka") == "$(position "$in_redis")" ]] ||
  fail "after a clean stop the checkpoint in Kafka ($in_kafka) and the mirror in Redis ($in_redis) differ"
note "after a clean stop Kafka and Redis hold the same checkpoint: $(position "$in_kafka"); $((SECONDS - BEGAN)) s"
