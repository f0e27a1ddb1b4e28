#!/usr/bin/env python3
"""The detsim command line, run as a user runs it: every subcommand's happy
path and bad inputs, with exit codes (0 ok, 1 a run failed / a replay
diverged / traces differ, 2 bad usage or input) and messages asserted.

Usage: cli_test.py DETSIM USER_EXAMPLE
  DETSIM        the detsim binary (tools/cli/detsim.cpp)
  USER_EXAMPLE  a user's binary on detsim::main (tests/cli/user_example.cpp)
Each case runs in a fresh temporary directory (failing runs write their
traces to the current directory)."""
import json
import os
import re
import subprocess
import sys
import tempfile

DETSIM, USER = (os.path.abspath(p) for p in sys.argv[1:3])
failures = []


def run(*args, binary=DETSIM):
    done = subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def check(name, condition, detail=""):
    if not condition:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}\n{detail}")


def expect(name, args, code, out=(), err=(), binary=DETSIM):
    """Runs `args`; checks the exit code and that each of `out`/`err` appears."""
    rc, stdout, stderr = run(*args, binary=binary)
    detail = f"$ {' '.join(args)}\nexit {rc}\n--- stdout\n{stdout}--- stderr\n{stderr}"
    check(name + " (exit code)", rc == code, f"expected exit {code}\n{detail}")
    for text in out:
        check(name + f" (stdout has {text!r})", text in stdout, detail)
    for text in err:
        check(name + f" (stderr has {text!r})", text in stderr, detail)
    return stdout, stderr


def digest_of(stdout):
    found = re.search(r"digest:\s+([0-9a-f]{16})", stdout)
    return found.group(1) if found else None


SUBCOMMANDS = ["list", "run", "sweep", "replay", "diff", "show", "export"]

os.chdir(tempfile.mkdtemp(prefix="detsim-cli-test-"))

# ---- help and usage ---------------------------------------------------------
expect("help", ["--help"], 0, out=["Exit codes:", "2  bad usage or bad input", *SUBCOMMANDS])
for sub in SUBCOMMANDS:
    expect(f"{sub} --help", [sub, "--help"], 0, out=[f"Usage: detsim {sub}"])
expect("no subcommand", [], 2, err=["A subcommand is required"])
expect("unknown subcommand", ["frob"], 2, err=["unknown subcommand 'frob'", "list, run, sweep"])
expect("unknown option", ["run", "lost-update", "--sed", "3"], 2, err=["--sed"])

# ---- list ---------------------------------------------------------------------
expect("list", ["list"], 0, out=["lost-update\n", "lost-update-fixed\n", "an increment is lost"])

# ---- run ----------------------------------------------------------------------
# The default scheduler, swarm, runs each seed under the strategy it draws
# for it, and the run names that strategy; --scheduler random is Random.
out, _ = expect("run fixed", ["run", "lost-update-fixed", "--seed", "7"], 0,
                out=["lost-update-fixed seed 7 (pct:2,k=32): ok", "steps:", "virtual:", "simulated s per real s"])
expect("run fixed under random", ["run", "lost-update-fixed", "--seed", "7", "--scheduler", "random"], 0,
       out=["lost-update-fixed seed 7 (random): ok"])
again, _ = expect("run fixed again", ["run", "lost-update-fixed", "--seed", "7"], 0)
check("run: same seed, same digest", digest_of(out) and digest_of(out) == digest_of(again), out + again)
out, _ = expect("run racy", ["run", "lost-update", "--seed", "1"], 1,
                out=["lost-update seed 1 (random): failed", "expected outcome.counter == tasks * increments",
                     "trace:    " + os.getcwd() + "/detsim-lost-update-seed1.jsonl", "schedule: s1.random.1.",
                     "replay:   " + DETSIM + " replay " + os.getcwd() + "/detsim-lost-update-seed1.jsonl"])
again, _ = expect("run racy again", ["run", "lost-update", "--seed", "1"], 1)
check("run: a failing seed repeats its digest", digest_of(out) and digest_of(out) == digest_of(again), out + again)
other, _ = expect("run racy seed 2", ["run", "lost-update", "--seed", "2"], 1)
check("run: another seed, another run", digest_of(other) != digest_of(out), out + other)
check("run: the failing run's trace exists", os.path.exists("detsim-lost-update-seed1.jsonl"))
expect("run --trace", ["run", "lost-update-fixed", "--seed", "3", "--trace", "fixed3.jsonl"], 0, out=["trace:    fixed3.jsonl"])
check("run --trace writes a passing run's trace", os.path.exists("fixed3.jsonl"))
expect("run fifo", ["run", "lost-update-fixed", "--scheduler", "fifo"], 0, out=["(fifo): ok"])
schedule = re.search(r"schedule: (\S+)", out).group(1)
expect("run --schedule", ["run", "lost-update", "--schedule", schedule], 1, out=["digest:   " + digest_of(out)])
expect("run: bad seed", ["run", "lost-update", "--seed", "12x"], 2, err=["--seed: '12x' is not a seed"])
expect("run: negative seed", ["run", "lost-update", "--seed", "-1"], 2, err=["is not a seed"])
expect("run: seed too large", ["run", "lost-update", "--seed", "18446744073709551616"], 2, err=["above the largest seed"])
expect("run: unknown scenario", ["run", "nope"], 2, err=["unknown scenario 'nope'; the scenarios are: ", "lost-update, lost-update-fixed"])
expect("run: no scenario", ["run"], 2, err=["scenario is required"])
expect("run: bad scheduler", ["run", "lost-update", "--scheduler", "bogus"], 2, err=["unknown scheduler 'bogus'"])
expect("run: unwritable --trace", ["run", "lost-update-fixed", "--trace", "no/such/dir/t.jsonl"], 2,
       err=["cannot open no/such/dir/t.jsonl"])
expect("run: bad schedule string", ["run", "lost-update", "--schedule", "s1.random.1.99.AAAA"], 2, err=["error:"])

# ---- sweep: tests/cli/sweep_cli_test.py (the sweeps work's) ----------------------

# ---- replay -------------------------------------------------------------------
expect("replay a failure", ["replay", "detsim-lost-update-seed1.jsonl"], 0,
       out=["reproduced: the same", "digest " + digest_of(out) if False else "reproduced", "expected outcome.counter"])
expect("replay a pass", ["replay", "fixed3.jsonl"], 0, out=["reproduced", "lost-update-fixed seed 3 (pos): ok"])
check("replay leaves the recorded trace alone", os.path.exists("fixed3.jsonl.replay.jsonl"))
expect("replay: missing file", ["replay", "missing.jsonl"], 2, err=["missing.jsonl"])
open("garbage.jsonl", "wb").write(b"\x00\xffnot a trace\n")
expect("replay: garbage", ["replay", "garbage.jsonl"], 2, err=["garbage.jsonl:1"])
text = open("detsim-lost-update-seed1.jsonl").read()
open("other.jsonl", "w").write(text.replace('"program":"lost-update"', '"program":"bank-transfer"', 1))
expect("replay: a trace of a scenario this program lacks", ["replay", "other.jsonl"], 2,
       err=["other.jsonl is a trace of 'bank-transfer', which is not a scenario of this program"])
open("relabelled.jsonl", "w").write(text.replace('"program":"lost-update"', '"program":"lost-update-fixed"', 1))
expect("replay: a trace of another scenario diverges", ["replay", "relabelled.jsonl"], 1,
       out=["diverged:", "first divergence at event 5", "expected: seq 5", "(lost_update_checked",
            "actual:   seq 5", "(lost_update_fixed", "new run's trace: relabelled.jsonl.replay.jsonl"])
open("cut.jsonl", "w").write(text[:len(text) // 2])
expect("replay: truncated mid-line", ["replay", "cut.jsonl"], 2,
       out=["replaying cut.jsonl (28 events, truncated)", "reproduced the 28 recorded events; the replay stopped"],
       err=["cut.jsonl is truncated: its line ", " is cut short", "cannot check the rest of the run"])
open("no-footer.jsonl", "w").write("".join(text.splitlines(keepends=True)[:-1]))
expect("replay: no footer", ["replay", "no-footer.jsonl"], 2,
       out=["reproduced the 56 recorded events"],
       err=["no-footer.jsonl is truncated: it ends without a footer line after event 56"])

# ---- diff ---------------------------------------------------------------------
# Seed 1's trace is Random's (what the default, swarm, draws for seed 1);
# seed 2's is Random's too, as the divergence below was pinned for it.
run("run", "lost-update", "--seed", "2", "--scheduler", "random")
expect("diff: the same run", ["diff", "detsim-lost-update-seed1.jsonl", "detsim-lost-update-seed1.jsonl.replay.jsonl"],
       0, out=["same: the traces' events match"]) if run("replay", "detsim-lost-update-seed1.jsonl")[0] == 0 else None
expect("diff: two seeds", ["diff", "detsim-lost-update-seed1.jsonl", "detsim-lost-update-seed2.jsonl"], 1,
       out=["A: detsim-lost-update-seed1.jsonl: lost-update seed 1", "first divergence at event 14",
            "A    14  0s        C            step 2/3", "B    14  0s        A            step 0/3"])
expect("diff: missing file", ["diff", "detsim-lost-update-seed1.jsonl", "nope.jsonl"], 2, err=["nope.jsonl"])

# Auto-named tasks shift between seeds; matched by creation site, the
# workers make no rows: only the noise tasks (and the main task awaiting
# them) do.
noise_counts = {}
for seed in range(1, 20):
    run("run", "auto_names", "--seed", str(seed), "--trace", f"auto{seed}.jsonl", binary=USER)
    noise_counts[seed] = open(f"auto{seed}.jsonl").read().count('"kind":"task_created"')
a, b = sorted(noise_counts, key=lambda s: (noise_counts[s], s))[0], max(noise_counts, key=lambda s: (noise_counts[s], -s))
out, _ = expect("diff: auto-names aligned", ["diff", f"auto{a}.jsonl", f"auto{b}.jsonl"], 1,
                out=["tasks matched by creation site under other auto-names", "first divergence"], binary=USER)
source = open(os.path.join(os.path.dirname(__file__), "user_example.cpp")).read().splitlines()
worker_line = next(i + 1 for i, line in enumerate(source) if "cli_test.py: the worker's site" in line)
rows = out.split("counts that differ:\n", 1)[-1]
check("diff: no rows for the matched workers", f"user_example.cpp:{worker_line}" not in rows, out)

# ---- show ---------------------------------------------------------------------
out, _ = expect("show", ["show", "detsim-lost-update-seed1.jsonl"], 0,
                out=["lost-update seed 1 (random): failed, 56 events", "    seq  time      task", "failure: [detsim.invariant]",
                     "who woke whom, back from event"])
out, _ = expect("show --task", ["show", "detsim-lost-update-seed1.jsonl", "--task", "B"], 0)
timeline = out.split("who woke whom")[0].splitlines()[2:]
timeline = [row for row in timeline if row.strip() and not row.startswith("failure:")]
check("show --task: only B's rows", timeline and all(row.split()[2] == "B" for row in timeline), out)
out, _ = expect("show --around", ["show", "detsim-lost-update-seed1.jsonl", "--around", "20", "--context", "2"], 0,
                out=["who woke whom, back from event 20", "     20  0s        B            step 1/3"])
check("show --around: a window of 5", len(out.split("who woke whom")[0].strip().splitlines()) == 2 + 5, out)
expect("show: no such task", ["show", "detsim-lost-update-seed1.jsonl", "--task", "Z"], 2, err=["no task of that name", "A, B, C"])
expect("show: --around out of range", ["show", "detsim-lost-update-seed1.jsonl", "--around", "999"], 2, err=["has events 1..56"])
expect("show: --around not a number", ["show", "detsim-lost-update-seed1.jsonl", "--around", "1x"], 2, err=["--around"])
open("empty.jsonl", "w").close()
expect("show: empty file", ["show", "empty.jsonl"], 2, err=["empty.jsonl: the file is empty"])
expect("show: missing file", ["show", "nope.jsonl"], 2, err=["nope.jsonl"])

# ---- export -------------------------------------------------------------------
expect("export html", ["export", "detsim-lost-update-seed1.jsonl", "--format", "html"], 0,
       out=["wrote detsim-lost-update-seed1.html"])
html = open("detsim-lost-update-seed1.html").read()
check("export html: a page with the failure and the rerun command",
      "<html" in html and "4 != 12" in html and "replay detsim-lost-update-seed1.jsonl" in html, html[:300])
expect("export chrome", ["export", "detsim-lost-update-seed1.jsonl", "--format", "chrome", "--out", "t.json"], 0, out=["wrote t.json"])
chrome = json.load(open("t.json"))
check("export chrome: trace events", len(chrome["traceEvents"]) > 56, str(chrome)[:300])
out, _ = expect("export to stdout", ["export", "fixed3.jsonl", "--format", "chrome", "--out", "-"], 0)
check("export to stdout: JSON", "traceEvents" in json.loads(out), out[:200])
expect("export: bad format", ["export", "fixed3.jsonl", "--format", "pdf"], 2, err=["--format: pdf not in {chrome,html}"])
expect("export: no format", ["export", "fixed3.jsonl"], 2, err=["--format is required"])
expect("export: unwritable", ["export", "fixed3.jsonl", "--format", "html", "--out", "no/such/dir.html"], 2,
       err=["cannot write no/such/dir.html"])
expect("export: missing file", ["export", "nope.jsonl", "--format", "html"], 2, err=["nope.jsonl"])

# ---- a user's own binary on detsim::main ----------------------------------------
name = os.path.basename(USER)
expect("user: help", ["--help"], 0, out=[f"Usage: {name} [OPTIONS] SUBCOMMAND"], binary=USER)
expect("user: list", ["list"], 0, out=["double_withdrawal\n", "must not go"], binary=USER)
out, _ = expect("user: sweep", ["sweep", "double_withdrawal", "--seeds", "1..100", "--stop-on-first"], 1,
                out=["check failed: account.balance >= 0", "rerun:     " + USER + " run double_withdrawal --seed "],
                binary=USER)
trace = re.search(r"trace:\s+(\S+)", out).group(1)
expect("user: replay", ["replay", trace], 0, out=["reproduced"], binary=USER)
expect("user: a trace of the bundled scenarios", ["replay", "fixed3.jsonl"], 2,
       err=["a trace of 'lost-update-fixed', which is not a scenario of this program"], binary=USER)

print(f"{len(failures)} failed" if failures else "every CLI case passed")
sys.exit(1 if failures else 0)
