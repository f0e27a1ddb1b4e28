#!/usr/bin/env python3
"""Checks the exploration targets against detsim-explore-bench's output.

Reads the bench's stdout (one tab-separated line per cell) from the files
given, and prints a markdown table: per program, the best single strategy's
median runs to the first failure, the default mix's (swarm), their ratio,
and whether the mix found the bug for every base seed. The targets
(tools/bench/results/exploration.md): the mix finds every bug within the
cap, and its median is never worse than 2x the best single strategy's.

Usage: summarize.py BENCH_LOG [BENCH_LOG...]
"""
import sys


def parse(paths):
    cells = {}  # program -> strategy -> (found, tried, median or None)
    order = []
    for path in paths:
        with open(path) as lines:
            for line in lines:
                fields = line.rstrip("\n").split("\t")
                if len(fields) < 3:
                    continue
                program, strategy = fields[0], fields[1]
                if program not in cells:
                    cells[program] = {}
                    order.append(program)
                if strategy.startswith("dfs:"):
                    median = None if fields[2].startswith(">") else int(fields[2])
                    found = 1 if median is not None else 0
                    cells[program][strategy] = (found, 1, median)
                else:
                    found, tried = fields[2].split()[1].split("/")
                    value = fields[3].split(" ", 1)[1]
                    median = None if value.startswith(">") else int(value)
                    cells[program][strategy] = (int(found), int(tried), median)
    return order, cells


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: summarize.py BENCH_LOG [BENCH_LOG...]")
    order, cells = parse(sys.argv[1:])
    print("| program | best single strategy (median) | swarm median | ratio | swarm found | targets |")
    print("|---|---|---|---|---|---|")
    met = 0
    for program in order:
        row = cells[program]
        singles = [(median, strategy) for strategy, (_, _, median) in row.items()
                   if strategy != "swarm" and median is not None]
        best_median, best_strategy = min(singles) if singles else (None, "-")
        found, tried, swarm = row.get("swarm", (0, 0, None))
        ratio = swarm / best_median if swarm and best_median else None
        ok = found == tried and tried > 0 and ratio is not None and ratio <= 2.0
        met += ok
        ties = sorted(s for m, s in singles if m == best_median)
        print(f"| {program} | {', '.join(ties)} ({best_median}) | {swarm} | "
              f"{'%.2f' % ratio if ratio else '-'} | {found}/{tried} | {'met' if ok else 'MISSED'} |")
    print(f"\nBoth targets met on {met} of {len(order)} programs.")


if __name__ == "__main__":
    main()
