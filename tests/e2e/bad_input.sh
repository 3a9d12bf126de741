#!/usr/bin/env bash
# Bad input through the service, as an operator meets it: what `tor` does
# (exit code, retry or not), what its last log line says, and that the
# checkpoint in Redis never passes a row that was not published.
#  - garbage in the Redis key, a wrong Redis password, a route's topic that
#    does not exist with topic creation off: exit 3 at start, not retried;
#  - an outbox row with a NULL key: exit 1 naming table, position and column,
#    the checkpoint before that row; restarted with outbox.on_invalid: skip,
#    the row is passed over with a warning and the next one is published.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

redis() { redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" "$@"; }

# run_to_exit LOG SECONDS: runs tor until it exits by itself; sets RC.
RC=
run_to_exit() {
  local log=$E2E_DIR/$1 secs=$2 i
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$TOR_BIN" --config "$E2E_DIR/tor.yaml" >>"$log" 2>&1 &
  TOR_PID=$!
  E2E_PIDS+=("$TOR_PID")
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$TOR_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$TOR_PID" 2>/dev/null && fail "tor did not exit by itself within ${secs}s (see $1)"
  RC=0
  wait "$TOR_PID" || RC=$?
}

# expect_log FILE TEXT...: every TEXT is in FILE's last line naming an error.
expect_log() {
  local file=$E2E_DIR/$1 line
  shift
  line=$(grep -E '^[0-9T:.-]+Z error ' "$file" | tail -n 1)
  [[ -n $line ]] || fail "no error logged in $file"
  for text in "$@"; do
    [[ $line == *"$text"* ]] || fail "the error logged in $file lacks '$text': $line"
  done
  note "$file: $line"
}

create_database
mysql_root "$E2E_DB" -e "CREATE TABLE outbox (id CHAR(36) PRIMARY KEY, aggregatetype VARCHAR(64) NOT NULL,
  aggregateid VARCHAR(64) NULL, type VARCHAR(32) NOT NULL, payload TEXT NULL) ENGINE=InnoDB"

# --- a route's topic that does not exist, creation off: refused at start
# (first: the later runs create the topic).
write_tor_config "$(binlog_end)"
sed -i 's/^  create_topics: true/  create_topics: false/' "$E2E_DIR/tor.yaml"
run_to_exit topic.log 60
((RC == 3)) || fail "missing topic with creation off: exit code $RC, expected 3"
expect_log topic.log "topics missing on $TOR_KAFKA_BROKERS: $E2E_TOPIC" "kafka.create_topics: true"
redis DEL "$E2E_REDIS_KEY" "$E2E_REDIS_KEY:owner" >/dev/null

: refused at start, the key left as found.
write_tor_config "$(binlog_end)"
redis SET "$E2E_REDIS_KEY" "hello world" >/dev/null
run_to_exit garbage.log 30
((RC == 3)) || fail "garbage in the Redis key: exit code $RC, expected 3"
expect_log garbage.log "cannot read the checkpoint in Redis key '$E2E_REDIS_KEY'" 'found \"hello world\"' \
  "delete it to start from the configured start position"
[[ $(redis GET "$E2E_REDIS_KEY") == "hello world" ]] || fail "the garbage in the Redis key was overwritten"
redis DEL "$E2E_REDIS_KEY" "$E2E_REDIS_KEY:owner" >/dev/null

# --- a wrong Redis password: refused at start, not retried.
write_tor_config "$(binlog_end)"
sed -i "s|^  key: \"$E2E_REDIS_KEY\"|&\n  password: wrong-password|" "$E2E_DIR/tor.yaml"
grep -q 'password: wrong-password' "$E2E_DIR/tor.yaml" || fail "could not set the Redis password in the config"
run_to_exit password.log 30
((RC == 3)) || fail "wrong Redis password: exit code $RC, expected 3"
expect_log password.log "Redis refused the credentials" "check the username and password"

# --- an outbox row with a NULL key: stop, the checkpoint stays before it.
write_tor_config "$(binlog_end)"
start_tor
insert() { # insert ID KEY-SQL: prints the transaction's GTID
  mysql_root "$E2E_DB" -e "INSERT INTO outbox VALUES ('$1', 'order', $2, 'created', '{\"n\":\"$1\"}');
    SELECT @@last_gtid"
}
insert e1 "'k1'" >/dev/null
consume 1 30 >/dev/null  # e1 is published before the bad row arrives
bad_gtid=$(insert e2 NULL)
insert e3 "'k3'" >/dev/null
for ((i = 0; i < 300; i++)); do kill -0 "$TOR_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$TOR_PID" 2>/dev/null && fail "tor did not stop at the row with a NULL key"
rc=0
wait "$TOR_PID" || rc=$?
((rc == 1)) || fail "a NULL key: exit code $rc, expected 1"
expect_log tor.log "stopped on an error" "outbox table $E2E_DB.outbox at binlog " 'key column \"aggregateid\" is NULL' \
  "set the invalid-row policy to skip"
saved=$(redis GET "$E2E_REDIS_KEY")
saved_seq=$(sed -n 's/.*"gtid_set":"0-[0-9]*-\([0-9]*\)".*/\1/p' <<<"$saved")
[[ -n $saved_seq ]] || fail "no checkpoint with a GTID in Redis: $saved"
((saved_seq < ${bad_gtid##*-})) || fail "the checkpoint $saved passed the bad row's GTID $bad_gtid"
note "checkpoint $saved is before the bad row (GTID $bad_gtid)"

# Restarted with the skip policy: the row is logged and passed over, e3 published.
sed -i 's/^outbox:$/outbox:\n  on_invalid: skip/' "$E2E_DIR/tor.yaml"
grep -q '^  on_invalid: skip' "$E2E_DIR/tor.yaml" || fail "could not set outbox.on_invalid in the config"
start_tor
out=$(consume 2 30)
grep -q '^k3' <<<"$out" || fail "e3 was not published after the restart: $out"
grep -q 'skipping row' "$E2E_DIR/tor.log" || fail "the skipped row was not logged"
stop_tor
