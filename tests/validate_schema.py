"""Checks every line of the golden traces against traces/detsim-trace.schema.json,
and that the schema rejects lines the reader rejects (so the two stay in step)."""
import json
import pathlib
import sys

import jsonschema

traces = pathlib.Path(sys.argv[1])
schema = json.loads((traces / "detsim-trace.schema.json").read_text())
validator = jsonschema.Draft202012Validator(schema)
jsonschema.Draft202012Validator.check_schema(schema)

checked = 0
for path in sorted((traces / "golden").glob("*.jsonl")):
    for number, line in enumerate(path.read_text().splitlines(), 1):
        errors = list(validator.iter_errors(json.loads(line)))
        if errors:
            sys.exit(f"{path}:{number}: {errors[0].message}")
        checked += 1

bad_lines = [
    {"seq": 1, "t": 0, "kind": "step", "cause": 0, "handle": 1, "task": 1, "of": 1},  # no choice
    {"seq": 1, "t": -1, "kind": "loop_run", "cause": 0},
    {"seq": 1, "t": 0, "kind": "call_later", "cause": 0},
    {"type": "header", "format": "detsim-trace", "version": 2, "detsim": "0", "program": "", "scheduler": "fifo",
     "seed": 0, "metadata": {}},
    {"type": "footer", "outcome": "ok", "events": 1, "final_time_ns": 0, "digest": "XYZ"},
    {"type": "site", "id": 1, "file": "/abs/path.cpp", "line": 1, "function": "f"},
]
for line in bad_lines:
    if validator.is_valid(line):
        sys.exit(f"the schema accepts a bad line: {line}")
print(f"schema: {checked} golden lines valid, {len(bad_lines)} bad lines rejected")
