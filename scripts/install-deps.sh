#!/usr/bin/env bash
# install-deps.sh - install everything Tor needs to build and test (Debian 12).
#
# Installs the Debian packages below (build toolchain, client libraries, the
# MariaDB / Redis servers, kcat, Java + Maven for the Kafka broker), then
# fetches the Apache Kafka broker jars from Maven Central (scripts/kafka/fetch.sh).
# Idempotent and fast when everything is there: packages are checked with
# dpkg-query first and apt-get runs only for missing ones (apt-get update only
# then, too); the Kafka jars are cached (see fetch.sh).
# The fault campaign (tests/chaos) also needs toxiproxy, a Go program, built
# once with `go install` into ~/.cache/tor/bin (scripts/toxiproxy.sh finds it).
# Set TOR_SKIP_KAFKA_FETCH=1 to install the packages only;
# TOR_SKIP_TOXIPROXY=1 to skip toxiproxy.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libmariadb-dev mariadb-server mariadb-client libzstd-dev
  librdkafka-dev kcat
  libhiredis-dev libssl-dev redis-server
  libboost-dev librange-v3-dev libre2-dev catch2 libbenchmark-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev libcpp-httplib-dev nlohmann-json3-dev libjemalloc-dev
  clang-14 libclang-rt-14-dev
  openjdk-17-jre-headless maven
  curl
  python3-confluent-kafka python3-mysqldb
)

log() { echo "[install-deps] $*" >&2; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$pkg")
done

if ((${#missing[@]})); then
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || { log "need root (or sudo) to install: ${missing[*]}"; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  log "all ${#PACKAGES[@]} Debian packages already installed"
fi

# The Debian packages enable the system mariadb/redis services; Tor's tests run
# their own private instances (scripts/servers.sh) and do not need them.

if [[ ${TOR_SKIP_KAFKA_FETCH:-0} != 1 ]]; then
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  home=$("$here/kafka/fetch.sh")
  log "Kafka $(cat "$home/version") jars in $home/libs"
fi

if [[ ${TOR_SKIP_TOXIPROXY:-0} != 1 ]]; then
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  "$here/toxiproxy.sh" install
fi
