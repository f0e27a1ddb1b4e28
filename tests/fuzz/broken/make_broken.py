#!/usr/bin/env python3
"""Writes the broken trace files of this directory from fresh runs of the
bundled scenarios, so that each is broken in exactly one way.

    make_broken.py DETSIM_BINARY

Run it again when the trace format changes (a new version makes every file
here a "wrong version"), then check the messages in cases.json
(broken_inputs_test prints each actual message that differs).
"""
import base64
import json
import pathlib
import random
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent


def run_trace(detsim, scenario, seed):
    with tempfile.TemporaryDirectory() as work:
        path = pathlib.Path(work) / "trace.jsonl"
        subprocess.run([detsim, "run", scenario, "--seed", str(seed), "--trace", str(path)],
                       stdout=subprocess.DEVNULL, cwd=work, check=False)
        return path.read_text()


def replace_once(text, old, new):
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def schedule(scheduler, seed, tokens, count):
    """A schedule string from its varint tokens (schedule.hpp)."""
    data = bytearray()
    for token in tokens:
        while token >= 0x80:
            data.append(token & 0x7F | 0x80)
            token >>= 7
        data.append(token)
    payload = base64.urlsafe_b64encode(bytes(data)).decode().rstrip("=")
    return f"s1.{scheduler}.{seed}.{count}.{payload}"


def main():
    detsim = str(pathlib.Path(sys.argv[1]).resolve())  # run from a directory of its own
    base = run_trace(detsim, "lost-update", 1)
    lines = base.splitlines(keepends=True)
    events = [i for i, line in enumerate(lines) if line.startswith('{"seq":')]
    first, second = events[0], events[1]
    version = re.search(r'"version":(\d+)', lines[0])[0]
    files = {
        "empty.jsonl": "",
        "truncated-mid-line.jsonl": base[: len(base) * 2 // 3],
        "no-footer.jsonl": "".join(lines[:-1]),
        "wrong-version.jsonl": replace_once(base, version, '"version":99'),
        "wrong-type.jsonl": replace_once(base, '"seed":1,', '"seed":"1",'),
        "huge-number.jsonl": "".join(lines[:first] + [replace_once(lines[first], '"cause":0', '"cause":18446744073709551616')]
                                     + lines[first + 1:]),
        "negative-time.jsonl": "".join(lines[:second] + [replace_once(lines[second], '"t":0', '"t":-5')] + lines[second + 1:]),
        "unknown-kind.jsonl": "".join(lines[:first] + [lines[first].replace(json.loads(lines[first])["kind"], "teleport", 1)]
                                      + lines[first + 1:]),
        "digest-mismatch.jsonl": "".join(lines[:-1]) + re.sub(r'"digest":"([0-9a-f]{15})([0-9a-f])"',
                                                              lambda m: f'"digest":"{m[1]}{"1" if m[2] == "0" else "0"}"',
                                                              lines[-1]),
        # lost-update's events under lost-update-fixed's name: the replay runs
        # the other scenario, which diverges.
        "other-scenario.jsonl": replace_once(base, '"program":"lost-update"', '"program":"lost-update-fixed"'),
    }
    for name, text in files.items():
        (HERE / name).write_text(text)
    rng = random.Random(18)
    (HERE / "binary-garbage.jsonl").write_bytes(bytes(rng.randrange(256) for _ in range(512)))
    print("out-of-range choice:", schedule("random", 1, [2 * 99 - 1], 1))
    print("leftover decisions: ", schedule("random", 1, [(100000 - 1) * 2], 100000))


if __name__ == "__main__":
    main()
