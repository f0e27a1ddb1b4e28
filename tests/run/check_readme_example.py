#!/usr/bin/env python3
"""The README's toolkit example is the code between the README markers of
tests/run/readme_toolkit_test.cpp, byte for byte (which that test compiles
and runs). Usage: check_readme_example.py README.md readme_toolkit_test.cpp"""
import sys

readme, test = (open(path, encoding="utf-8").read() for path in sys.argv[1:3])
begin, end = "// ---- README: begin ----\n", "// ---- README: end ----"
example = test[test.index(begin) + len(begin):test.index(end)].rstrip() + "\n```"
if example not in readme:
    print("README.md's toolkit example differs from tests/run/readme_toolkit_test.cpp's; copy it over")
    sys.exit(1)
print("README's toolkit example is the tested one")
