#!/usr/bin/env python3
"""Prints detsim-bench results as a table of ratios to their bare baselines.

Usage: ratios.py RESULTS.json [--markdown]

RESULTS.json is Google Benchmark's --benchmark_out JSON from ONE run of
detsim-bench. Each detsim benchmark carries a label "baseline=<name>"; its
ratio is its time per operation divided by that baseline's, both from this
file. A label may add " floor=<name>", the semantic floor of the workload
(semantic_floor.cpp): the column "vs floor" divides by its median. The
floors carry a baseline too, the one of their workload, so that the table
shows which targets the cheapest design known meets. With repetitions
(run.sh keeps every repetition in the JSON), the table shows the median of each benchmark's repetitions and the ratio of medians,
and also the ratio of the best (minimum) repetitions, which a shared, noisy
machine disturbs least. The core issue's target is ratio <= 2.0.
Benchmarks labelled "paired=<name>" measured themselves against <name> in
alternating batches (counters untraced_ns, recorded_ns, ratio); they get a
table of their own, with the median, lowest and highest ratio over the
repetitions.
Exit status: 0, or 2 if the file lacks a baseline that a workload names (or
a paired benchmark its counters).
"""
import json
import statistics
import sys


def collect(results):
    """name -> {"times": [ns per op of each repetition], "allocs": [...], "label": str}."""
    runs = {}
    aggregates = {}
    for bench in results["benchmarks"]:
        name = bench.get("run_name", bench["name"])
        entry = {"ns": bench.get("time_per_op", 0.0) * 1e9, "allocs": bench.get("allocs_per_op", 0.0),
                 "label": bench.get("label", ""), "paired": [bench.get(k) for k in ("recorded_ns", "untraced_ns", "ratio")],
                 "repetitions": bench.get("repetitions", 1)}
        if bench.get("run_type") == "aggregate":
            if bench.get("aggregate_name") == "median":
                aggregates[name] = entry
            continue
        runs.setdefault(name, []).append(entry)
    figures = {}
    for name in set(runs) | set(aggregates):
        # Without the repetitions (--benchmark_report_aggregates_only), only
        # the median is known: no best, no worst.
        only_median = name not in runs
        entries = runs.get(name) or [aggregates[name]]
        times = [e["ns"] for e in entries]
        figures[name] = {"median": statistics.median(times), "best": None if only_median else min(times),
                         "allocs": max(e["allocs"] for e in entries), "label": entries[0]["label"],
                         "repetitions": entries[0]["repetitions"] if only_median else len(times),
                         "paired": [e["paired"] for e in entries]}
    return figures


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 1
    markdown = "--markdown" in argv[2:]
    with open(argv[1]) as f:
        results = json.load(f)
    data = collect(results)
    context = results.get("context", {})
    repetitions = max(v["repetitions"] for v in data.values())
    print(f"# {context.get('date', '?')} on {context.get('host_name', '?')}, {context.get('num_cpus', '?')} cpus, "
          f"{repetitions} repetition(s); ns/op = median, allocs/op = worst repetition (median, if the file has "
          f"only aggregates)")
    header = ("workload", "ns/op", "allocs/op", "baseline", "base ns/op", "ratio", "best ratio", "<=2x", "vs floor")
    rows = []
    missing = False
    for name in sorted(data):
        figure = data[name]
        if not figure["label"].startswith("baseline="):
            continue
        parts = dict(part.split("=", 1) for part in figure["label"].split(" "))
        baseline = parts["baseline"]
        base = data.get(baseline)
        floor = data.get(parts["floor"]) if "floor" in parts else None
        missing = missing or base is None or ("floor" in parts and floor is None)
        ratio = figure["median"] / base["median"] if base else None
        best = figure["best"] / base["best"] if base and figure["best"] and base["best"] else None
        rows.append((name, f"{figure['median']:.1f}", f"{figure['allocs']:.3g}", baseline,
                     f"{base['median']:.1f}" if base else "missing", f"{ratio:.2f}" if base else "-",
                     f"{best:.2f}" if best else "-", "yes" if base and ratio <= 2.0 else "NO",
                     f"{figure['median'] / floor['median']:.2f}" if floor else ""))
    kinds = {"trace/": "(trace workload)", "seed/": "(per seed)"}
    bare = [(name, f"{v['median']:.1f}", f"{v['allocs']:.3g}",
             next((kind for prefix, kind in kinds.items() if name.startswith(prefix)), "(bare baseline)"),
             "", "", "", "", "")
            for name, v in sorted(data.items()) if not v["label"]]
    paired_header = ("workload", "ns/op", "against", "its ns/op", "ratio", "lowest", "highest", "<=2x")
    paired = []
    for name in sorted(data):
        figure = data[name]
        if not figure["label"].startswith("paired="):
            continue
        reps = [p for p in figure["paired"] if None not in p]
        if not reps:
            missing = True
            continue
        ratio = statistics.median(p[2] for p in reps)
        # One entry: the file holds only the median aggregate (no repetitions).
        spread = (f"{min(p[2] for p in reps):.2f}", f"{max(p[2] for p in reps):.2f}") if len(reps) > 1 else ("-", "-")
        paired.append((name, f"{statistics.median(p[0] for p in reps):.1f}", figure["label"][len("paired="):],
                       f"{statistics.median(p[1] for p in reps):.1f}", f"{ratio:.2f}", *spread,
                       "yes" if ratio <= 2.0 else "NO"))
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows + bare:
            print("| " + " | ".join(row) + " |")
        if paired:
            print()
            print("| " + " | ".join(paired_header) + " |")
            print("|" + "---|" * len(paired_header))
            for row in paired:
                print("| " + " | ".join(row) + " |")
    else:
        widths = (38, 8, 9, 31, 10, 6, 10, 4, 8)
        line = lambda row: " ".join(f"{c:<{w}}" if i in (0, 3) else f"{c:>{w}}" for i, (c, w) in
                                    enumerate(zip(row, widths)))
        print(line(header))
        for row in rows:
            print(line(row))
        print()
        for row in bare:
            print(line(row).rstrip())
        if paired:
            print("\n# measured in alternating batches, in the same iterations")
            paired_widths = (38, 8, 31, 10, 6, 7, 8, 4)
            paired_line = lambda row: " ".join(f"{c:<{w}}" if i in (0, 2) else f"{c:>{w}}" for i, (c, w) in
                                               enumerate(zip(row, paired_widths)))
            print(paired_line(paired_header))
            for row in paired:
                print(paired_line(row))
    return 2 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
