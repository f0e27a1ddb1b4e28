#!/usr/bin/env python3
"""detsim sweep's and detsim merge's coverage, run as a user runs them.

usage: sweep_coverage_cli_test.py DETSIM SWEEP_SCENARIOS WORK_DIR

DETSIM is the bundled command line; SWEEP_SCENARIOS the tests' own
(tests/cli/sweep_scenarios.cpp: coverage_points has a DETSIM_SOMETIMES
that never holds). Checks: the table's coverage block and the JSON Lines
coverage records (include/detsim/run/sweep_report.hpp) on a bundled
scenario; the unreached point named in both; --jobs 1, --jobs 2 and
--isolate give the same coverage; three shards merged give the unsharded
coverage, as a union (the shards share schedules and orderings, so a sum
would be more); a report cut in its coverage exits 2 naming the file.
"""
import json
import os
import re
import shutil
import subprocess
import sys

DETSIM, SCENARIOS, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
COVERAGE_TYPES = ("coverage", "point", "ordering", "schedules")
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def run(args, expect):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX")}
    result = subprocess.run(args, cwd=WORK, env=environment, capture_output=True, text=True, timeout=300)
    check(result.returncode == expect,
          f"{' '.join(args)}: exit {result.returncode}, expected {expect}\n{result.stdout}\n{result.stderr}")
    return result


def coverage_lines(path):
    """The report's coverage records, as parsed JSON, in file order."""
    lines = [json.loads(line) for line in open(os.path.join(WORK, path))]
    return [line for line in lines if line["type"] in COVERAGE_TYPES]


def coverage_block(table):
    """The table's coverage block: from 'coverage:' to the end of its point lines."""
    start = table.find("\ncoverage: ")
    if start < 0:
        return ""
    block = []
    for line in table[start + 1:].splitlines():
        if block and not line.startswith("  "):
            break
        block.append(line)
    return "\n".join(block)


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)

# A bundled scenario: the table's block and the JSON records, consistent.
fixed = run([DETSIM, "sweep", "lost-update-fixed", "--seeds", "1..300", "--jobs", "2", "--out", "fixed.jsonl", "-q"], 0)
block = coverage_block(fixed.stdout)
records = coverage_lines("fixed.jsonl")
summary = records[0] if records else {}
check(summary.get("type") == "coverage", f"the first coverage record is the 'coverage' line: {records[:1]}")
check(summary.get("seeds") == 300, f"coverage of 300 seeds: {summary}")
digests = [d for r in records if r["type"] == "schedules" for d in r["digests"]]
orderings = [r for r in records if r["type"] == "ordering"]
points = {r["name"]: r for r in records if r["type"] == "point"}
check(summary.get("schedules") == len(digests) == len(set(digests)) and len(digests) > 1,
      f"'schedules' counts the distinct digests listed: {summary.get('schedules')} vs {len(digests)}")
check(summary.get("orderings") == len(orderings) > 0, f"'orderings' counts the orderings listed: {summary}")
check(re.search(rf"^coverage: 300 seeds, {len(digests)} distinct schedules, {len(orderings)} orderings of "
                r"conflicting steps \(by site pair\), 1 point\(s\)$", block, re.M) is not None,
      f"the table's coverage line gives the same counts:\n{block}")
plateau = ", ".join(f"last new {what} at seed {summary.get(key)} ({300 - summary.get(key, 0)} seeds ago)"
                    for what, key in (("schedule", "last_new_schedule"), ("ordering", "last_new_ordering"),
                                      ("point held", "last_new_point")))
check(f"\n  plateau: {plateau}\n" in block + "\n", f"the table's plateau line is the JSON's ({plateau}):\n{block}")
waits = points.get("another worker waits for the lock", {})
check(waits.get("kind") == "sometimes" and waits.get("site", "").startswith("tools/scenarios/lost_update_scenario.cpp:"),
      f"the bundled point, with its site: {waits}")
check(0 < waits.get("seeds_held", 0) <= waits.get("seeds_evaluated", 0) == 300, f"held in some of 300 seeds: {waits}")
check(f'DETSIM_SOMETIMES "another worker waits for the lock"  held in {waits.get("seeds_held")} of 300 seeds' in block,
      f"the table names the point and its seeds:\n{block}")

# The unreached point, named in the table and in the JSON.
unreached = run([SCENARIOS, "sweep", "coverage_points", "--seeds", "1..400", "--jobs", "1", "--out", "cov1.jsonl", "-q"], 0)
block = coverage_block(unreached.stdout)
records = coverage_lines("cov1.jsonl")
points = {r["name"]: r for r in records if r["type"] == "point"}
check(records and records[0]["unreached"] == ["the counter went negative"], f"'unreached' names it: {records[:1]}")
check(points.get("the counter went negative", {}).get("seeds_held") == 0 and
      points["the counter went negative"].get("first_held_seed", 0) is None, f"never held: {points}")
check(0 < points.get("B finished an increment first", {}).get("seeds_held", 0) < 400, f"held in some seeds: {points}")
check(points.get("both workers finished", {}).get("seeds_held") == 400, f"a REACHABLE held in every seed: {points}")
check(re.search(r'^  DETSIM_SOMETIMES "the counter went negative" +NEVER HELD in 400 seeds +tests/run/sweep_programs.hpp:\d+$',
                block, re.M) is not None, f"the table flags the unreached point with its site:\n{block}")
check("1 never held" in block.splitlines()[0] if block else False, f"the coverage line counts it:\n{block}")

# --jobs 2 and --isolate: the same coverage as --jobs 1, record for record.
run([SCENARIOS, "sweep", "coverage_points", "--seeds", "1..400", "--jobs", "2", "--out", "cov2.jsonl", "-q"], 0)
check(coverage_lines("cov2.jsonl") == records, "coverage_points: --jobs 2 gives --jobs 1's coverage")
run([SCENARIOS, "sweep", "coverage_points", "--seeds", "1..60", "--jobs", "1", "--out", "cov60.jsonl", "-q"], 0)
run([SCENARIOS, "sweep", "coverage_points", "--seeds", "1..60", "--isolate", "--out", "iso60.jsonl", "-q"], 0)
check(coverage_lines("iso60.jsonl") == coverage_lines("cov60.jsonl"), "--isolate gives the same coverage")
run([DETSIM, "sweep", "lost-update", "--seeds", "1..3000", "--jobs", "1", "--out", "lost1.jsonl", "-q"], 1)
run([DETSIM, "sweep", "lost-update", "--seeds", "1..3000", "--jobs", "2", "--out", "lost2.jsonl", "-q"], 1)
check(coverage_lines("lost1.jsonl") == coverage_lines("lost2.jsonl"), "lost-update: --jobs 2 gives --jobs 1's coverage")

# Three shards, merged: the unsharded coverage. The shards share most
# schedules and every ordering, so the union is less than their sum.
whole = run([SCENARIOS, "sweep", "coverage_points", "--seeds", "1..900", "--out", "whole.jsonl", "-q"], 0)
for index in range(3):
    run([SCENARIOS, "sweep", "coverage_points", "--seeds", "1..900", "--shard", f"{index}/3",
         "--out", f"shard{index}.jsonl", "-q"], 0)
merged = run([DETSIM, "merge", "shard2.jsonl", "shard0.jsonl", "shard1.jsonl", "--out", "merged.jsonl"], 0)
shard_summaries = [coverage_lines(f"shard{i}.jsonl")[0] for i in range(3)]
whole_lines = coverage_lines("whole.jsonl")
check(coverage_lines("merged.jsonl") == whole_lines, "merged shards' coverage is the unsharded sweep's, record for record")
check(sum(s["schedules"] for s in shard_summaries) > whole_lines[0]["schedules"],
      "the shards share schedules (so this checks a union, not a sum)")
check(sum(s["orderings"] for s in shard_summaries) > whole_lines[0]["orderings"], "the shards share orderings")
check(coverage_block(merged.stdout) == coverage_block(whole.stdout) != "",
      f"merge prints the unsharded coverage block:\n{coverage_block(merged.stdout)}\n---\n{coverage_block(whole.stdout)}")

# A report whose coverage was cut off, or lost a line: exit 2, the file named.
text = open(os.path.join(WORK, "shard0.jsonl")).read().splitlines(keepends=True)
with open(os.path.join(WORK, "nocoverage.jsonl"), "w") as out:
    out.writelines(line for line in text if json.loads(line)["type"] not in COVERAGE_TYPES)
result = run([DETSIM, "merge", "nocoverage.jsonl"], 2)
check("nocoverage.jsonl: no \"coverage\" line" in result.stderr, f"a report without coverage is named: {result.stderr}")
with open(os.path.join(WORK, "lostpoint.jsonl"), "w") as out:
    out.writelines(line for line in text if json.loads(line)["type"] != "point")
result = run([DETSIM, "merge", "lostpoint.jsonl"], 2)
check("lostpoint.jsonl: truncated" in result.stderr, f"a report missing its point lines is named: {result.stderr}")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("sweep coverage CLI: all checks passed")
