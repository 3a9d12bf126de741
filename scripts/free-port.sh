#!/usr/bin/env bash
# Prints a TCP port on 127.0.0.1 that nothing listens on, picked at random in
# 10000-19999: below Linux's ephemeral range (32768-60999), so no outgoing
# connection can take it between this probe and the caller's bind, and clear
# of the servers' default ports. Exits 1 when 100 tries found none. For test and benchmark scripts that start processes side by side:
#   port=$(scripts/free-port.sh) || die "no free port"
set -uo pipefail
for ((i = 0; i < 100; i++)); do
  p=$((10000 + RANDOM % 10000))
  (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; exit 0; }
done
echo "free-port.sh: no free port found in 10000-19999 after 100 tries" >&2
exit 1
