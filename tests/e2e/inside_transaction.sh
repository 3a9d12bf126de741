#!/usr/bin/env bash
# Checkpoints inside large transactions, against the real servers.
#
# 1. A crash (SIGKILL) in the middle of a 30,000-row transaction, then a
#    restart, resuming by GTID and then by binlog position: nothing is lost,
#    and what is published twice is at most what Kafka had acknowledged after
#    the last saved checkpoint (which pointed inside the transaction: its
#    first skip_rows rows are not published again).
# 2. Clean stops (SIGTERM) landing inside transactions of many sizes (1 to
#    2,500 rows) during catch-up: every event exactly once.
#
# Tor is slowed (few messages in flight, a Kafka linger) while a stop must
# land inside a transaction, so the stops are not a race against the reader.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

create_database
mysql_root "$E2E_DB" -e "CREATE TABLE outbox (id CHAR(36) NOT NULL PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL,
  aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload LONGTEXT NOT NULL) ENGINE=InnoDB"

# configure slow|fast [by_position]: the tor config, slowed or not, resuming by GTID or by position.
configure() {
  write_tor_config end
  if [[ $1 == slow ]]; then
    sed -i -e 's/^  checkpoint_interval: 200ms$/&\n  max_in_flight_messages: 50/' \
      -e 's/^kafka:$/&\n  linger: 20ms/' "$E2E_DIR/tor.yaml"
  fi
  [[ ${2:-} == by_position ]] && sed -i 's/^  heartbeat: 1s$/&\n  resume_by_gtid: false/' "$E2E_DIR/tor.yaml"
  return 0
}

# insert NAME ROWS: one transaction of ROWS outbox rows with ids NAME-000001...; prints its GTID.
insert() {
  mysql_root "$E2E_DB" -e "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
    SELECT CONCAT('$1-', LPAD(seq, 6, '0')), 'order', CONCAT('k', seq % 8), 'created',
           CONCAT('{\"n\":', seq, ',\"pad\":\"', REPEAT('x', 200), '\"}') FROM mysql.seq_1_to_$2;
    SELECT @@last_gtid"
}

checkpoint_json() { redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" GET "$E2E_REDIS_KEY"; }
skip_rows() { checkpoint_json | grep -o '"skip_rows":[0-9]*' | cut -d: -f2 || true; }

# ids PREFIX: the id header of every message on the topic whose id starts with PREFIX-, one a line.
ids() {
  kcat -C -b "$TOR_KAFKA_BROKERS" -t "$E2E_TOPIC" -o beginning -e -q -f '%h\n' 2>/dev/null |
    tr ',' '\n' | sed -n "s/^id=\($1-[0-9]*\)$/\1/p"
}

# wait_all PREFIX COUNT SECONDS: until COUNT distinct ids PREFIX-... are on the topic.
wait_all() {
  local i n=0
  for ((i = 0; i < $3 * 2; i++)); do
    n=$(ids "$1" | sort -u | wc -l)
    ((n >= $2)) && return 0
    sleep 0.5
  done
  fail "only $n of $2 events $1-* were published within $3s"
}

configure fast
start_tor

# --- 1. a crash inside a large transaction ---------------------------------------
rows=30000
for mode in by_gtid by_position; do
  name="big_$mode"
  stop_tor 20
  configure slow "$mode"
  start_tor
  insert "$name" "$rows" >/dev/null
  for ((i = 0; i < 600; i++)); do
    k=$(skip_rows)
    [[ -n $k ]] && ((k >= 3000)) && break
    sleep 0.05
  done
  [[ -n $k ]] && ((k >= 3000)) || fail "$mode: no checkpoint inside the transaction within 30s (last: $(checkpoint_json))"
  kill -KILL "$TOR_PID"
  wait "$TOR_PID" 2>/dev/null || true
  saved=$(checkpoint_json)
  k=$(skip_rows)
  [[ -n $k ]] || fail "$mode: the checkpoint saved before the crash is not inside the transaction: $saved"
  published=$(ids "$name" | wc -l)
  ((published < rows)) || fail "$mode: the whole transaction was published before the crash; the test needs a slower tor"

  configure fast "$mode"
  start_tor
  wait_all "$name" "$rows" 60
  all=$(ids "$name")
  total=$(grep -c . <<<"$all")
  dups=$((total - rows))
  # Repeated: at most what was acknowledged after the saved checkpoint, and
  # none of the skip_rows rows it counted as published (rows are in id order).
  ((dups <= published - k)) ||
    fail "$mode: $dups duplicates, more than the $((published - k)) acknowledged after the last save ($published published, checkpoint at row $k)"
  first_dup=$(sort <<<"$all" | uniq -d | awk "NR == 1")
  if [[ -n $first_dup ]]; then
    ((10#${first_dup##*-} > k)) || fail "$mode: $first_dup repeated, but the checkpoint said its row ($k rows) was published"
  fi
  note "$mode: killed with $published of $rows rows published, checkpoint inside at row $k: $dups duplicates (bound $((published - k))), nothing lost"
done

# --- 2. clean stops inside transactions of many sizes, during catch-up -------------
stop_tor 20
sizes=(1 3 10 40 150 500 1 7 25 90 300 1200 2 60 700 5 20 400 2500 1000 3 250 900 30)
expected=0
declare -A size_of
for i in "${!sizes[@]}"; do
  gtid=$(insert "$(printf 'stop%02d' "$i")" "${sizes[$i]}")
  size_of[$gtid]=${sizes[$i]}
  expected=$((expected + sizes[i]))
done
configure slow
inside=0
for round in 1 2 3 4 5 6 7 8 9 10; do
  start_tor
  sleep "0.$((2 + RANDOM % 5))"
  stop_tor 20
  k=$(skip_rows)
  if [[ -n $k ]]; then
    inside=$((inside + 1))
    gtid=$(checkpoint_json | grep -o '"transaction_gtid":"[^"]*"' | cut -d'"' -f4)
    note "stop $round: inside the ${size_of[$gtid]:-?}-row transaction $gtid, after $k rows"
  else
    note "stop $round: between transactions, at $(checkpoint_json | grep -o '"offset":[0-9]*' | cut -d: -f2)"
  fi
done
configure fast
start_tor
wait_all "stop[0-9][0-9]" "$expected" 60
all=$(ids "stop[0-9][0-9]")
dups=$(sort <<<"$all" | uniq -d | awk "NR <= 5")
[[ -z $dups ]] || fail "events repeated after clean stops: $(echo $dups)"
(($(grep -c . <<<"$all") == expected)) || fail "expected $expected messages after clean stops, got $(grep -c . <<<"$all")"
((inside >= 2)) || fail "only $inside of 10 stops landed inside a transaction: the test did not exercise what it is for"
note "clean stops: $inside of 10 inside a transaction; $expected events, each exactly once"
stop_tor 20
