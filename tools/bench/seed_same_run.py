#!/usr/bin/env python3
"""Per-seed benchmarks of three detsim-bench binaries, in interleaved rounds.

On the shared VM the speed of the same binary drifts by 2x within minutes
(the same seed/new_loop measured 441 ns on 2026-12-02 and 920-1100 ns on
2026-12-07), so a figure is only meaningful against a yardstick measured in
the same round. Each round runs the three binaries in turn (order reversed
every other round); the report gives each benchmark's median, and its
round-by-round ratio to the yardstick (the first binary's seed/new_loop).

  tools/bench/seed_same_run.py YARDSTICK PREVIOUS NEW [ROUNDS]

YARDSTICK: a build of ce74087, the commit whose seed/new_loop (441 ns then)
is the issue's "recording off" figure; PREVIOUS and NEW: the builds compared.
"""
import json
import statistics
import subprocess
import sys


def per_seed_ns(binary, pattern):
    out = subprocess.run([binary, f"--benchmark_filter={pattern}", "--benchmark_min_time=0.3",
                          "--benchmark_format=json"], capture_output=True, text=True, check=True).stdout
    return {b["name"].split("/")[1]: b["time_per_op"] * 1e9 for b in json.loads(out)["benchmarks"]
            if "time_per_op" in b}


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    yardstick, previous, new = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) == 5 else 30
    sides = [(yardstick, "yardstick", "^seed/new_loop"),
             (previous, "previous", "^seed/(new_loop|seed_runner)"),
             (new, "new", "^seed/(new_loop|renewed_loop|seed_runner)")]
    columns = {}
    for round_number in range(rounds):
        for binary, tag, pattern in (sides if round_number % 2 == 0 else sides[::-1]):
            for name, ns in per_seed_ns(binary, pattern).items():
                columns.setdefault(f"{tag} {name}", []).append(ns)
    base = columns["yardstick new_loop"]
    print(f"| benchmark | median ns per seed | ratio to the yardstick, median of {rounds} rounds (quartiles) |")
    print("|---|---|---|")
    for name, values in columns.items():
        ratios = sorted(a / b for a, b in zip(values, base))
        quarter = len(ratios) // 4
        print(f"| {name} | {statistics.median(values):.1f} | {statistics.median(ratios):.3f} "
              f"({ratios[quarter]:.3f}-{ratios[-quarter - 1]:.3f}) |")


if __name__ == "__main__":
    main()
