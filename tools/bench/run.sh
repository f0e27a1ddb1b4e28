#!/usr/bin/env bash
# Builds the release preset, runs detsim-bench once (5 repetitions of each
# benchmark, interleaved; the JSON keeps every repetition), writes the JSON
# results and prints every workload's ratio to its bare baseline (medians,
# and best repetitions). See README.md.
#
#   tools/bench/run.sh                     # -> build/release/bench-results.json
#   tools/bench/run.sh --benchmark_filter=ping_pong   # extra flags pass through
#   DETSIM_BENCH_OUT=/tmp/r.json tools/bench/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${DETSIM_BENCH_OUT:-build/release/bench-results.json}"

cmake --preset release >/dev/null
cmake --build --preset release -j2 --target detsim-bench
build/release/tools/detsim-bench \
  --benchmark_out="$out" --benchmark_out_format=json \
  --benchmark_repetitions="${DETSIM_BENCH_REPETITIONS:-5}" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_display_aggregates_only=true \
  "$@"
echo "results: $out (commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo ', plus uncommitted changes'))"
python3 tools/bench/ratios.py "$out"
