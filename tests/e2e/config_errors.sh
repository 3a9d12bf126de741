#!/usr/bin/env bash
# Configuration errors: each bad file gives exactly one line on stderr naming
# the file, its line and the key, and exit code 2; --print-config masks
# secrets; --check reports each server (and, with kafka.exactly_once, starts
# transactions under an id of its own) and exits 3 when one is unusable;
# --version and --help exit 0.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run_tor() { env -i PATH="$PATH" "$TOR_BIN" "$@"; }

good="mysql:
  host: 127.0.0.1
  port: $TOR_MYSQL_PORT
  user: tor
  password: tor
kafka:
  brokers: [\"$TOR_KAFKA_BROKERS\"]
redis:
  host: 127.0.0.1
  port: $TOR_REDIS_PORT
  key: \"$E2E_REDIS_KEY\"
outbox:
  tables: [app.outbox]
  routes:
    - {pattern: order, topic: \"$E2E_TOPIC\"}"

# expect_config_error NAME EXPECTED_PREFIX YAML
expect_config_error() {
  local name=$1 expected=$2 yaml=$3 rc=0 err
  printf '%s\n' "$yaml" >"$E2E_DIR/tor.yaml"
  err=$(run_tor --config "$E2E_DIR/tor.yaml" --check 2>&1 >/dev/null) || rc=$?
  ((rc == 2)) || fail "$name: exit code $rc, expected 2 (stderr: $err)"
  [[ $(grep -c . <<<"$err") == 1 ]] || fail "$name: expected one line on stderr, got:
$err"
  [[ $err == "tor: $E2E_DIR/tor.yaml:$expected"* ]] || fail "$name: expected 'tor: <file>:$expected...', got: $err"
  note "$name -> $err"
}

expect_config_error "unknown key" "2:3: mysql.hots: unknown key (did you mean \"host\"?)" \
  "${good/  host: 127.0.0.1/  hots: 127.0.0.1}"
expect_config_error "wrong type" "3:9: mysql.port: expected an integer, got \"three\"" \
  "${good/port: $TOR_MYSQL_PORT/port: three}"
expect_config_error "missing required value" "2: mysql.user: required, but empty or not set" \
  "${good/  user: tor/}"
expect_config_error "bad regex" "15: outbox.routes[0].pattern: bad regular expression \"order(\": missing ): order( (RE2 syntax" \
  "${good/pattern: order/pattern: \"order(\"}"
expect_config_error "bad duration" "17:24: router.checkpoint_interval: expected a duration" \
  "$good
router:
  checkpoint_interval: often"
expect_config_error "not YAML" "3:1: not valid YAML" "mysql: [
  port: 1"
expect_config_error "original key clashing with a new one" "16:9: dbHost: sets mysql.host, which is also set at" \
  "$good
dbHost: other"

# A bad environment override names the variable.
printf '%s\n' "$good" >"$E2E_DIR/tor.yaml"
rc=0
err=$(env -i PATH="$PATH" TOR_KAFKA_LINGER=soon "$TOR_BIN" --config "$E2E_DIR/tor.yaml" --check 2>&1 >/dev/null) || rc=$?
((rc == 2)) || fail "bad environment value: exit code $rc"
[[ $err == "tor: environment variable TOR_KAFKA_LINGER: kafka.linger: expected a duration"* ]] || fail "env error: $err"
# An unknown flag and a missing file are errors too.
rc=0; run_tor --no-such-flag >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "unknown flag: exit code $rc"
rc=0; err=$(run_tor --config "$E2E_DIR/missing.yaml" 2>&1) || rc=$?
((rc == 2)) || fail "missing file: exit code $rc"
[[ $err == *"missing.yaml: cannot open the config file"* ]] || fail "missing file message: $err"

# --print-config: secrets masked, origins shown, loads back.
printf '%s\n' "$good" >"$E2E_DIR/tor.yaml"
printed=$(env -i PATH="$PATH" TOR_REDIS_PASSWORD=hunter2 "$TOR_BIN" --config "$E2E_DIR/tor.yaml" --print-config)
grep -q hunter2 <<<"$printed" && fail "--print-config shows a secret"
grep -q 'password: "\*\*\*\*\*\*\*\*"  # from TOR_REDIS_PASSWORD' <<<"$printed" || fail "--print-config: $printed"
printf '%s\n' "$printed" >"$E2E_DIR/printed.yaml"
run_tor --config "$E2E_DIR/printed.yaml" --print-config >/dev/null || fail "--print-config output does not load back"

# --check against the real servers: all good -> 0 (the topic is missing but
# would be created), a missing topic that would not be -> 3, a wrong MySQL port -> 3.
rc=0; report=$(env -i PATH="$PATH" TOR_KAFKA_CREATE_TOPICS=true "$TOR_BIN" --config "$E2E_DIR/tor.yaml" --check) || rc=$?
note "--check: $report"
((rc == 0)) || fail "--check of a good config exited $rc:
$report"
grep -q '^ok   mysql' <<<"$report" || fail "--check did not report MySQL: $report"
grep -q "^ok   kafka .*will be created at start: $E2E_TOPIC" <<<"$report" || fail "--check did not report the topic: $report"
grep -q '^ok   state .*no checkpoint yet: the first start begins at the end of the binlog' <<<"$report" ||
  fail "--check did not say where a first start begins: $report"
# kafka.exactly_once: --check starts transactions at the broker, under an id
# of its own (the configured one would fence a running tor's producer).
rc=0; report=$(env -i PATH="$PATH" TOR_KAFKA_CREATE_TOPICS=true TOR_KAFKA_EXACTLY_ONCE=true "$TOR_BIN" \
  --config "$E2E_DIR/tor.yaml" --check) || rc=$?
note "--check with kafka.exactly_once: $(grep transactions <<<"$report")"
((rc == 0)) || fail "--check with kafka.exactly_once exited $rc:
$report"
grep -q "^ok   kafka  transactions (kafka.exactly_once): started as '$E2E_REDIS_KEY.check' (Tor runs as '$E2E_REDIS_KEY')" \
  <<<"$report" || fail "--check did not start transactions: $report"
rc=0; report=$(run_tor --config "$E2E_DIR/tor.yaml" --check) || rc=$?
((rc == 3)) || fail "--check with a missing topic exited $rc, expected 3"
grep -q "^FAIL kafka .*MISSING: $E2E_TOPIC" <<<"$report" || fail "--check did not flag the missing topic: $report"
printf '%s\n' "${good/port: $TOR_MYSQL_PORT/port: 1}" >"$E2E_DIR/bad-port.yaml"
rc=0; report=$(run_tor --config "$E2E_DIR/bad-port.yaml" --check) || rc=$?
((rc == 3)) || fail "--check with a wrong MySQL port exited $rc, expected 3"
grep -q '^FAIL mysql' <<<"$report" || fail "--check did not flag MySQL: $report"
# --check never takes over the checkpoint key (a running tor must not be fenced).
[[ $(redis-cli -h 127.0.0.1 -p "$TOR_REDIS_PORT" EXISTS "$E2E_REDIS_KEY:owner") == 0 ]] || fail "--check claimed the key"

run_tor --version | grep -q '^tor ' || fail "--version"
run_tor --help | grep -q -- '--print-config' || fail "--help"
