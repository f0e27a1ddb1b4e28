#!/usr/bin/env python3
"""Checks detsim's layering: a file may include only its own layer and the
layers below it (README.md, "Layout").

    base < memory < scheduling < core < asyncio < trace < replay < run < cli

A file's layer is the folder it sits in under include/detsim/, sim/ or
tests/. An include names its layer the same way: "detsim/core/task.hpp" (a
public header) or "core/loop_core.hpp" (a private header of sim/). The
umbrella headers count as the highest layer they pull in: detsim/detsim.hpp
as core, detsim/testing.hpp as run. tests/support/, tests/parity/ (the CPython parity suites),
tests/fuzz/ (fuzz targets, which reach into sim/ for private hooks) and
the files at the top of tests/ may use every layer.

One upward edge is allowed, and documented where it is: the loop core
includes the trace recording so that a recorded event is an inlined write,
not a virtual call (sim/core/loop_core.hpp -> trace/recording.hpp).

Also checked: public headers include no private header of sim/, and every
source file sits in a layer's folder.

Usage: check_layers.py ROOT        exit 0 if the tree obeys the rule, 1 with
                                   one line per violation otherwise
       check_layers.py --self-test builds small trees with violations and
                                   checks each is reported (exit 0 if so)
"""
import pathlib
import re
import sys
import tempfile

LAYERS = ["base", "memory", "scheduling", "core", "asyncio", "trace", "replay", "run", "cli"]
RANK = {name: index for index, name in enumerate(LAYERS)}
TOP = len(LAYERS)  # above every layer: tests' shared support, the asyncio parity suites
UMBRELLAS = {"detsim/detsim.hpp": "core", "detsim/asyncio.hpp": "asyncio", "detsim/testing.hpp": "run"}
ALLOWED_UPWARD = {("sim/core/loop_core.hpp", "trace/recording.hpp")}
SOURCE_SUFFIXES = {".hpp", ".cpp", ".h"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.MULTILINE)


def layer_of_file(relative):
    """The rank of a file's own layer, TOP for tests above the layers, or
    None for a file outside any layer (an error for sources)."""
    parts = relative.parts
    if parts[:2] == ("include", "detsim"):
        rest = parts[2:]
        if len(rest) == 1 and "/".join(parts[1:]) in UMBRELLAS:
            return RANK[UMBRELLAS["/".join(parts[1:])]]
        return RANK.get(rest[0]) if len(rest) > 1 else None
    if parts[0] == "sim":
        return RANK.get(parts[1]) if len(parts) > 2 else None
    if parts[0] == "tests":
        if len(parts) == 2 or parts[1] in ("support", "parity", "consumer", "fuzz"):
            return TOP
        return RANK.get(parts[1])
    return None


def layer_of_include(name, quoted, in_sim_or_tests):
    """The rank of the layer an include names, or None if it names none of
    detsim's (a system header, a test helper)."""
    if name in UMBRELLAS:
        return RANK[UMBRELLAS[name]]
    parts = name.split("/")
    if parts[0] == "detsim" and len(parts) > 2 and parts[1] in RANK:
        return RANK[parts[1]]
    if quoted and in_sim_or_tests and len(parts) > 1 and parts[0] in RANK:
        return RANK[parts[0]]  # a private header of sim/, by its layer's path
    return None


def violations(root):
    root = pathlib.Path(root)
    found = []
    for top in ("include/detsim", "sim", "tests"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            relative = path.relative_to(root)
            if relative.parts[0] == "tests" and relative.parts[1] == "consumer":
                continue  # projects of their own, using detsim as users do
            own = layer_of_file(relative)
            if own is None:
                found.append(f"{relative}: not in a layer's folder ({', '.join(LAYERS)})")
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in INCLUDE.finditer(text):
                quoted, name = match.group(1) == '"', match.group(2)
                line = text.count("\n", 0, match.start()) + 1
                where = f"{relative}:{line}"
                if relative.parts[0] == "include" and quoted and not name.startswith("detsim/"):
                    found.append(f"{where}: public header includes \"{name}\", which is not public")
                    continue
                target = layer_of_include(name, quoted, relative.parts[0] in ("sim", "tests"))
                if target is None or target <= own:
                    continue
                if (relative.as_posix(), name) in ALLOWED_UPWARD:
                    continue
                own_name = "tests above the layers" if own == TOP else LAYERS[own]
                found.append(f"{where}: {own_name} includes {name} ({LAYERS[target]}), a layer above it")
    return found


def self_test():
    """Each broken tree must be reported, and the clean one must not."""
    cases = {
        "clean": ({"include/detsim/core/task.hpp": '#include "detsim/base/errors.hpp"\n',
                   "sim/core/loop_core.hpp": '#include "trace/recording.hpp"\n',
                   "tests/core/task_test.cpp": "#include <detsim/detsim.hpp>\n"}, 0),
        "public upward": ({"include/detsim/scheduling/scheduler.hpp": '#include "detsim/trace/trace.hpp"\n'}, 1),
        "private upward": ({"sim/core/handle.cpp": '#include "trace/format.hpp"\n'}, 1),
        "umbrella from below": ({"sim/memory/pool.cpp": "#include <detsim/detsim.hpp>\n"}, 1),
        "test upward": ({"tests/core/task_test.cpp": "#include <detsim/testing.hpp>\n"}, 1),
        "private from public": ({"include/detsim/core/task.hpp": '#include "core/loop_core.hpp"\n'}, 1),
        "outside the layers": ({"sim/stray.cpp": "\n"}, 1),
        "other edge to trace": ({"sim/core/task_core.cpp": '#include "trace/recording.hpp"\n'}, 1),
    }
    failures = 0
    for name, (files, expected) in cases.items():
        with tempfile.TemporaryDirectory() as directory:
            for relative, text in files.items():
                path = pathlib.Path(directory) / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            for top in ("include/detsim", "sim", "tests"):
                (pathlib.Path(directory) / top).mkdir(parents=True, exist_ok=True)
            got = violations(directory)
            if len(got) != expected:
                failures += 1
                print(f"self-test '{name}': expected {expected} violation(s), got {got}")
    print("self-test:", "ok" if failures == 0 else f"{failures} case(s) failed")
    return 1 if failures else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-6], file=sys.stderr)
        print("usage: check_layers.py ROOT | --self-test", file=sys.stderr)
        return 2
    found = violations(argv[1])
    for line in found:
        print(line)
    print(f"layers: {len(found)} violation(s)" if found else "layers: every include goes down (or is the documented edge)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
