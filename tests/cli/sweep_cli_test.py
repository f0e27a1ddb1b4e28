#!/usr/bin/env python3
"""detsim sweep and detsim merge, run as a user runs them.

usage: sweep_cli_test.py DETSIM SWEEP_SCENARIOS WORK_DIR

DETSIM is the bundled command line; SWEEP_SCENARIOS the tests' own
(tests/cli/sweep_scenarios.cpp: two_bugs, leaky). Checks: --jobs 1 and
--jobs 2 report the same failing seeds and digests; shards taken from
--shard, from Slurm's variables and from a Kubernetes index, merged, equal
the unsharded sweep failure for failure; two planted bugs are two groups;
--isolate against a static counter; the shrunk reproducer's printed command
reproduces the failure; bad input exits 2 with a message naming it.
"""
import json
import os
import shutil
import subprocess
import sys

DETSIM, SCENARIOS, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def run(args, env=None, expect=None):
    environment = dict(os.environ)
    for key in ("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "JOB_COMPLETION_INDEX"):
        environment.pop(key, None)
    environment.update(env or {})
    result = subprocess.run(args, cwd=WORK, env=environment, capture_output=True, text=True, timeout=300)
    if expect is not None and result.returncode != expect:
        check(False, f"{' '.join(args)}: exit {result.returncode}, expected {expect}\n{result.stdout}\n{result.stderr}")
    return result


def report(path):
    lines = [json.loads(line) for line in open(os.path.join(WORK, path))]
    sweep = lines[0]
    return {
        "digest": sweep["digest"],
        "seeds_run": sweep["seeds_run"],
        "failures": [(l["seed"], l["digest"], l["steps"], l["group"]) for l in lines if l["type"] == "failure"],
        "groups": [(l["kind"], l["site"], l["message"], l["count"], l["first_seed"], l["shortest_seed"],
                    l["schedule"], l["shrunk"]["schedule"] if l["shrunk"] else None)
                   for l in lines if l["type"] == "group"],
        "shrunk": [l["shrunk"] for l in lines if l["type"] == "group"],
        "leaks": [l for l in lines if l["type"] == "leak"],
    }


def same_findings(a, b, what):
    for key in ("digest", "seeds_run", "failures", "groups"):
        check(a[key] == b[key], f"{what}: {key} differs")


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)

# --jobs 1 and --jobs 2: the same failing seeds, digests and groups.
seeds = "1..3000"
run([DETSIM, "sweep", "lost-update", "--seeds", seeds, "--jobs", "1", "--out", "jobs1.jsonl", "-q"], expect=1)
run([DETSIM, "sweep", "lost-update", "--seeds", seeds, "--jobs", "2", "--out", "jobs2.jsonl", "-q"], expect=1)
one, two = report("jobs1.jsonl"), report("jobs2.jsonl")
check(len(one["failures"]) > 0, "the lost update fails under some seeds")
same_findings(one, two, "--jobs 1 vs --jobs 2")

# --trace-dir names a directory that does not exist yet: the sweep makes it
# and writes the failure's trace there (not a "determinism leak").
traced = run([DETSIM, "sweep", "lost-update", "--seeds", "1..5", "--trace-dir", "new/traces", "-q"], expect=1)
check("leak" not in traced.stdout, f"--trace-dir: no leak reported\n{traced.stdout}")
check(any(name.endswith(".jsonl") for name in os.listdir(os.path.join(WORK, "new", "traces"))) if
      os.path.isdir(os.path.join(WORK, "new", "traces")) else False, "--trace-dir: the trace is written in the new directory")

# Three shards, named three ways (an explicit flag, Slurm's array variables,
# a Kubernetes completion index), merged: the unsharded sweep.
run([DETSIM, "sweep", "lost-update", "--seeds", seeds, "--shard", "0/3", "--out", "s0.jsonl", "-q"], expect=1)
run([DETSIM, "sweep", "lost-update", "--seeds", seeds, "--out", "s1.jsonl", "-q"],
    env={"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"}, expect=1)
run([DETSIM, "sweep", "lost-update", "--seeds", seeds, "--shard-count", "3", "--out", "s2.jsonl", "-q"],
    env={"JOB_COMPLETION_INDEX": "2"}, expect=1)
shards = [report(f"s{i}.jsonl") for i in range(3)]
check(all(0 < len(s["failures"]) < len(one["failures"]) for s in shards), "each shard runs a part of the seeds")
merged_run = run([DETSIM, "merge", "s2.jsonl", "s0.jsonl", "s1.jsonl", "--out", "merged.jsonl"], expect=1)
same_findings(one, report("merged.jsonl"), "merged shards vs the unsharded sweep")
check("merged 3 report(s)" in merged_run.stdout and "seeds/s" in merged_run.stdout, "merge prints totals and seeds/s")

# The shrunk reproducer's printed command reproduces the failure.
shrunk = one["shrunk"][0]
check(shrunk is not None, "the lost update's group has a shrunk reproducer")
if shrunk:
    command = shrunk["command"].split(" ")
    check(command[0] == DETSIM and "--schedule" in command, f"the rerun command runs this detsim: {shrunk['command']}")
    rerun = run(command, expect=1)
    check(one["groups"][0][1] in rerun.stdout, "the rerun fails at the group's site:\n" + rerun.stdout)
table = run([DETSIM, "sweep", "lost-update", "--seeds", "1..200", "-q"], expect=1).stdout
for needle in ("shortest:", "shrunk:", "rerun it:", "first failure: seed 1", "trace:"):
    check(needle in table, f"the table shows '{needle}'")

# Two planted bugs: exactly two groups, each with its shortest seed and a
# shrunk reproducer that fails at that group's site.
run([SCENARIOS, "sweep", "two_bugs", "--seeds", "1..5000", "--out", "two.jsonl", "-q"], expect=1)
two_bugs = report("two.jsonl")
check(len(two_bugs["groups"]) == 2, f"two_bugs: {len(two_bugs['groups'])} groups, expected 2")
check(len(two_bugs["failures"]) >= 1000, "two_bugs fails under thousands of seeds")
for group, shrunk in zip(two_bugs["groups"], two_bugs["shrunk"]):
    rerun = run(shrunk["command"].split(" "), expect=1)
    check(group[1] in rerun.stdout, f"the reproducer of the group at {group[1]} fails there")

# A static counter: without --isolate seeds fail and the leak names the
# first; with it, every seed passes.
leaky = run([SCENARIOS, "sweep", "leaky", "--seeds", "1..40", "--jobs", "2", "--out", "leaky.jsonl", "-q"], expect=1)
leaks = report("leaky.jsonl")["leaks"]
check(leaks and leaks[0]["seed"] == 4, "the leak report names seed 4")
check("seed 4 behaves differently when run alone" in leaky.stdout, "the table names the leaking seed")
run([SCENARIOS, "sweep", "leaky", "--seeds", "1..40", "--isolate", "--out", "isolated.jsonl", "-q"], expect=0)
check(report("isolated.jsonl")["failures"] == [], "--isolate: no seed fails")

# Bad input: exit 2, a message naming it.
for args, message in [
    (["sweep", "lost-update", "--seeds", "5..1"], "'5..1' is empty"),
    (["sweep", "lost-update", "--shard", "4/4"], "shard '4/4': the index must be below the count"),
    (["sweep", "lost-update", "--for", "10x"], "--for: '10x' is not a duration"),
    (["sweep", "no-such-scenario"], "unknown scenario 'no-such-scenario'"),
    (["merge", "missing.jsonl"], "cannot open the sweep report 'missing.jsonl'"),
    (["merge", "s0.jsonl", "s0.jsonl"], "seed ranges overlap"),
    (["merge", "jobs1.jsonl", "two.jsonl"], "shards of different sweeps"),
]:
    result = run([DETSIM] + args, expect=2)
    check(message in result.stderr, f"{' '.join(args)}: stderr names the problem ('{message}'): {result.stderr}")
with open(os.path.join(WORK, "cut.jsonl"), "w") as cut:
    cut.write(open(os.path.join(WORK, "s0.jsonl")).read()[:-40])
result = run([DETSIM, "merge", "cut.jsonl"], expect=2)
check("cut.jsonl" in result.stderr, "a cut report is named: " + result.stderr)
# A report of an older build (no "format": trace digests) or of another
# format cannot be merged: its digests would not add up.
shard_text = open(os.path.join(WORK, "s0.jsonl")).read()
check('"format":2,' in shard_text.splitlines()[0], "the sweep line says its format")
for name, text, message in [
    ("old.jsonl", shard_text.replace('"format":2,', "", 1), "written by an older detsim"),
    ("future.jsonl", shard_text.replace('"format":2,', '"format":3,', 1), "report format 3, but this detsim reads format 2"),
]:
    with open(os.path.join(WORK, name), "w") as out:
        out.write(text)
    result = run([DETSIM, "merge", name, "s1.jsonl"], expect=2)
    check(name in result.stderr and message in result.stderr, f"{name}: named, and why: {result.stderr}")
with open(os.path.join(WORK, "SLURM"), "w"):
    pass
result = run([DETSIM, "sweep", "lost-update", "-q"], env={"SLURM_ARRAY_TASK_ID": "1"}, expect=2)
check("SLURM_ARRAY_TASK_COUNT is not" in result.stderr, "a Slurm index without a count is named")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("sweep CLI: all checks passed")
