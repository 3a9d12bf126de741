#!/usr/bin/env bash
# fetch.sh - make sure an Apache Kafka broker + tools runtime is on disk.
#
# The jars come from Maven Central through Maven (scripts/kafka/pom.xml,
# `mvn dependency:copy-dependencies`); Maven caches them in ~/.m2 and this
# script copies them to
#     ${TOR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tor}/kafka-<version>/
#         libs/        all jars (java -cp "<home>/libs/*")
#         classpath    one line, the classpath to pass to java -cp
#         version      the Kafka version
# Versions tried in order: 3.9.1, then 3.9.0; only if Maven Central serves
# neither, the newest 4.x (with a warning). TOR_KAFKA_VERSION=X pins one
# version (no fallback). A second run finds the cache and does no network I/O.
#
# Usage: fetch.sh              print the Kafka home directory (fetches if needed)
#        fetch.sh --classpath  print the classpath (fetches if needed)
#        fetch.sh --cached     print the home directory if already fetched,
#                              exit 1 otherwise; never downloads
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${TOR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tor}
pinned=${TOR_KAFKA_VERSION:-}
if [[ -n $pinned ]]; then candidates=("$pinned"); else candidates=(3.9.1 3.9.0); fi

mode=home
case ${1:-} in
  "") ;;
  --classpath) mode=classpath ;;
  --cached) mode=cached ;;
  -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "fetch.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

log() { echo "[kafka-fetch] $*" >&2; }

# Print the home of an already complete fetch, preferring the candidates in
# order, then (unpinned only) the newest cached 4.x.
find_cached() {
  local v d
  for v in "${candidates[@]}"; do
    d=$cache_root/kafka-$v
    if [[ -f $d/.complete ]]; then echo "$d"; return 0; fi
  done
  if [[ -z $pinned ]]; then
    d=$(ls -d "$cache_root"/kafka-4.*/ 2>/dev/null | sed 's:/$::' | sort -V | tail -n1 || true)
    if [[ -n $d && -f $d/.complete ]]; then echo "$d"; return 0; fi
  fi
  return 1
}

# fetch_version VERSION_OR_RANGE [extra mvn args...] -> prints the new home.
fetch_version() {
  local want=$1; shift
  local tmp jar version dest
  tmp=$(mktemp -d "$cache_root/.fetch.XXXXXX")
  log "fetching Apache Kafka $want from Maven Central via Maven (first run, may take a minute)..."
  if ! mvn -B -q --no-transfer-progress -f "$here/pom.xml" \
        "-Dkafka.version=$want" "$@" \
        dependency:copy-dependencies -DincludeScope=runtime \
        "-DoutputDirectory=$tmp/libs" >"$tmp/mvn.log" 2>&1; then
    log "Maven could not fetch Kafka $want:"
    # (Maven 3.8 prefixes colour resets even in batch mode: match unanchored.)
    grep -m1 -o '\[ERROR\] Failed.*' "$tmp/mvn.log" | cut -c1-400 >&2 || tail -n 5 "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    return 1
  fi
  jar=$(ls "$tmp"/libs/kafka_2.13-*.jar 2>/dev/null | head -n1 || true)
  if [[ -z $jar ]]; then log "no kafka_2.13 jar in the Maven output"; rm -rf "$tmp"; return 1; fi
  version=${jar##*/kafka_2.13-}; version=${version%.jar}
  dest=$cache_root/kafka-$version
  echo "$version" >"$tmp/version"
  echo "$dest/libs/*" >"$tmp/classpath"
  rm -f "$tmp/mvn.log"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  touch "$dest/.complete"
  log "Kafka $version ready in $dest ($(ls "$dest/libs" | wc -l) jars)"
  echo "$dest"
}

emit() {
  local home=$1
  case $mode in
    classpath) cat "$home/classpath" ;;
    *) echo "$home" ;;
  esac
}

# Fast path: no lock, no JVM, no network.
if home=$(find_cached); then emit "$home"; exit 0; fi
if [[ $mode == cached ]]; then exit 1; fi

command -v mvn >/dev/null || { log "mvn not found (run scripts/install-deps.sh)"; exit 1; }
mkdir -p "$cache_root"
# Serialise concurrent fetches (parallel test runs, several engineers).
exec 9>"$cache_root/.fetch.lock"
flock 9
if home=$(find_cached); then emit "$home"; exit 0; fi

for v in "${candidates[@]}"; do
  extra=()
  [[ $v == 4.* ]] && extra=(-Dkafka4)
  if home=$(fetch_version "$v" "${extra[@]}"); then emit "$home"; exit 0; fi
done

if [[ -z $pinned ]]; then
  log "WARNING: Maven Central serves no Kafka 3.9.x; falling back to the newest 4.x"
  if home=$(fetch_version "[4.0.0,5.0.0)" -Dkafka4); then emit "$home"; exit 0; fi
fi
log "giving up: no Kafka runtime could be fetched"
exit 1
