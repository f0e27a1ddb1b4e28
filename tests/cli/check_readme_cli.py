#!/usr/bin/env python3
"""README's first command, kept true: runs the commands of README's console
block (between the "README cli example" markers) with the detsim binary, in
a fresh directory, and checks that they print what README shows, but for
timings (seconds, seeds/s, jobs, simulated s per real s) and the directory
the run was made in. Also checks that the block's commands are the ones the
README's first command line runs.

Usage: check_readme_cli.py README.md DETSIM"""
import difflib
import os
import re
import subprocess
import sys
import tempfile

readme_path, detsim = sys.argv[1], os.path.abspath(sys.argv[2])
readme = open(readme_path, encoding="utf-8").read()
begin, end = "<!-- README cli example: begin -->\n```console\n", "```\n<!-- README cli example: end -->"
block = readme[readme.index(begin) + len(begin):readme.index(end)]
first_command = re.search(r"```sh\n(.*?)\n```", readme).group(1)
README_DIR = "/home/me/detsim/build/cli/tools"  # where README's run was made

# (command, expected output) pairs, in order.
steps = []
for line in block.splitlines(keepends=True):
    if line.startswith("$ "):
        steps.append([line[2:].strip(), ""])
    else:
        steps[-1][1] += line

failures = 0
for command, _ in steps:
    if command not in first_command:
        print(f"README's first command does not run `{command}`, which its output block shows")
        failures += 1


def normalize(text, directory):
    text = text.replace(directory, "<dir>")
    text = re.sub(r"in [0-9.]+ s, [0-9.]+ seeds/s, [0-9]+ job\(s\)", "in # s, # seeds/s, # job(s)", text)
    return re.sub(r"\([0-9.e+-]+ simulated s per real s\)", "(# simulated s per real s)", text)


work = os.path.realpath(tempfile.mkdtemp(prefix="detsim-readme-"))
os.symlink(detsim, os.path.join(work, "detsim"))
for command, expected in steps:
    done = subprocess.run(command, shell=True, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120)
    actual = normalize(done.stdout, work)
    if actual != normalize(expected, README_DIR):
        print(f"`{command}` no longer prints what README.md shows (README first, then this run):")
        sys.stdout.writelines(difflib.unified_diff(normalize(expected, README_DIR).splitlines(True), actual.splitlines(True)))
        failures += 1
if failures:
    print("update README.md's output block from a real run (see its paragraph)")
    sys.exit(1)
print(f"README's first command prints what README shows ({len(steps)} commands)")
