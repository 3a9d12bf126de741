#!/usr/bin/env bash
# Prints a TCP port on 127.0.0.1 that nothing listens on, picked at random in
# 10000-19999: below Linux's ephemeral range (32768-60999), so no outgoing
# connection can take it between this probe and the caller's bind, and clear
# of the servers' default ports. With a count N, the port starts a run of N
# consecutive free ones (all within 10000-19999). Exits 1 when 100 tries found
# none. For test and benchmark scripts that start processes side by side:
#   port=$(scripts/free-port.sh) || die "no free port"
#   base=$(scripts/free-port.sh 7) || die "no 7 consecutive free ports"
set -uo pipefail
n=${1:-1}
for ((i = 0; i < 100; i++)); do
  p=$((10000 + RANDOM % (10001 - n)))
  for ((q = p; q < p + n; q++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$q") 2>/dev/null && continue 2
  done
  echo "$p"
  exit 0
done
echo "free-port.sh: no run of $n free port(s) found in 10000-19999 after 100 tries" >&2
exit 1
