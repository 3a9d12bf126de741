#!/usr/bin/env bash
# Hot standby (ha.enabled) with three `tor` processes on one configuration
# and a 2 s lease, while orders are written all along:
#   1. SIGKILL of the active one: a standby publishes again within
#      lease TTL + 5 s;
#   2. SIGSTOP of the new active one for longer than the TTL: another takes
#      over; after SIGCONT the paused one drops back to standby without
#      publishing anything it had not read before the pause (only replays of
#      events committed before it, exact copies, are allowed);
#   3. SIGKILL of the active one and a restart of Redis during the failover:
#      a standby takes over once Redis is back;
#   4. two failovers in a row (the active one killed, then its successor).
# At the end every committed event is in Kafka, and every repeat is an exact
# copy of its first publication.
#
# With --exactly-once (e2e.failover_exactly_once) the instances run with
# kafka.exactly_once, steps 1 and 2 only, and a consumer with
# isolation.level=read_committed must read every event exactly once: the
# paused active one publishes nothing after SIGCONT (its producer is fenced at
# Kafka by the new active one's init_transactions), and a SIGKILL repeats
# nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TTL_S=2
BEGAN=$SECONDS
EXACTLY_ONCE=0
[[ ${1:-} == --exactly-once ]] && EXACTLY_ONCE=1 && export E2E_READ_COMMITTED=1

create_database
start_api
write_tor_config "$(binlog_end)"
cat >>"$E2E_DIR/tor.yaml" <<EOF
ha:
  enabled: true
  lease_ttl: ${TTL_S}s
EOF
if ((EXACTLY_ONCE)); then
  sed -i '/^  topic_partitions: 3$/a\  exactly_once: true' "$E2E_DIR/tor.yaml"
  grep -q "exactly_once: true" "$E2E_DIR/tor.yaml" || fail "could not enable exactly_once in the config"
fi

# Instance N: its own HTTP port and log, the same settings otherwise.
declare -a PID PORT
start_instance() {
  local n=$1
  [[ -n ${PORT[$n]:-} ]] || PORT[$n]=$(free_port)
  sed "s/^  port: $TOR_HTTP_PORT\$/  port: ${PORT[$n]}/" "$E2E_DIR/tor.yaml" >"$E2E_DIR/tor-$n.yaml"
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" ${TSAN_OPTIONS:+TSAN_OPTIONS="$TSAN_OPTIONS"} \
    "$TOR_BIN" --config "$E2E_DIR/tor-$n.yaml" >>"$E2E_DIR/tor-$n.log" 2>&1 &
  PID[$n]=$!
  E2E_PIDS+=("${PID[$n]}")
  # Ready is 200 for the active one and for a standby that reaches Redis.
  wait_http "http://127.0.0.1:${PORT[$n]}/readyz" 30 "tor-$n" "${PID[$n]}"
}
metric_of() { curl -sf --max-time 1 "http://127.0.0.1:${PORT[$1]}/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
alive() { kill -0 "${PID[$1]}" 2>/dev/null; }

# active_instance [EXCEPT...]: the instance whose tor_ha_active is 1 (waits up to 20 s).
active_instance() {
  local i n
  for ((i = 0; i < 200; i++)); do
    for n in "${!PID[@]}"; do
      [[ " $* " == *" $n "* ]] && continue
      alive "$n" || continue
      [[ $(metric_of "$n" tor_ha_active) == 1 ]] && { echo "$n"; return; }
    done
    sleep 0.1
  done
  fail "no instance became active within 20 s"
}

# Writes orders one after another in the background, appending each id once committed.
writer() {
  local id
  while [[ ! -f $E2E_DIR/stop-writer ]]; do
    id=$(new_uuid)
    [[ $(api PUT "$id") == 201 ]] || { echo "PUT $id failed" >&2; return 1; }
    echo "$id" >>"$E2E_DIR/written"
    sleep 0.03
  done
}

published_ids() { while IFS=$'\t' read -r key part off hdrs value; do header id <<<"$hdrs"; done; }

acked_of() { # messages Kafka acknowledged to instance N, over its lifetime
  curl -sf --max-time 1 "http://127.0.0.1:${PORT[$1]}/metrics" |
    awk '$1 ~ /^tor_messages_acknowledged_total/ { n += $2 } END { print n + 0 }'
}

# publishing_again SECONDS EXCEPT: until an instance other than EXCEPT is
# active and Kafka acknowledged a message it sent since this was called (the
# writer keeps writing); prints "<instance> <seconds it took>".
publishing_again() {
  local secs=$1 except=$2 start n i
  declare -A before
  start=$(date +%s%N)
  for n in "${!PID[@]}"; do [[ $n == "$except" ]] || before[$n]=$(acked_of "$n" || echo 0); done
  for ((i = 0; i < secs * 20; i++)); do
    for n in "${!before[@]}"; do
      alive "$n" || continue
      if [[ $(metric_of "$n" tor_ha_active) == 1 ]] && (($(acked_of "$n" || echo 0) > ${before[$n]:-0})); then
        echo "$n $(((($(date +%s%N) - start) / 1000000)))"
        return 0
      fi
    done
    sleep 0.05
  done
  return 1
}

# failover_after SIGNAL: signals the active instance and checks that another
# one publishes again within lease TTL + 5 s of the signal. Prints the
# instance signalled.
failover_after() {
  local sig=$1 old got
  old=$(active_instance)
  kill -"$sig" "${PID[$old]}"
  got=$(publishing_again $((TTL_S + 5)) "$old") ||
    fail "after SIG$sig of the active tor-$old, no other instance published within lease TTL + 5 s"
  note "SIG$sig of tor-$old: tor-${got% *} took over and published again ${got#* } ms after the signal"
  echo "$old"
}

for n in 1 2 3; do start_instance "$n"; done
first=$(active_instance)
for n in 1 2 3; do
  [[ $n == "$first" ]] && continue
  [[ $(metric_of "$n" tor_ha_active) == 0 ]] || fail "tor-$n is not a standby"
  [[ $(curl -s "http://127.0.0.1:${PORT[$n]}/readyz") == "ready: standby" ]] || fail "tor-$n's /readyz does not say standby"
done
[[ $(curl -s "http://127.0.0.1:${PORT[$first]}/readyz") == "ready: active" ]] || fail "the active tor's /readyz does not say active"
note "tor-$first is active, the other two wait"

writer &
writer_pid=$!
sleep 1

# --- 1. SIGKILL of the active one --------------------------------------------------
killed=$(failover_after KILL)
wait "${PID[$killed]}" 2>/dev/null || true
start_instance "$killed"   # back as a standby

# --- 2. SIGSTOP longer than the TTL, then SIGCONT -----------------------------------
paused=$(failover_after STOP)
sleep 0.5   # every id committed before the pause is in the file by now
paused_at=$(wc -l <"$E2E_DIR/written")
sleep $((TTL_S + 1))   # paused for longer than the TTL (the failover took part of it already)
cont_at=$(wc -l <"$E2E_DIR/written")
kill -CONT "${PID[$paused]}"
for ((i = 0; i < 100; i++)); do
  grep -q "dropping back to standby" "$E2E_DIR/tor-$paused.log" && break
  sleep 0.1
done
grep -q "dropping back to standby" "$E2E_DIR/tor-$paused.log" ||
  fail "tor-$paused, paused past its lease, did not drop back to standby after SIGCONT"
alive "$paused" || fail "tor-$paused exited instead of dropping back to standby"
[[ $(metric_of "$paused" tor_ha_active) == 0 ]] || fail "tor-$paused still reports itself active"
[[ $(metric_of "$paused" tor_ha_lease_losses_total) == 1 ]] || fail "tor-$paused does not count its lost lease"
note "SIGCONT: tor-$paused stopped publishing and waits as a standby: $(grep -o 'no longer holds the lease[^"]*' "$E2E_DIR/tor-$paused.log" | head -1 | cut -c1-60)..."

terms=6   # the first and five failovers
if ((EXACTLY_ONCE)); then
  terms=3   # the first and two failovers
else
# --- 3. SIGKILL of the active one, and Redis restarted during the failover -----------
old=$(active_instance)
kill -KILL "${PID[$old]}"
wait "${PID[$old]}" 2>/dev/null || true
"$ROOT/scripts/servers.sh" restart redis >"$E2E_DIR/redis-restart.log" 2>&1 || fail "restarting Redis failed"
got=$(publishing_again $((TTL_S + 5)) "$old") || fail "no standby took over within lease TTL + 5 s after Redis restarted during a failover"
note "SIGKILL of tor-$old, then a Redis restart: tor-${got% *} took over and published again ${got#* } ms after Redis was back"
start_instance "$old"

# --- 4. two failovers in a row -------------------------------------------------------
a=$(failover_after KILL)
b=$(failover_after KILL)
note "two failovers in a row: tor-$a, then tor-$b killed"
fi

touch "$E2E_DIR/stop-writer"
wait "$writer_pid" || fail "the writer failed"

# --- nothing lost, repeats are exact copies, nothing written after the pause repeated ---
db_ids=$(mysql_root "$E2E_DB" -e "SELECT id FROM outbox" | sort)
want=$(grep -c . <<<"$db_ids")
out=$(consume "$want" 40)
sleep 2
out=$(consume "$want" 5)
missing=$(comm -23 <(echo "$db_ids") <(published_ids <<<"$out" | sort -u))
[[ -z $missing ]] || fail "events lost across the failovers: $(echo $missing | head -c 400)"
distinct_ids=$(published_ids <<<"$out" | sort -u | wc -l)
distinct_copies=$(cut -f1,4,5 <<<"$out" | sort -u | wc -l)
((distinct_copies == distinct_ids)) || fail "a repeated event differs from its first copy"
if ((EXACTLY_ONCE)); then
  dups=$(published_ids <<<"$out" | sort | uniq -d)
  [[ -z $dups ]] || fail "exactly once: events read twice by a read_committed consumer: $(echo $dups | head -c 400)"
fi
# The paused instance may not publish what it read after waking: events
# written while it was paused are published once each (by its successor).
after_pause=$(sed -n "$((paused_at + 1)),${cont_at}p" "$E2E_DIR/written")
[[ -n $after_pause ]] || fail "nothing was written while tor-$paused was paused"
repeated_after_pause=$(published_ids <<<"$out" | sort | uniq -d | grep -Fx -f <(echo "$after_pause") || true)
[[ -z $repeated_after_pause ]] || fail "events written after tor-$paused was paused were published twice: $(echo $repeated_after_pause)"
# A term for the first and one per failover, the lease passing once at each.
last=$(active_instance)
[[ $(metric_of "$last" tor_ha_lease_term) == "$terms" ]] ||
  fail "the lease is in term $(metric_of "$last" tor_ha_lease_term) after $((terms - 1)) failovers, expected $terms"
(($(metric_of "$last" tor_ha_failovers_total) >= 1)) || fail "tor-$last does not count its takeover"
note "$want events, none lost; $(($(grep -c . <<<"$out") - distinct_ids)) repeats, all exact copies; $((SECONDS - BEGAN)) s"
