#!/usr/bin/env bash
# Compares two detsim-bench binaries in interleaved rounds: each round runs
# the filtered benchmarks once with each binary, so both see the same
# machine (on a shared VM the same benchmark drifts by 10-30% between runs).
# Prints a Markdown table of the median time per operation of each.
#
#   tools/bench/compare.sh OLD_BINARY NEW_BINARY [FILTER] [ROUNDS]
#   tools/bench/compare.sh /tmp/base/build/release/tools/detsim-bench \
#       build/release/tools/detsim-bench '^detsim/(ping_pong|call_soon)' 5
#
# Build the old one from a worktree: git worktree add /tmp/base <commit> &&
# (cd /tmp/base && cmake --preset release -DDETSIM_BUILD_TESTS=OFF &&
#  cmake --build build/release --target detsim-bench)
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
old=$1
new=$2
filter=${3:-.}
rounds=${4:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {  # side round
  local binary=$old
  [ "$1" = new ] && binary=$new
  "$binary" --benchmark_filter="$filter" --benchmark_min_time=0.3 --benchmark_format=json 2>/dev/null >"$out/$1.$2.json" || true
}
for round in $(seq 1 "$rounds"); do
  # Alternate which goes first, so that neither always follows the other.
  if [ $((round % 2)) -eq 1 ]; then run old "$round"; run new "$round"; else run new "$round"; run old "$round"; fi
done
python3 - "$out" "$rounds" <<'PY'
import collections, json, statistics, sys
folder, rounds = sys.argv[1], int(sys.argv[2])
times = collections.defaultdict(lambda: collections.defaultdict(list))
for side in ("old", "new"):
    for round_number in range(1, rounds + 1):
        with open(f"{folder}/{side}.{round_number}.json") as results:
            text = results.read()
        # A binary with no benchmark matching the filter prints nothing.
        if text.strip():
            for benchmark in json.loads(text)["benchmarks"]:
                if "time_per_op" in benchmark:
                    times[benchmark["name"]][side].append(benchmark["time_per_op"] * 1e9)
print(f"| benchmark | old ns/op | new ns/op | change | ({rounds} interleaved rounds, medians) |")
print("|---|---|---|---|---|")
def median(values):
    return statistics.median(values) if values else None
for name, sides in times.items():
    old, new = median(sides["old"]), median(sides["new"])
    change = f"{100 * (new - old) / old:+.0f}%" if old and new else "in one binary only"
    shown = [f"{value:.1f}" if value else "-" for value in (old, new)]
    print(f"| {name} | {shown[0]} | {shown[1]} | {change} | |")
PY
