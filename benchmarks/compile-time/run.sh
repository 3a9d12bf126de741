#!/usr/bin/env bash
# What including the framework costs, in compiler CPU time (user seconds) and
# peak memory, medians of N runs (TOR_COMPILE_RUNS, default 3). No ccache:
# the compiler is run directly.
#
#   benchmarks/compile-time/run.sh consumer       tests/package/consumer/main.cpp
#                                                 (tor/tor.hpp + tor/testing.hpp and
#                                                 one router over the doubles), header-only
#                                                 and with tor::compiled, at -O0 and -O2 -g;
#                                                 and own_mapper.cpp here, the same with a
#                                                 lambda mapper, whose router tor::compiled
#                                                 does not carry
#   benchmarks/compile-time/run.sh tests <build>  every test file of a configured build
#                                                 tree (tests/ and examples/*/tests/),
#                                                 with its own flags (from
#                                                 <build>/compile_commands.json; configure
#                                                 with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
#
# User time counts the CPU the compiler used, so it holds better than wall
# time on a busy machine, but a loaded machine still inflates it: compare
# figures taken in one run.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${TOR_COMPILE_RUNS:-3}
cxx=${CXX:-g++-12}

# measure <label> <command...>: prints "<label> <median user s> <median peak MB>".
measure() {
  local label=$1 i t stats
  shift
  local times=() mems=()
  stats=$(mktemp)
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -o "$stats" -f '%U %M' "$@" >/dev/null 2>&1 || { echo "$label: the compile failed: $*" >&2; exit 1; }
    t=$(tail -n 1 "$stats")
    times+=("${t% *}")
    mems+=("${t#* }")
  done
  printf '%-60s %6.2f s %6d MB\n' "$label" \
    "$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")" \
    "$(($(printf '%s\n' "${mems[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p") / 1024))"
  rm -f "$stats"
}

case ${1:-} in
  consumer)
    src=$repo/tests/package/consumer/main.cpp
    out=$(mktemp)
    trap 'rm -f "$out"' EXIT
    for opt in "-O0" "-O2 -g"; do
      # shellcheck disable=SC2086 # $opt is two flags
      measure "consumer, header-only, $opt" "$cxx" -std=c++20 $opt -I"$repo/include" -c "$src" -o "$out"
      # shellcheck disable=SC2086
      measure "consumer, tor::compiled, $opt" "$cxx" -std=c++20 $opt -DTOR_SEPARATE_COMPILATION -I"$repo/include" \
        -c "$src" -o "$out"
      # shellcheck disable=SC2086
      measure "own mapper (router instantiated here), tor::compiled, $opt" "$cxx" -std=c++20 $opt \
        -DTOR_SEPARATE_COMPILATION -I"$repo/include" -c "$repo/benchmarks/compile-time/own_mapper.cpp" -o "$out"
    done
    ;;
  tests)
    build=${2:?usage: run.sh tests <build dir>}
    [[ -f $build/compile_commands.json ]] ||
      { echo "no $build/compile_commands.json: configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON" >&2; exit 2; }
    python3 - "$build/compile_commands.json" "$repo" <<'EOF' |
import json, re, sys
repo = sys.argv[2] + "/"
for e in json.load(open(sys.argv[1])):
    f = e["file"]
    rel = f[len(repo):] if f.startswith(repo) else ""
    # The tree's tests: tests/ and the examples' tests (the service's).
    if not (rel.startswith("tests/") or (rel.startswith("examples/") and "/tests/" in rel)):
        continue
    if "/fuzz/" in rel or "/package/" in rel:
        continue
    cmd = re.sub(r" -o \S+", " -o /dev/null", e["command"])
    cmd = re.sub(r"^\S*ccache\S* |^/usr/bin/cmake -E env \S+ \S+ \S+ \S*ccache ", "", cmd)
    print(e["directory"] + "\t" + f[len(repo):] + "\t" + cmd)
EOF
      while IFS=$'\t' read -r dir file cmd; do
        # The command is shell text (compile_commands.json quotes definitions
        # such as -DTOR_SOURCE_DIR=\"...\"), so the shell parses it.
        (cd "$dir" && eval "measure \"\$file\" $cmd")
      done
    ;;
  *)
    sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
