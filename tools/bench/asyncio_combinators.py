"""CPython's side of detsim-bench's detsim/asyncio/gather_10k: asyncio.gather
of 10,000 tasks, each yielding once (asyncio.sleep(0)) and returning a
number. Prints the time per child gathered, best of several runs, measured
with time.perf_counter (real time: this runs outside any simulation).

Usage: /usr/bin/python3 tools/bench/asyncio_combinators.py [children] [runs]"""
import asyncio
import sys
import time


async def child(value):
    await asyncio.sleep(0)
    return value


async def gather_children(children):
    results = await asyncio.gather(*[child(i) for i in range(children)])
    return results[-1]


def main():
    children = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    loop = asyncio.new_event_loop()
    loop.run_until_complete(gather_children(children))  # warm-up
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        loop.run_until_complete(gather_children(children))
        best = min(best, time.perf_counter() - start)
    loop.close()
    print(f"asyncio/gather_10k: {children} children, best of {runs}: "
          f"{best * 1e3:.2f} ms per gather, {best / children * 1e9:.0f} ns per child")


if __name__ == "__main__":
    main()
