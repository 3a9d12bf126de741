#!/usr/bin/env bash
# run.sh - the fault campaign (chaos.py) against the servers scripts/servers.sh
# started, with the built tor and toxiproxy (scripts/toxiproxy.sh).
#
#   tests/chaos/run.sh [short|long] [chaos.py options...]
#
# The servers' settings come from the environment (TOR_RUN_DIR, TOR_MYSQL_PORT,
# TOR_KAFKA_PORT, TOR_REDIS_PORT, as for scripts/servers.sh). The campaign
# kills and restarts those servers (kill -9, then `servers.sh start` on the
# same data) and restarts Kafka once with a second listener for the proxy.
#   TOR_BIN               the tor executable (default build/rel/examples/tor/tor)
#   TOR_CHAOS_PORT_BASE   first of 7 consecutive free ports: toxiproxy's API,
#                         its 3 proxies, the broker's proxied listener, tor's HTTP
#                         (two with --ha); default: 7 free ones found in 10000-19999
#   TOR_CHAOS_RESULT      write the table (.md) and the result (.json) there
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
profile=${1:-short}
(($#)) && shift
eval "$("$ROOT/scripts/servers.sh" env)"
export TOR_BIN=${TOR_BIN:-$ROOT/build/rel/examples/tor/tor}
TOR_TOXIPROXY_BIN=$("$ROOT/scripts/toxiproxy.sh" path)
export TOR_TOXIPROXY_BIN
if [[ -z ${TOR_CHAOS_PORT_BASE:-} ]]; then
  TOR_CHAOS_PORT_BASE=$("$ROOT/scripts/free-port.sh" 7) || exit 1
  export TOR_CHAOS_PORT_BASE
fi
result=()
[[ -n ${TOR_CHAOS_RESULT:-} ]] && result=(--result "$TOR_CHAOS_RESULT")
# Debian's python3: its python3-confluent-kafka and python3-mysqldb (scripts/install-deps.sh).
exec /usr/bin/python3 -u "$ROOT/tests/chaos/chaos.py" --profile "$profile" --repo "$ROOT" "${result[@]}" "$@"
