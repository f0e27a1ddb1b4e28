"""The `asyncio_random_programs` CTest: random programs (random_programs.py)
log the same on CPython's asyncio and on detsim's FIFO loop.

  check_random_programs.py INTERPRETER [--seed S] [--count N] [--first K]

INTERPRETER is the asyncio_random_parity executable (build/<preset>/tests/).
Checks programs K .. K+N-1 of seed S; a program's number and seed alone make
it, so `--first K --count 1` checks program K again. On a difference it
prints the program, both logs and the first line where they differ, then
shrinks the program (drops tasks, coroutines, callbacks, futures and ops
while a difference remains) and prints the smallest one; exit status 1.

CTest checks 5000 programs of seed 1 (half of them have the combinators,
half the primitives, independently); to search further than CTest does:
  /usr/bin/python3 tests/parity/check_random_programs.py \\
      build/release/tests/asyncio_random_parity --seed 2 --count 100000
(CPython's side takes most of the time, about 1 ms of CPU a program.)
"""
import argparse
import copy
import json
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from random_programs import REFERENCE, generate, run_on_asyncio  # noqa: E402

KINDS = {"f": "futures", "t": "tasks", "c": "coroutines", "cb": "callbacks"}
# CTest's code for a skipped test (SKIP_RETURN_CODE in tests/CMakeLists.txt).
SKIPPED = 77
# A hang is a failure too: 5000 programs take about 4 s under ASan.
INTERPRETER_TIMEOUT_SECONDS = 300


def run_on_detsim(interpreter, programs):
    """detsim's logs per program. A program the interpreter fails on (a
    sanitizer's report, an uncaught exception) gets {"failed": its stderr}:
    the batch is halved until the failing programs run alone."""
    result = subprocess.run([interpreter], input=json.dumps(programs), capture_output=True, text=True,
                            timeout=INTERPRETER_TIMEOUT_SECONDS)
    if result.returncode == 0:
        logs = json.loads(result.stdout)
        if len(logs) != len(programs):
            raise SystemExit(f"{interpreter} logged {len(logs)} programs of {len(programs)}")
        return logs
    if len(programs) == 1:
        return [{"failed": f"exit status {result.returncode}\n{result.stderr}".rstrip()}]
    half = len(programs) // 2
    return run_on_detsim(interpreter, programs[:half]) + run_on_detsim(interpreter, programs[half:])


def first_difference(cpython, detsim):
    """("log" or "done_callbacks", line number) where the logs part, or None."""
    if "failed" in detsim:
        return "failed", 0
    for log in ("log", "done_callbacks"):
        expected, actual = cpython[log], detsim[log]
        if cpython.get("ring_cancelled"):
            # CPython's logs stop at a cancel() that went round a ring of
            # awaits (random_programs.Interpreter.ring_cancelled).
            actual = actual[:len(expected)]
        if expected != actual:
            differing = [n for n, (a, b) in enumerate(zip(expected, actual)) if a != b]
            return log, differing[0] if differing else min(len(expected), len(actual))
    return None


def check(interpreter, programs):
    """Per program: (CPython's logs, detsim's logs, where they part or None)."""
    cpython = [run_on_asyncio(program) for program in programs]
    detsim = run_on_detsim(interpreter, programs)
    return [(expected, actual, first_difference(expected, actual)) for expected, actual in zip(cpython, detsim)]


def bodies(program):
    return [program["setup"]] + program["tasks"] + program["coroutines"] + program["callbacks"]


def without(program, kind, k):
    """The program without kind's number k: ops that name it go, later ones are renumbered."""
    def drop(part):
        match = isinstance(part, str) and REFERENCE.fullmatch(part)
        return match and match.group(1) == kind and int(match.group(2)) == k

    def renumber(part):
        match = isinstance(part, str) and REFERENCE.fullmatch(part)
        if match and match.group(1) == kind and int(match.group(2)) > k:
            return f"{kind}{int(match.group(2)) - 1}"
        return part

    def names(op):  # with a scope's ops and a combinator's children
        return any(names(inner) if isinstance(inner, list) else drop(inner) for inner in op)

    def edit_part(part):  # a scope's ops (lists), or a combinator's children (names)
        if isinstance(part, list):
            return edit(part) if part and isinstance(part[0], list) else [renumber(name) for name in part]
        return renumber(part)

    def edit(ops):
        return [[edit_part(part) for part in op] for op in ops if not names(op)]

    smaller = copy.deepcopy(program)
    if kind == "f":
        smaller["futures"] -= 1
    else:
        del smaller[KINDS[kind]][k]
    for body in bodies(smaller):
        body[:] = edit(body)
    return smaller


def smaller_programs(program):
    """Each program one step smaller: one task, coroutine, callback or future less, or one op less."""
    for kind, key in KINDS.items():
        count = program[key] if kind == "f" else len(program[key])
        for k in range(count):
            yield without(program, kind, k)
    for b, body in enumerate(bodies(program)):
        for n in range(len(body)):
            smaller = copy.deepcopy(program)
            del bodies(smaller)[b][n]
            yield smaller


def shrink(interpreter, program, result):
    """The first smaller program that still differs, until none does; with
    its result. Each step drops something, so this ends."""
    while True:
        candidates = list(smaller_programs(program))
        smaller = [(candidate, result) for candidate, result in zip(candidates, check(interpreter, candidates))
                   if result[2]]
        if not smaller:
            return program, result
        program, result = smaller[0]


def show_program(interpreter, program):
    def line(op):
        return " ".join(part if isinstance(part, str) else json.dumps(part) for part in op)

    print(f"  futures: {' '.join(f'f{k}' for k in range(program['futures'])) or '-'}")
    named = [("setup", program["setup"])] + [(f"{kind}{k}", body) for kind in ("t", "c", "cb")
                                              for k, body in enumerate(program[KINDS[kind]])]
    for name, body in named:
        print(f"  {name}:" + "".join(f"\n    {line(op)}" for op in body))
    print(f"  on detsim alone: echo '[{json.dumps(program)}]' | {interpreter}")


def show_logs(cpython, detsim, difference):
    where, line = difference
    for log in ("log", "done_callbacks"):
        expected, actual = cpython[log], detsim.get(log, [])
        width = max([len(text) for text in expected] + [len("CPython asyncio")])
        print(f"  {log}:\n         {'CPython asyncio':<{width}} | detsim")
        for n in range(max(len(expected), len(actual))):
            mark = ">>" if log == where and n == line else "  "
            left = expected[n] if n < len(expected) else ""
            right = actual[n] if n < len(actual) else ""
            print(f"  {mark}{n:4} {left:<{width}} | {right}")
    if cpython.get("ring_cancelled"):
        print("  (CPython's logs stop where a cancel() went round a ring of awaits)")
    if where == "failed":
        print("  the detsim interpreter failed: " + detsim["failed"].replace("\n", "\n    "))
    else:
        print(f"  first difference: {where} line {line}")


def show(title, interpreter, program, result):
    print(title)
    show_program(interpreter, program)
    show_logs(*result)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("interpreter")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--first", type=int, default=0)
    args = parser.parse_args()
    if sys.version_info[:2] != (3, 11):
        # The expected logs are CPython 3.11's (its quirks are handled by
        # name), and random.Random's choices() may differ in other versions.
        print(f"skipped: needs CPython 3.11 (Debian 12's python3), not {sys.version.split()[0]}")
        return SKIPPED
    numbers = range(args.first, args.first + args.count)
    programs = [generate(args.seed, number) for number in numbers]
    results = check(args.interpreter, programs)
    failing = [n for n, (_, _, difference) in enumerate(results) if difference]
    rings = sum(1 for cpython, _, _ in results if cpython.get("ring_cancelled"))
    print(f"{len(programs)} programs of seed {args.seed} from number {args.first}: {len(failing)} differ "
          f"({rings} compared up to a cancel() that went round a ring of awaits)")
    if not failing:
        return 0
    print("differing programs: " + " ".join(str(numbers[n]) for n in failing))
    n = failing[0]
    show(f"\nprogram {numbers[n]} of seed {args.seed}:", args.interpreter, programs[n], results[n])
    show("\nsmallest program found that still differs:", args.interpreter,
         *shrink(args.interpreter, programs[n], results[n]))
    return 1


if __name__ == "__main__":
    sys.exit(main())
