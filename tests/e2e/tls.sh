#!/usr/bin/env bash
# End to end over TLS: tor runs against a MariaDB with
# require_secure_transport=ON, a Kafka broker whose only client listeners are
# SSL and SASL_SSL (SCRAM), and a Redis with port 0 and a tls-port, all
# started by scripts/tls-servers.sh with a throwaway CA. Every password comes
# from a file. Events flow; --check reports what each connection negotiated;
# --print-config and the logs never show a secret. Then each bad certificate
# or credential fails at start, with an error naming the server and the
# reason: a wrong CA (each server), a wrong host name with identity
# verification (each server), an expired certificate (Redis), plaintext
# against a server that refuses it (MariaDB), `required` against a server
# without TLS (the plaintext MariaDB of scripts/servers.sh), a wrong SASL
# password (Kafka) and a wrong Redis password.
#
# Needs the TLS servers besides the plaintext ones (labels e2e and tls);
# scripts/test.sh starts both.
if [[ -z ${TOR_TLS_DIR:-} ]]; then
  echo "FAIL: TOR_TLS_DIR is not set: start scripts/tls-servers.sh and eval \"\$(scripts/tls-servers.sh env)\" (scripts/test.sh does both)" >&2
  exit 1
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

C=$TOR_TLS_DIR
mysql_root() {
  mariadb --no-defaults -h 127.0.0.1 -P "$TOR_TLS_MYSQL_PORT" -uroot --ssl --ssl-ca="$C/ca.pem" \
    --batch --skip-column-names "$@"
}
kcat_tls() { kcat -b "localhost:$TOR_TLS_KAFKA_SSL_PORT" -X security.protocol=ssl -X ssl.ca.location="$C/ca.pem" "$@"; }
redis_tls() {
  redis-cli --tls --cacert "$C/ca.pem" -h localhost -p "$TOR_TLS_REDIS_PORT" --user "$TOR_TLS_REDIS_USER" \
    --pass "$TOR_TLS_REDIS_PASSWORD" --no-auth-warning "$@"
}
trap 'redis_tls DEL "$E2E_REDIS_KEY" "$E2E_REDIS_KEY:owner" >/dev/null 2>&1 || true; cleanup' EXIT

# The secrets, in files only readable by us.
umask 077
printf '%s\n' tor >"$E2E_DIR/mysql.pw"
printf '%s\n' "$TOR_TLS_KAFKA_SCRAM_PASSWORD" >"$E2E_DIR/kafka.pw"
printf '%s\n' "$TOR_TLS_REDIS_PASSWORD" >"$E2E_DIR/redis.pw"
printf '%s\n' not-the-password >"$E2E_DIR/wrong.pw"

create_database
mysql_root "$E2E_DB" -e "CREATE TABLE outbox (id CHAR(36) NOT NULL PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL,
  aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload LONGTEXT)"
kcat_tls -L >/dev/null 2>&1 || true
start=$(binlog_end)

# write_tls_config FILE [SED-EXPRESSION...]: the good configuration, then edits.
write_tls_config() {
  local file=$1; shift
  cat >"$file" <<EOF
mysql:
  host: localhost
  port: $TOR_TLS_MYSQL_PORT
  user: tor
  password_file: $E2E_DIR/mysql.pw
  tls:
    ca: $C/ca.pem
  server_id: $((1000 + RANDOM % 30000))
  start: "$start"
  heartbeat: 1s
kafka:
  brokers: ["localhost:$TOR_TLS_KAFKA_SASL_PORT"]
  security:
    protocol: sasl_ssl
  tls:
    ca: $C/ca.pem
  sasl:
    mechanism: SCRAM-SHA-256
    username: $TOR_TLS_KAFKA_SCRAM_USER
    password_file: $E2E_DIR/kafka.pw
  create_topics: true
redis:
  host: localhost
  port: $TOR_TLS_REDIS_PORT
  user: $TOR_TLS_REDIS_USER
  password_file: $E2E_DIR/redis.pw
  tls:
    enabled: true
    ca: $C/ca.pem
  key: "$E2E_REDIS_KEY"
outbox:
  tables: ["$E2E_DB.outbox"]
  routes:
    - {pattern: order, topic: "$E2E_TOPIC"}
router:
  checkpoint_interval: 200ms
log:
  level: debug
http:
  address: 127.0.0.1
  port: $TOR_HTTP_PORT
EOF
  local e
  for e in "$@"; do sed -i "$e" "$file"; done
}

tor_clean() { env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$TOR_BIN" "$@"; }

# no_secret FILE: none of the passwords appears in FILE.
no_secret() {
  local s
  for s in "$TOR_TLS_KAFKA_SCRAM_PASSWORD" "$TOR_TLS_REDIS_PASSWORD"; do
    ! grep -qF -- "$s" "$1" || fail "a password appears in $(basename "$1")"
  done
}

write_tls_config "$E2E_DIR/tor.yaml"

# --print-config: secrets masked, with the file each came from.
tor_clean --config "$E2E_DIR/tor.yaml" --print-config >"$E2E_DIR/print.log" 2>&1 || fail "--print-config failed"
no_secret "$E2E_DIR/print.log"
grep -q "password: \"\*\*\*\*\*\*\*\*\" *# from file $E2E_DIR/kafka.pw" "$E2E_DIR/print.log" ||
  fail "--print-config does not show where kafka.sasl.password came from: $(grep -n password "$E2E_DIR/print.log")"
grep -q "mode: verify_identity" "$E2E_DIR/print.log" || fail "a CA without a mode should mean verify_identity"

# --check: what each connection negotiated.
tor_clean --config "$E2E_DIR/tor.yaml" --check >"$E2E_DIR/check.log" 2>&1 || fail "--check failed: $(cat "$E2E_DIR/check.log")"
grep -E "^ok +mysql .*TLSv1\.[23] .*server identity verified" "$E2E_DIR/check.log" >/dev/null ||
  fail "--check does not report MySQL's TLS: $(cat "$E2E_DIR/check.log")"
grep -E "^ok +kafka .*over sasl_ssl \(SCRAM-SHA-256 as tor\), broker certificates and host names verified" \
  "$E2E_DIR/check.log" >/dev/null || fail "--check does not say how Kafka connected: $(cat "$E2E_DIR/check.log")"
grep -E "^ok +state .*tls://localhost:$TOR_TLS_REDIS_PORT" "$E2E_DIR/check.log" >/dev/null ||
  fail "--check does not report Redis over TLS: $(cat "$E2E_DIR/check.log")"
no_secret "$E2E_DIR/check.log"

# The pipeline: rows in, messages out, checkpoint in Redis.
start_tor
for i in 1 2 3; do
  mysql_root "$E2E_DB" -e "INSERT INTO outbox VALUES (UUID(), 'order', 'order-$i', 'created', '{\"n\":$i}')"
done
out=""
for _ in $(seq 30); do
  out=$(kcat_tls -C -t "$E2E_TOPIC" -o beginning -e -q -f '%k\t%s\n' 2>/dev/null || true)
  (($(grep -c . <<<"$out") >= 3)) && break
  sleep 1
done
for i in 1 2 3; do
  grep -qx "order-$i"$'\t'"{\"n\":$i}" <<<"$out" || fail "order-$i was not published over TLS; got:
$out"
done
stop_tor
checkpoint=$(redis_tls GET "$E2E_REDIS_KEY")
[[ $checkpoint == *'"file"'* || $checkpoint == *position* ]] || fail "no checkpoint in Redis over TLS: $checkpoint"
no_secret "$E2E_DIR/tor.log"
note "events flowed over TLS to all three servers"

# expect_start_failure NAME PATTERN [SED-EXPRESSION...]: tor with the good
# configuration edited must exit non-zero at start, its log matching PATTERN.
expect_start_failure() {
  local name=$1 pattern=$2 rc=0; shift 2
  local cfg=$E2E_DIR/$name.yaml log=$E2E_DIR/$name.log
  write_tls_config "$cfg" "$@"
  sed -i "s/^  port: $TOR_HTTP_PORT/  port: 0/" "$cfg"
  timeout 60 env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$TOR_BIN" --config "$cfg" >"$log" 2>&1 || rc=$?
  ((rc == 3)) || fail "$name: tor should fail at start with status 3, not $rc: $(tail -n 5 "$log")"
  grep -qE -- "$pattern" "$log" || fail "$name: the error does not match /$pattern/: $(grep -E 'cannot start|error' "$log" | tail -n 3)"
  no_secret "$log"
  note "$name: $(grep -m1 -oE 'cannot start.*' "$log" | cut -c1-230)"
}

# MySQL/MariaDB
expect_start_failure mysql-wrong-ca "MySQL/MariaDB at localhost:$TOR_TLS_MYSQL_PORT.*not issued by the CA" \
  "0,\\|ca: $C/ca.pem|s||ca: $C/other-ca.pem|"
expect_start_failure mysql-wrong-host "MySQL/MariaDB at 127.0.0.1:$TOR_TLS_MYSQL_PORT.*does not name host '127.0.0.1'" \
  "0,/host: localhost/s//host: 127.0.0.1/"
expect_start_failure mysql-plaintext "MySQL/MariaDB at localhost:$TOR_TLS_MYSQL_PORT.*Access denied.*mysql.tls.mode" \
  "0,\\|    ca: $C/ca.pem|s||    mode: disabled|"
expect_start_failure mysql-no-tls "MySQL/MariaDB at localhost:$TOR_MYSQL_PORT as 'tor': the server does not offer TLS, and mysql.tls.mode is required" \
  "s|port: $TOR_TLS_MYSQL_PORT|port: $TOR_MYSQL_PORT|" "0,\\|    ca: $C/ca.pem|s||    mode: required|"
# Kafka
expect_start_failure kafka-wrong-ca "kafka: cannot connect to localhost:$TOR_TLS_KAFKA_SASL_PORT: .*(certificate verify failed|could not be verified)" \
  "/^kafka:/,/^redis:/s|ca: $C/ca.pem|ca: $C/other-ca.pem|"
expect_start_failure kafka-wrong-host "kafka: cannot connect to 127.0.0.1:$TOR_TLS_KAFKA_SASL_PORT: .*(certificate verify failed|could not be verified)" \
  "s|localhost:$TOR_TLS_KAFKA_SASL_PORT|127.0.0.1:$TOR_TLS_KAFKA_SASL_PORT|"
expect_start_failure kafka-wrong-password "kafka: cannot connect to localhost:$TOR_TLS_KAFKA_SASL_PORT: .*SASL authentication error.*check the SASL username and password" \
  "s|$E2E_DIR/kafka.pw|$E2E_DIR/wrong.pw|"
# Redis
expect_start_failure redis-wrong-ca "Redis key '$E2E_REDIS_KEY' at tls://localhost:$TOR_TLS_REDIS_PORT.*certificate rejected" \
  "/^redis:/,/^outbox:/s|ca: $C/ca.pem|ca: $C/other-ca.pem|"
expect_start_failure redis-wrong-host "at tls://127.0.0.1:$TOR_TLS_REDIS_PORT.*does not name 127.0.0.1" \
  "/^redis:/,/^outbox:/s|host: localhost|host: 127.0.0.1|"
expect_start_failure redis-expired "at tls://localhost:$TOR_TLS_REDIS_EXPIRED_PORT.*certificate has expired" \
  "s|port: $TOR_TLS_REDIS_PORT|port: $TOR_TLS_REDIS_EXPIRED_PORT|"
expect_start_failure redis-wrong-password "at tls://localhost:$TOR_TLS_REDIS_PORT.*(WRONGPASS|invalid username-password)" \
  "s|$E2E_DIR/redis.pw|$E2E_DIR/wrong.pw|"
note "every bad certificate and credential failed at start with its reason"
