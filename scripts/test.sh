#!/usr/bin/env bash
# test.sh - the one command that runs every test on a fresh machine.
#
# Installs what is missing (scripts/install-deps.sh), builds, starts a private
# MariaDB, Kafka and Redis under a temp dir on private ports
# (scripts/servers.sh), runs the whole CTest suite (unit, compile-fail,
# package, mysql, kafka, redis, e2e), rebuilds the unit tests under
# ASan/UBSan and runs them, fuzzes every parser of outside bytes for a bounded time, then
# stops the servers.
#
#   scripts/test.sh                 everything
#   TOR_TEST_SANITIZE=0             skip the sanitizer pass
#   TOR_TEST_TSAN=0                 skip the ThreadSanitizer pass (default: as TOR_TEST_SANITIZE)
#   TOR_FUZZ_SECONDS=60             fuzzing time (0 skips it)
#   TOR_TEST_LABELS='unit|mysql'    only these CTest labels (regex)
#   TOR_TEST_CHAOS=0                skip the fault campaigns (label chaos: chaos.short ~5 min, chaos.failover ~2 min,
#                                   chaos.exactly_once ~2 min)
#   TOR_TEST_TLS=0                  skip the servers that refuse plaintext
#                                   (scripts/tls-servers.sh) and the tests needing them
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${TOR_BUILD_DIR:-$ROOT/build/rel}  # shared with scripts/demo.sh
SAN_BUILD=${TOR_SAN_BUILD_DIR:-$ROOT/build/sanitize}
TSAN_BUILD=${TOR_TSAN_BUILD_DIR:-$ROOT/build/tsan}
LABELS=${TOR_TEST_LABELS:-}
JOBS=${TOR_JOBS:-$(nproc)}
log() { echo "[test] $*" >&2; }

scripts/install-deps.sh

log "building in $BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$JOBS"

# Private servers for this run only.
export TOR_RUN_DIR
TOR_RUN_DIR=$(mktemp -d /tmp/tor-test.XXXXXX)
export TOR_MYSQL_PORT=${TOR_MYSQL_PORT:-43306}
export TOR_KAFKA_PORT=${TOR_KAFKA_PORT:-49092}
export TOR_REDIS_PORT=${TOR_REDIS_PORT:-46379}
cleanup() {
  scripts/tls-servers.sh stop >/dev/null 2>&1 || true
  scripts/servers.sh stop all >/dev/null 2>&1 || true
  rm -rf "$TOR_RUN_DIR"
}
trap cleanup EXIT
scripts/servers.sh start all
eval "$(scripts/servers.sh env)"
if [[ ${TOR_TEST_TLS:-1} != 0 ]]; then
  # MariaDB, Kafka and Redis that refuse plaintext, with a throwaway CA
  # (~40 s). Ports near the plaintext servers' unless set (clear of the ports
  # bench-smoke and the fault campaign use).
  export TOR_TLS_MYSQL_PORT=${TOR_TLS_MYSQL_PORT:-$((TOR_MYSQL_PORT + 200))}
  export TOR_TLS_KAFKA_SSL_PORT=${TOR_TLS_KAFKA_SSL_PORT:-$((TOR_KAFKA_PORT + 500))}
  export TOR_TLS_KAFKA_SASL_PORT=${TOR_TLS_KAFKA_SASL_PORT:-$((TOR_KAFKA_PORT + 501))}
  export TOR_TLS_KAFKA_CONTROLLER_PORT=${TOR_TLS_KAFKA_CONTROLLER_PORT:-$((TOR_KAFKA_PORT + 502))}
  export TOR_TLS_REDIS_PORT=${TOR_TLS_REDIS_PORT:-$((TOR_REDIS_PORT + 200))}
  export TOR_TLS_REDIS_EXPIRED_PORT=${TOR_TLS_REDIS_EXPIRED_PORT:-$((TOR_REDIS_PORT + 201))}
  scripts/tls-servers.sh start
  eval "$(scripts/tls-servers.sh env)"
fi

status=0
label_args=()
[[ -n $LABELS ]] && label_args=(-L "$LABELS")
log "tests without servers (parallel)"
(cd "$BUILD" && ctest --output-on-failure -j "$JOBS" -L 'unit|compile-fail' "${label_args[@]}") || status=1
log "tests against the real servers (one at a time: some restart a server)"
server_labels_out='unit|compile-fail|chaos'
[[ ${TOR_TEST_TLS:-1} != 0 ]] || server_labels_out+='|tls'  # no TLS servers were started
(cd "$BUILD" && ctest --output-on-failure -LE "$server_labels_out" "${label_args[@]}") || status=1
# Last: the fault campaign kills and restarts the servers (docs/reliability.md).
if [[ ${TOR_TEST_CHAOS:-1} != 0 && ( -z $LABELS || chaos =~ ^($LABELS)$ ) ]]; then
  log "the fault campaign, short profile (tests/chaos)"
  (cd "$BUILD" && ctest --output-on-failure -L chaos) || status=1
fi

if [[ ${TOR_TEST_SANITIZE:-1} != 0 ]]; then
  log "unit tests under ASan/UBSan in $SAN_BUILD"
  cmake -S . -B "$SAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTOR_SANITIZE=ON \
    -DTOR_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$SAN_BUILD" -j "$JOBS"
  (cd "$SAN_BUILD" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j "$JOBS" -L unit -E '^package:') || status=1
fi

if [[ ${TOR_TEST_TSAN:-${TOR_TEST_SANITIZE:-1}} != 0 ]]; then
  # Only the executables whose code runs threads: the router, the Kafka
  # dispatcher's callbacks (mock cluster and real broker), the binlog
  # source's reader and its event queue (real MariaDB), the service's HTTP
  # and lag threads, and the whole service in the e2e pipeline.
  tsan_tests=(core_unit kafka_mock_test tor_service_unit mysql_it kafka_broker_test)
  log "threaded tests under ThreadSanitizer in $TSAN_BUILD"
  cmake -S . -B "$TSAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTOR_TSAN=ON \
    -DTOR_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$TSAN_BUILD" -j "$JOBS" --target "${tsan_tests[@]}" tor_service
  scripts/servers.sh start all >/dev/null  # up again if the fault campaign left one down (no-op otherwise)
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$ROOT/tests/tsan.supp"
  (cd "$TSAN_BUILD" && ctest --output-on-failure -R "^($(IFS='|'; echo "${tsan_tests[*]}")):") || status=1
  TOR_BIN=$TSAN_BUILD/examples/tor/tor TOR_API_BIN=$BUILD/examples/api-server/tor-api-server \
    bash tests/e2e/pipeline.sh || status=1
  unset TSAN_OPTIONS
fi

if [[ ${TOR_FUZZ_SECONDS:-60} != 0 && -x tests/fuzz/run.sh ]]; then
  log "fuzzing the parsers for ${TOR_FUZZ_SECONDS:-60} s"
  tests/fuzz/run.sh "${TOR_FUZZ_SECONDS:-60}" || status=1
fi

if ((status)); then log "FAILED"; else log "all tests passed"; fi
exit $status
