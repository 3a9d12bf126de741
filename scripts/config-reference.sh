#!/usr/bin/env bash
# Regenerates the reference section of docs/configuration.md (between its
# BEGIN/END GENERATED markers) from `tor --print-reference`, which reads the
# option descriptions next to each options struct. The unit test
# "docs/configuration.md lists every key with its default" fails until this
# is run after an option changes.
#   scripts/config-reference.sh [path/to/tor]   (default: build/rel/examples/tor/tor)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tor=${1:-$root/build/rel/examples/tor/tor}
doc=$root/docs/configuration.md
[[ -x $tor ]] || { echo "config-reference: $tor is not an executable tor; build it or pass its path" >&2; exit 2; }
reference=$(mktemp)
trap 'rm -f "$reference" "$reference.doc"' EXIT
"$tor" --print-reference >"$reference"
awk -v ref="$reference" '
  /^<!-- BEGIN GENERATED: tor --print-reference -->$/ { print; while ((getline line < ref) > 0) print line; skip = 1; found++; next }
  /^<!-- END GENERATED -->$/ { skip = 0 }
  !skip { print }
  END { if (found != 1) exit 3 }
' "$doc" >"$reference.doc" || { echo "config-reference: $doc lacks the GENERATED markers" >&2; exit 3; }
mv "$reference.doc" "$doc"
