#!/usr/bin/env bash
# Starts or stops the second MariaDB the MINIMAL-metadata tests use: its
# own run dir ($TOR_RUN_DIR/minimal) and port ($TOR_MYSQL_MINIMAL_PORT, else
# $TOR_MYSQL_PORT + 10), --binlog-row-metadata=MINIMAL. CTest runs it as
# the fixture around those tests.
set -euo pipefail
: "${TOR_RUN_DIR:?run the MariaDB integration tests through scripts/test.sh}"
: "${TOR_MYSQL_PORT:?run the MariaDB integration tests through scripts/test.sh}"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export TOR_MYSQL_PORT=${TOR_MYSQL_MINIMAL_PORT:-$((TOR_MYSQL_PORT + 10))}
export TOR_RUN_DIR=$TOR_RUN_DIR/minimal
export TOR_MYSQL_EXTRA_ARGS=--binlog-row-metadata=MINIMAL
exec "$repo/scripts/servers.sh" "${1:?start|stop}" mariadb
