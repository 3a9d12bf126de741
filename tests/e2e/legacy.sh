#!/usr/bin/env bash
# Drop-in for the original Tor: a config file written with its flat keys
# (dbHost, kafkaTopics, kafkaHeaderMappings, redisKey, ...) works as it is,
# and a checkpoint the original left in Redis ({"name":...,"pos":...}) is
# resumed from: events before it are not sent again, events after it are.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

create_database
start_api

# Written before the original's checkpoint: must not be published.
before=$(new_uuid)
[[ $(api PUT "$before") == 201 ]] || fail "PUT failed"
read -r file pos < <(mysql_root -e "SHOW MASTER STATUS" | awk '{print $1, $2}')
redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" SET "$E2E_REDIS_KEY" "{\"name\":\"$file\",\"pos\":$pos}" >/dev/null

cat >"$E2E_DIR/tor.yaml" <<EOF
dbHost: 127.0.0.1
dbPort: $TOR_MYSQL_PORT
dbUser: tor
dbPassword: tor
dbOutboxTableRef: $E2E_DB.outbox
dbAggregateIDColumnName: aggregateid
dbAggregateTypeColumnName: aggregatetype
dbPayloadColumnName: payload
kafkaBrokers:
  - $TOR_KAFKA_BROKERS
kafkaTopics:
  - name: $E2E_TOPIC
    numPartitions: 2
    replicationFactor: 1
    aggregateTypeRegexp: ^ord
kafkaHeaderMappings:
  - columnName: type
    headerName: x-event-type
redisHost: 127.0.0.1
redisPort: $TOR_REDIS_PORT
redisKey: $E2E_REDIS_KEY
EOF
# The original had no HTTP endpoint; the new one is set by the environment.
env -i PATH="$PATH" TOR_HTTP_ADDRESS=127.0.0.1 TOR_HTTP_PORT="$TOR_HTTP_PORT" "$TOR_BIN" --config "$E2E_DIR/tor.yaml" \
  >>"$E2E_DIR/tor.log" 2>&1 &
TOR_PID=$!
E2E_PIDS+=("$TOR_PID")
wait_http "http://127.0.0.1:$TOR_HTTP_PORT/readyz" 30 tor "$TOR_PID"
grep -q "resuming after the saved checkpoint" "$E2E_DIR/tor.log" || fail "tor did not resume from the original's checkpoint"

after=$(new_uuid)
[[ $(api PUT "$after") == 201 ]] || fail "PUT failed"
[[ $(api DELETE "$after") == 200 ]] || fail "DELETE failed"
out=$(consume 2 30)
sleep 2
out=$(consume 2 5)
[[ $(grep -c . <<<"$out") == 2 ]] || fail "expected 2 messages, got:
$out"
grep -q "$before" <<<"$out" && fail "an event from before the original's checkpoint was sent again"
while IFS=$'\t' read -r key part off hdrs value; do
  [[ $key == "$after" ]] || fail "unexpected key $key"
  [[ -n $(header x-event-type <<<"$hdrs") ]] || fail "kafkaHeaderMappings not applied: $hdrs"
  # No id column in the original layout: the id is the binlog coordinates.
  [[ $(header id <<<"$hdrs") =~ ^.+:[0-9]+/[0-9]+$ ]] || fail "id header is not binlog coordinates: $hdrs"
done <<<"$out"
# The topic was created with the original's numPartitions.
parts=$(kcat -L -b "$TOR_KAFKA_BROKERS" -t "$E2E_TOPIC" 2>/dev/null | sed -n 's/.* with \([0-9]*\) partitions.*/\1/p')
((parts == 2)) || fail "topic has $parts partitions, expected numPartitions 2"
stop_tor 20
# The checkpoint is now in Tor's own format, still readable by `redis-cli GET`.
[[ $(redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" GET "$E2E_REDIS_KEY") == *'"version":1'* ]] || fail "checkpoint not rewritten"
