#!/usr/bin/env bash
# A first run saves where it started. Restarting tor with SIGTERM in the
# middle of a stream of writes loses
# nothing and repeats nothing: a clean stop delivers what is in flight and
# saves the checkpoint after it, and the next start resumes exactly there.
# Then a crash (SIGKILL) in the middle of a stream: still nothing lost, and
# any repeat is an exact copy (same event id and binlog coordinates), which
# is what lets consumers deduplicate. Last, a router restart inside the
# process (MariaDB paused past the source's timeouts): the counters of
# /metrics carry the stopped router's totals; and a clean stop while
# MariaDB is paused does not wait for it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

create_database
start_api
write_tor_config end
start_tor

# --- a first run that published nothing still saved where it started ----------
# (else the next start at `end` would skip what was committed in between)
stop_tor 20
early=()
for _ in 1 2 3; do id=$(new_uuid); early+=("$id"); [[ $(api PUT "$id") == 201 ]] || fail "PUT failed"; done
start_tor
out=$(consume 3 20)
for id in "${early[@]}"; do grep -q "^$id"$'\t' <<<"$out" || fail "event of $id, written while tor was stopped after its first run, was lost"; done
note "first run: start position saved; 3 events written while stopped were published"

# writer COUNT: PUTs COUNT new orders, one every ~20 ms, in the background.
writer() {
  local count=$1 i id
  for ((i = 0; i < count; i++)); do
    id=$(new_uuid)
    [[ $(api PUT "$id") == 201 ]] || { echo "PUT $id failed" >&2; return 1; }
    sleep 0.02
  done
}

published_ids() { while IFS=$'\t' read -r key part off hdrs value; do header id <<<"$hdrs"; done; }

# --- clean restarts while writing ---------------------------------------------
writer 150 &
writer_pid=$!
for round in 1 2 3; do
  sleep 0.7
  stop_tor 20
  note "round $round: stopped cleanly at $(redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" GET "$E2E_REDIS_KEY" | head -c 80)"
  start_tor
done
wait "$writer_pid" || fail "the writer failed"

out=$(consume 153 40)
sleep 2
out=$(consume 153 5)
n=$(grep -c . <<<"$out")
dups=$(published_ids <<<"$out" | sort | uniq -d)
[[ -z $dups ]] || fail "events repeated after clean stops: $(echo $dups)"
((n == 153)) || fail "expected 153 messages after clean restarts, got $n"
db_ids=$(mysql_root "$E2E_DB" -e "SELECT id FROM outbox" | sort)
[[ $db_ids == "$(published_ids <<<"$out" | sort)" ]] || fail "published ids differ from the outbox rows"
note "clean restarts: 153 events, each exactly once"

# --- a crash while writing ------------------------------------------------------
writer 100 &
writer_pid=$!
sleep 1
kill -KILL "$TOR_PID"
wait "$TOR_PID" 2>/dev/null || true
start_tor
wait "$writer_pid" || fail "the writer failed"

db_ids=$(mysql_root "$E2E_DB" -e "SELECT id FROM outbox" | sort)
out=$(consume 253 40)
sleep 2
out=$(consume 253 5)
missing=$(comm -23 <(echo "$db_ids") <(published_ids <<<"$out" | sort -u))
[[ -z $missing ]] || fail "events lost after a crash: $(echo $missing)"
# Every repeated id is an exact copy: same key, value and binlog coordinates.
distinct_ids=$(published_ids <<<"$out" | sort -u | wc -l)
distinct_copies=$(cut -f1,4,5 <<<"$out" | sort -u | wc -l)
((distinct_copies == distinct_ids)) || fail "a repeated event differs from its first copy"
note "crash: nothing lost; $(($(grep -c . <<<"$out") - distinct_ids)) duplicates, all exact copies"

# --- a router restart inside the process: /metrics counters keep adding up ----
# MariaDB paused (SIGSTOP) for longer than the source waits for it: the
# router stops on a transient error and the service runs a new one in the
# same process. /metrics counts for the process, so the stopped router's
# totals are carried over and no counter goes back.
stop_tor 20
sed -i 's/^  heartbeat: 1s$/&\n  dead_after: 1s\n  connect_timeout: 1s\n  reconnect_timeout: 1s/' "$E2E_DIR/tor.yaml"
grep -q '^  reconnect_timeout: 1s$' "$E2E_DIR/tor.yaml" || fail "could not shorten the MariaDB timeouts in tor.yaml"
start_tor
published=$(grep -c . <<<"$out")
acked_total() { metric "tor_messages_acknowledged_total{topic=\"$E2E_TOPIC\"}"; }
# wait_acked N SECONDS: until this process has acknowledged at least N messages.
wait_acked() {
  local i
  for ((i = 0; i < $2 * 5; i++)); do (($(acked_total) >= $1)) && return 0; sleep 0.2; done
  fail "tor acknowledged $(acked_total) messages within $2 s, expected at least $1"
}
for _ in $(seq 10); do [[ $(api PUT "$(new_uuid)") == 201 ]] || fail "PUT failed"; done
wait_acked 10 30
tx0=$(metric tor_transactions_total) ev0=$(metric tor_events_read_total) acked0=$(acked_total)
((tx0 >= 10 && ev0 >= tx0)) || fail "after 10 events: tor_transactions_total $tx0, tor_events_read_total $ev0"

mariadb_pid=$(tr -dc 0-9 <"$TOR_RUN_DIR/mariadb/mysqld.pid")
trap 'rc=$?; kill -CONT "$mariadb_pid" 2>/dev/null; (exit $rc); cleanup' EXIT
kill -STOP "$mariadb_pid"
for _ in $(seq 150); do (($(metric tor_restarts_total) >= 1)) && break; sleep 0.2; done
restarts=$(metric tor_restarts_total)
kill -CONT "$mariadb_pid"
((restarts >= 1)) || fail "the router did not restart within 30 s of MariaDB being paused"

for _ in $(seq 5); do [[ $(api PUT "$(new_uuid)") == 201 ]] || fail "PUT failed after MariaDB was resumed"; done
out=$(consume $((published + 15)) 40)
wait_acked $((acked0 + 5)) 30
tx=$(metric tor_transactions_total) ev=$(metric tor_events_read_total)
((tx >= tx0 + 5)) || fail "tor_transactions_total went from $tx0 to $tx over $restarts router restart(s); expected at least $((tx0 + 5))"
((ev >= ev0 + 5)) || fail "tor_events_read_total went from $ev0 to $ev over $restarts router restart(s); expected at least $((ev0 + 5))"
note "router restarted $restarts time(s) in the process: transactions $tx0 -> $tx, events read $ev0 -> $ev, acknowledged $acked0 -> $(acked_total)"
stop_tor 20

# --- a stop while MariaDB does not answer ----------------------------------------
# With the default timeouts a read gives up after 30 s. The lag monitor asks
# the server every second; once MariaDB is paused its query waits, and the
# stop must not wait for it (the service closes the source first).
sed -i '/^  dead_after: 1s$/d; /^  connect_timeout: 1s$/d; /^  reconnect_timeout: 1s$/d' "$E2E_DIR/tor.yaml"
start_tor
kill -STOP "$mariadb_pid"
sleep 2.5
began=$SECONDS
stop_tor 10
kill -CONT "$mariadb_pid"
note "stopped cleanly in $((SECONDS - began)) s while MariaDB was paused"
