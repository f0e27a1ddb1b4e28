#!/usr/bin/env python3
"""Prints detsim-bench results as a table of ratios to their bare baselines.

Usage: ratios.py RESULTS.json [--markdown]

RESULTS.json is Google Benchmark's --benchmark_out JSON from ONE run of
detsim-bench. Each detsim benchmark carries a label "baseline=<name>"; its
ratio is its time per operation divided by that baseline's, both from this
file. With --benchmark_repetitions the median of each is used (otherwise the
single run). The core issue's target is ratio <= 2.0 for every workload.
Exit status: 0, or 2 if the file lacks a baseline a workload names.
"""
import json
import sys


def figures(results):
    """name -> (ns per op, allocations per op, label), medians preferred."""
    chosen = {}
    for bench in results["benchmarks"]:
        name = bench.get("run_name", bench["name"])
        aggregate = bench.get("aggregate_name")
        if aggregate not in (None, "median"):
            continue
        if name in chosen and aggregate is None and chosen[name][3] == "median":
            continue
        ns = bench["time_per_op"] * 1e9
        chosen[name] = (ns, bench.get("allocs_per_op", 0.0), bench.get("label", ""), aggregate)
    return chosen


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 1
    markdown = "--markdown" in argv[2:]
    with open(argv[1]) as f:
        results = json.load(f)
    data = figures(results)
    rows = []
    missing = False
    for name, (ns, allocs, label, _) in data.items():
        if not label.startswith("baseline="):
            continue
        baseline = label[len("baseline="):]
        if baseline not in data:
            missing = True
            rows.append((name, ns, allocs, baseline, None, None))
            continue
        base_ns = data[baseline][0]
        rows.append((name, ns, allocs, baseline, base_ns, ns / base_ns))
    context = results.get("context", {})
    print(f"# {context.get('date', '?')} on {context.get('host_name', '?')}, "
          f"{context.get('num_cpus', '?')} cpus; medians: "
          f"{any(v[3] == 'median' for v in data.values())}")
    header = ("workload", "ns/op", "allocs/op", "baseline", "base ns/op", "ratio", "<=2x")
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
    else:
        print(f"{header[0]:34} {header[1]:>9} {header[2]:>9}  {header[3]:30} {header[4]:>10} {header[5]:>6} {header[6]}")
    for name, ns, allocs, baseline, base_ns, ratio in rows:
        base = f"{base_ns:.1f}" if base_ns is not None else "missing"
        r = f"{ratio:.2f}" if ratio is not None else "-"
        ok = "yes" if ratio is not None and ratio <= 2.0 else "NO"
        if markdown:
            print(f"| {name} | {ns:.1f} | {allocs:.3g} | {baseline} | {base} | {r} | {ok} |")
        else:
            print(f"{name:34} {ns:9.1f} {allocs:9.3g}  {baseline:30} {base:>10} {r:>6} {ok}")
    if not markdown:
        print()
        for name, (ns, allocs, label, _) in data.items():
            if not label:
                print(f"{name:34} {ns:9.1f} {allocs:9.3g}  (bare baseline)")
    return 2 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
