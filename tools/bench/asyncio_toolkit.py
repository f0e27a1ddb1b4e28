#!/usr/bin/env python3
"""The toolkit workloads of detsim-bench (tools/bench/toolkit_workloads.cpp)
on CPython's own asyncio, for the ratios in tools/bench/README.md.

Real time per operation with time.perf_counter (outside any simulation, so a
real clock is fine): the median of REPETITIONS batches, each run on a fresh
event loop after one warm-up batch.

    /usr/bin/python3 tools/bench/asyncio_toolkit.py [--repetitions 5] [--json]
"""
import argparse
import asyncio
import json
import statistics
import time

STEPS_PER_BATCH = 4096  # detsim-bench's Sizes::steps_per_batch
WAITERS = 1000


async def lock_uncontended(rounds):
    lock = asyncio.Lock()
    for _ in range(rounds):
        await lock.acquire()
        lock.release()
    return rounds


async def queue_handoff(items):
    queue = asyncio.Queue(1)

    async def produce():
        for i in range(items):
            await queue.put(i)

    async def consume():
        total = 0
        for _ in range(items):
            total += await queue.get()
        return total

    producer = asyncio.create_task(produce())
    await asyncio.create_task(consume())
    await producer
    return items


async def event_broadcast(waiters):
    event = asyncio.Event()
    tasks = [asyncio.create_task(event.wait()) for _ in range(waiters)]
    await asyncio.sleep(0)
    event.set()
    for task in tasks:
        await task
    return waiters


WORKLOADS = {
    "lock_uncontended": (lock_uncontended, STEPS_PER_BATCH),
    "queue_handoff": (queue_handoff, STEPS_PER_BATCH),
    "event_broadcast/1000": (event_broadcast, WAITERS),
}


def measure(workload, size, repetitions):
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(workload(size))  # warm-up
        per_op = []
        for _ in range(repetitions):
            start = time.perf_counter()
            operations = loop.run_until_complete(workload(size))
            per_op.append((time.perf_counter() - start) / operations)
        return statistics.median(per_op)
    finally:
        loop.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print {name: ns_per_op} as JSON")
    args = parser.parse_args()
    results = {name: measure(workload, size, args.repetitions) * 1e9 for name, (workload, size) in WORKLOADS.items()}
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for name, ns in results.items():
            print(f"asyncio/toolkit/{name:24s} {ns:10.1f} ns/op")


if __name__ == "__main__":
    main()
