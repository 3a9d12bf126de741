#!/usr/bin/env bash
# The Debian package of the service, as an operator meets it: built with
# CPack, installed with dpkg -i, `tor --version` and `tor --check` (with the
# shipped /etc/tor/tor.yaml, servers given by TOR_* variables) run from it,
# the systemd unit verified, then removed (conffiles kept) and purged
# (nothing left). Needs root and the servers of scripts/servers.sh.
#   tests/package/deb.sh BUILD_DIR
set -euo pipefail
build=$1
fail() { echo "deb: FAIL: $*" >&2; exit 1; }
((EUID == 0)) || { echo "deb: needs root for dpkg -i; skipped"; exit 77; }
: "${TOR_MYSQL_PORT:?servers not started}" "${TOR_KAFKA_BROKERS:?}" "${TOR_REDIS_PORT:?}"

exec 9>/tmp/tor-deb-test.lock
flock 9  # one install at a time on this machine
dpkg -s tor-outbox-router >/dev/null 2>&1 && fail "tor-outbox-router is already installed here; remove it first"
[[ ! -e /usr/bin/tor ]] || fail "/usr/bin/tor exists and belongs to another package"

out=$build/deb
rm -rf "$out"
(cd "$build" && cpack -G DEB -B "$out" >"$build/cpack.log" 2>&1) || { cat "$build/cpack.log"; fail "cpack"; }
debs=("$out"/tor-outbox-router_*.deb)
deb=${debs[0]}
[[ -f $deb ]] || fail "no package in $out"
echo "deb: built $(basename "$deb")"

# What is in it: the binary, the unit, the conffiles, shared-library dependencies.
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/tor ./usr/lib/systemd/system/tor-outbox-router.service ./etc/tor/tor.yaml \
         ./etc/default/tor-outbox-router ./usr/share/doc/tor-outbox-router/configuration.md; do
  grep -q " $f\$" <<<"$contents" || fail "$f is not in the package: $contents"
done
grep -q '^usr/include\|/include/tor/' <<<"$contents" && fail "the headers went into the service package"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libmariadb3 librdkafka1 libhiredis libre2; do
  [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
[[ $(dpkg-deb -f "$deb" Conflicts) == tor ]] || fail "Conflicts: tor missing"
[[ $(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles) == $'/etc/tor/tor.yaml\n/etc/default/tor-outbox-router' ]] ||
  fail "conffiles"

dpkg -i "$deb" >/dev/null || fail "dpkg -i"
trap 'dpkg -P tor-outbox-router >/dev/null 2>&1 || true' EXIT
version=$(/usr/bin/tor --version) || fail "tor --version"
[[ $version == "tor $(dpkg-deb -f "$deb" Version)"* ]] || fail "tor --version said: $version"
echo "deb: $version"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /usr/lib/systemd/system/tor-outbox-router.service || fail "systemd-analyze verify"
fi

# --check from the installed package, with the shipped settings file and the
# test servers in the environment (as /etc/default/tor-outbox-router would give them).
rc=0
report=$(env -i PATH=/usr/bin:/bin TOR_MYSQL_PORT="$TOR_MYSQL_PORT" TOR_MYSQL_USER=tor TOR_MYSQL_PASSWORD=tor \
  TOR_KAFKA_BROKERS="$TOR_KAFKA_BROKERS" TOR_REDIS_PORT="$TOR_REDIS_PORT" TOR_REDIS_KEY="tor:deb-test:$$" \
  TOR_KAFKA_CREATE_TOPICS=true /usr/bin/tor --config /etc/tor/tor.yaml --check) || rc=$?
echo "$report"
((rc == 0)) || fail "tor --check exited $rc"
for part in config mysql kafka state; do
  grep -q "^ok   $part " <<<"$report" || fail "--check did not report $part ok"
done

# Remove: the program and unit go, the edited settings stay; purge: all goes.
dpkg -r tor-outbox-router >/dev/null || fail "dpkg -r"
[[ ! -e /usr/bin/tor && ! -e /usr/lib/systemd/system/tor-outbox-router.service ]] || fail "files left after remove"
[[ -f /etc/tor/tor.yaml ]] || fail "dpkg -r deleted the conffile /etc/tor/tor.yaml"
dpkg -P tor-outbox-router >/dev/null || fail "dpkg -P"
[[ ! -e /etc/tor/tor.yaml && ! -e /etc/default/tor-outbox-router ]] || fail "conffiles left after purge"
[[ ! -e /etc/tor ]] || fail "/etc/tor left after purge"
dpkg -s tor-outbox-router >/dev/null 2>&1 && fail "still known to dpkg after purge"
trap - EXIT
echo "deb: ok"
