#!/usr/bin/env bash
# End to end: the api-server writes orders and their outbox rows, tor
# publishes them, and a Kafka consumer (kcat) sees every event exactly once,
# with its key, its headers (event id, event type, binlog coordinates), the
# same partition for the same key, and per key the order of the writes.
# Rolled-back work publishes nothing. /metrics and /healthz agree, and
# SIGTERM exits 0 with the checkpoint saved in Redis.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

create_database
start_api
write_tor_config "$(binlog_end)"
start_tor

# 12 orders created, 6 of them deleted again: 18 events.
ids=()
for _ in $(seq 12); do ids+=("$(new_uuid)"); done
for id in "${ids[@]}"; do [[ $(api PUT "$id") == 201 ]] || fail "PUT $id failed"; done
for id in "${ids[@]:0:6}"; do [[ $(api DELETE "$id") == 200 ]] || fail "DELETE $id failed"; done
# Refused requests write nothing: a repeated PUT (409, rolled back), a DELETE of nothing (404).
[[ $(api PUT "${ids[6]}") == 409 ]] || fail "a repeated PUT should answer 409"
[[ $(api DELETE "$(new_uuid)") == 404 ]] || fail "DELETE of an unknown order should answer 404"
# A transaction rolled back by hand: its outbox row must never be published.
mysql_root "$E2E_DB" -e "START TRANSACTION; INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
  VALUES (UUID(), 'order', 'rolled-back', 'created', '{}'); ROLLBACK;"
# One more committed event after it, so we know tor read past the rollback.
last=$(new_uuid)
[[ $(api PUT "$last") == 201 ]] || fail "PUT $last failed"
expected=19

out=$(consume "$expected" 30)
sleep 2  # anything extra (a duplicate) would arrive by now
out=$(consume "$expected" 5)
n=$(grep -c . <<<"$out")
((n == expected)) || fail "expected exactly $expected messages, got $n:
$out"
grep -q rolled-back <<<"$out" && fail "a rolled-back outbox row was published"

# The event ids the database holds, in commit order, are the ids published.
db_ids=$(mysql_root "$E2E_DB" -e "SELECT id FROM outbox ORDER BY created_at, id" | sort)
pub_ids=$(while IFS=$'\t' read -r key part off hdrs value; do header id <<<"$hdrs"; done <<<"$out" | sort)
[[ $db_ids == "$pub_ids" ]] || fail "published event ids differ from the outbox rows:
db:  $(echo $db_ids)
pub: $(echo $pub_ids)"

# Per message: key is the order id, value its JSON, headers complete.
while IFS=$'\t' read -r key part off hdrs value; do
  type=$(header eventType <<<"$hdrs")
  [[ $value == "{\"id\":\"$key\",\"status\":\"$type\"}" ]] || fail "value of $key/$type is $value"
  [[ -n $(header tor.binlog.file <<<"$hdrs") ]] || fail "no tor.binlog.file header on $key: $hdrs"
  [[ $(header tor.binlog.pos <<<"$hdrs") =~ ^[0-9]+/[0-9]+$ ]] || fail "bad tor.binlog.pos on $key: $hdrs"
done <<<"$out"

# Same key, same partition; per key, created before deleted (offset order).
for id in "${ids[@]:0:6}"; do
  lines=$(grep "^$id"$'\t' <<<"$out" | sort -t$'\t' -k3,3n)
  [[ $(cut -f2 <<<"$lines" | sort -u | wc -l) == 1 ]] || fail "$id landed on more than one partition"
  types=$(while IFS=$'\t' read -r key part off hdrs value; do header eventType <<<"$hdrs"; done <<<"$lines" | tr '\n' ' ')
  [[ $types == "created deleted " ]] || fail "events of $id out of order: $types"
done
# The 3 partitions are used (12 keys spread by hash).
[[ $(cut -f2 <<<"$out" | sort -u | wc -l) -ge 2 ]] || fail "every key landed on one partition"

# Metrics agree with what the consumer saw.
acked=$(metric "tor_messages_acknowledged_total{topic=\"$E2E_TOPIC\"}")
[[ $acked == "$expected" ]] || fail "tor_messages_acknowledged_total is '$acked', expected $expected"
[[ $(metric tor_ready) == 1 ]] || fail "tor_ready is not 1"
[[ $(metric tor_in_flight_messages) == 0 ]] || fail "messages still in flight after everything was consumed"
peak=$(metric tor_tracker_peak_bytes)
now=$(metric tor_tracker_bytes)
[[ $peak =~ ^[0-9]+$ && $now =~ ^[0-9]+$ ]] && ((peak > 0 && peak >= now)) ||
  fail "tor_tracker_peak_bytes is '$peak' with tor_tracker_bytes '$now' after $expected events"
curl -sf "http://127.0.0.1:$TOR_HTTP_PORT/healthz" >/dev/null || fail "/healthz is not 200"
# Caught up: the lag monitor sees nothing left to read (within a few checks).
for _ in $(seq 50); do [[ $(metric tor_source_bytes_behind) == 0 ]] && break; sleep 0.2; done
[[ $(metric tor_source_bytes_behind) == 0 ]] || fail "tor_source_bytes_behind is $(metric tor_source_bytes_behind), expected 0"
[[ $(metric tor_source_seconds_behind) == 0 ]] || fail "tor_source_seconds_behind is not 0 when caught up"

stop_tor 20
grep -q "stopped cleanly" "$E2E_DIR/tor.log" || fail "no 'stopped cleanly' line in the log"
saved=$(redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" GET "$E2E_REDIS_KEY")
[[ $saved == *'"file":'* && $saved == *'"offset":'* ]] || fail "no checkpoint in Redis after the stop: '$saved'"
note "pipeline: $expected events published once each, in order per key; checkpoint $saved"
