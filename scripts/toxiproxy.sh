#!/usr/bin/env bash
# toxiproxy.sh - the TCP proxy the fault campaign (tests/chaos) puts between
# tor and each server to inject latency, connection resets and black holes.
#
#   scripts/toxiproxy.sh install   build it once with `go install` (Go module
#                                  github.com/Shopify/toxiproxy/v2, pinned) into
#                                  $TOR_CACHE_DIR/bin (default ~/.cache/tor/bin)
#   scripts/toxiproxy.sh path      print the server binary's path (installs if missing)
#
# Idempotent and instant when the binary is there.
set -euo pipefail

VERSION=v2.12.0
BIN_DIR=${TOR_CACHE_DIR:-$HOME/.cache/tor}/bin
BIN=$BIN_DIR/toxiproxy-server-${VERSION#v}

log() { echo "[toxiproxy] $*" >&2; }

install() {
  [[ -x $BIN ]] && return 0
  command -v go >/dev/null || { log "go not found: install Go (https://go.dev/dl) to build toxiproxy"; exit 1; }
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  log "building toxiproxy $VERSION with go install"
  GOBIN=$tmp GOFLAGS=-mod=mod go install "github.com/Shopify/toxiproxy/v2/cmd/server@$VERSION" >&2
  mkdir -p "$BIN_DIR"
  mv "$tmp/server" "$BIN"
  log "installed $BIN"
}

case ${1:-} in
  install) install ;;
  path) install; echo "$BIN" ;;
  *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
