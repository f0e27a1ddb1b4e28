#!/usr/bin/env python3
"""Runs the broken inputs of cases.json through the detsim binary, as a user
would, and checks each exit code and message: a trace file by
`detsim replay FILE`, a schedule string by
`detsim run SCENARIO --schedule STRING` (lost-update unless
the case names a scenario). Exit code 2 (bad input) prints
"detsim: error: <message>" on stderr; 1 (the run failed) prints the message
in its report.

    check_cli.py DETSIM_BINARY     exit 0 if every case holds, 1 otherwise

A case's cli_exit and cli_message, where given, are what the binary says
instead (a truncated trace: the library's replay fails, saying the trace is
truncated; `detsim replay` reports the events it reproduced, then calls the
file incomplete input: exit 2, naming where it was cut).

A case whose subcommand the binary does not have yet is reported as skipped
(by name, on stdout), not passed over in silence.
"""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent


def main():
    detsim = str(pathlib.Path(sys.argv[1]).resolve())  # the cases run in a directory of their own
    help_text = subprocess.run([detsim, "--help"], capture_output=True, text=True).stdout
    cases = json.loads((HERE / "cases.json").read_text())
    failures, skipped, checked = [], [], 0
    with tempfile.TemporaryDirectory() as work:
        for case in cases:
            if "file" in case:
                file = str(pathlib.Path(work) / case["file"])
                shutil.copyfile(HERE / case["file"], file)
                arguments = ["replay", file]
            else:
                file = ""
                arguments = ["run", case.get("scenario", "lost-update"), "--schedule", case["schedule"]]
            if f"\n  {arguments[0]} " not in help_text:
                skipped.append(case["name"])
                continue
            done = subprocess.run([detsim, *arguments], capture_output=True, cwd=work,
                                  env={"DETSIM_TRACE_DIR": work, "PATH": "/usr/bin:/bin"})
            checked += 1
            stdout = done.stdout.decode(errors="replace")
            stderr = done.stderr.decode(errors="replace")
            exit_code = case.get("cli_exit", case["exit"])
            message = case.get("cli_message", case["message"]).replace("{file}", file)
            expected_text = "detsim: error: " + message if exit_code == 2 else message
            where = stderr if exit_code == 2 else stdout + stderr
            # Sites name their function as the compiler spells it ("f()" under
            # g++, "f" under clang): compare without the "()".
            if done.returncode != exit_code or expected_text.replace("())", ")") not in where.replace("())", ")"):
                failures.append(f"{case['name']}: detsim {' '.join(arguments)}\n  exit {done.returncode} "
                                f"(expected {exit_code})\n  expected: {expected_text}\n  stdout: {stdout}\n  stderr: {stderr}")
    for failure in failures:
        print("FAIL", failure)
    if skipped:
        print(f"skipped {len(skipped)} cases, their subcommand is not in `detsim --help` yet: {', '.join(skipped)}")
    print(f"checked {checked} cases through {detsim}, {len(failures)} failed")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
