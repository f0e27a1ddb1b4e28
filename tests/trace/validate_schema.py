"""Checks every line of the golden traces against traces/detsim-trace.schema.json,
that the schema rejects lines the reader rejects (so the two stay in step), and
that the digest, recomputed from the lines as traces/SCHEMA.md describes it,
matches each footer (so the specification is the implementation)."""
import json
import pathlib
import sys

import jsonschema

traces = pathlib.Path(sys.argv[1])
schema = json.loads((traces / "detsim-trace.schema.json").read_text())
validator = jsonschema.Draft202012Validator(schema)
jsonschema.Draft202012Validator.check_schema(schema)

KINDS = ["loop_run", "loop_stop", "loop_close", "call_soon", "timer_scheduled", "timer_due", "handle_cancelled",
         "step", "callback", "future_created", "task_created", "set_result", "set_exception", "cancel",
         "cancel_requested", "done_callback", "clock_advanced", "wait", "wake", "acquire", "release", "put", "get",
         "notify", "timeout", "task_leaked"]
MASK = (1 << 64) - 1


def fnv1a(text):
    value = 0xcbf29ce484222325
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x100000001b3) & MASK
    return value


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def finalize(x):
    x ^= x >> 30
    x = (x * 0xbf58476d1ce4e5b9) & MASK
    x ^= x >> 27
    x = (x * 0x94d049bb133111eb) & MASK
    return x ^ (x >> 31)


def digest(events):
    C = 0x9e3779b97f4a7c15
    M = [0xc2b2ae3d27d4eb4f, 0x85ebca77c2b2ae63, 0x27d4eb2f165667c5, 0xbf58476d1ce4e5b9,
         0x94d049bb133111eb, 0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53, 0xd6e8feb86659fd93,
         0xa0761d6478bd642f, 0xe7037ed1a0b428db, 0x9fb21c651e98df25, 0xd1b54a32d192ed03,
         0xaef17502108ef2d9]
    lanes = [(0x6a09e667f3bcc908 + j * C) & MASK for j in range(4)]
    named = set()  # tasks whose name has counted
    for i, e in enumerate(events):
        first_of_task = "task" in e and e["task"] not in named
        if first_of_task:
            named.add(e["task"])
        w = [KINDS.index(e["kind"]) | (int(e.get("immediate", False)) << 8), e["cause"],
             e["t"] & MASK, e.get("when", 0) & MASK, e.get("handle", 0), e.get("future", 0), e.get("task", 0),
             (e.get("choice", 0) << 32) | e.get("of", 0),
             fnv1a(e["name"]) if first_of_task and "name" in e else 0,
             fnv1a(e["detail"]) if "detail" in e else 0,
             e.get("primitive", 0),
             fnv1a(e["primitive_type"]) if "primitive_type" in e else 0,
             fnv1a(e["primitive_name"]) if "primitive_name" in e else 0]
        h = sum(x * m for x, m in zip(w, M)) & MASK
        lanes[i % 4] = rotl(((lanes[i % 4] ^ h) * C) & MASK, 31)
    combined = lanes[0] ^ rotl(lanes[1], 16) ^ rotl(lanes[2], 32) ^ rotl(lanes[3], 48)
    return finalize(combined ^ finalize(len(events)))


checked = 0
for path in sorted((traces / "golden").glob("*.jsonl")):
    events = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        value = json.loads(line)
        errors = list(validator.iter_errors(value))
        if errors:
            sys.exit(f"{path}:{number}: {errors[0].message}")
        checked += 1
        if "kind" in value:
            events.append(value)
        elif value["type"] == "footer" and f"{digest(events):016x}" != value["digest"]:
            sys.exit(f"{path}:{number}: SCHEMA.md's digest gives {digest(events):016x}, the footer says {value['digest']}")

bad_lines = [
    {"seq": 1, "t": 0, "kind": "step", "cause": 0, "handle": 1, "task": 1, "of": 1},  # no choice
    {"seq": 1, "t": -1, "kind": "loop_run", "cause": 0},
    {"seq": 1, "t": 0, "kind": "loop_run", "cause": 0, "name": "A"},  # a name without a task
    {"seq": 1, "t": 0, "kind": "call_soon", "cause": 0, "handle": 1, "task": 0, "name": "A"},  # nor on task 0
    {"seq": 1, "t": 0, "kind": "call_later", "cause": 0},
    {"type": "header", "format": "detsim-trace", "version": 2, "detsim": "0", "program": "", "scheduler": "fifo",
     "seed": 0, "debug": False, "metadata": {}},
    {"type": "header", "format": "detsim-trace", "version": 3, "detsim": "0", "program": "", "scheduler": "fifo",
     "seed": 0, "debug": False, "metadata": {}},  # version 3 lacks the primitive events: refused
    {"seq": 1, "t": 0, "kind": "release", "cause": 0},  # no primitive
    {"seq": 1, "t": 0, "kind": "release", "cause": 0, "primitive": 1},  # no primitive_type
    {"seq": 1, "t": 0, "kind": "wake", "cause": 0, "primitive": 1, "primitive_type": "Lock"},  # no task
    {"seq": 1, "t": 0, "kind": "loop_run", "cause": 0, "primitive_name": "a"},  # a name without a primitive
    {"type": "header", "format": "detsim-trace", "version": 4, "detsim": "0", "program": "", "scheduler": "fifo",
     "seed": 0, "metadata": {}},  # no debug
    {"type": "header", "format": "detsim-trace", "version": 4, "detsim": "0", "program": "", "scheduler": "fifo",
     "seed": 0, "debug": 0, "metadata": {}},
    {"type": "footer", "outcome": "ok", "events": 1, "final_time_ns": 0, "digest": "XYZ"},
    {"type": "site", "id": 1, "file": "/abs/path.cpp", "line": 1, "function": "f"},
    {"seq": 1, "t": 0, "kind": "loop_run", "cause": 0, "sIte": 1},  # an unknown (misspelt) field
    {"seq": 1, "t": 0, "kind": "loop_run", "cause": 0, "of": 0},
    {"type": "header", "format": "detsim-trace", "version": 4, "detsim": "0", "program": "", "scheduler": "fifo",
     "seed": 0, "debug": False, "metadata": {f"k{i}": "" for i in range(4097)}},
]
for line in bad_lines:
    if validator.is_valid(line):
        sys.exit(f"the schema accepts a bad line: {line}")
print(f"schema: {checked} golden lines valid, digests as specified, {len(bad_lines)} bad lines rejected")
