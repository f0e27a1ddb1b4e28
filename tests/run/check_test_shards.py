#!/usr/bin/env python3
"""A DETSIM_TEST of many seeds under GoogleTest's sharding.

usage: check_test_shards.py TESTING_TEST

Runs the DetsimBlocks tests of testing_test as GTEST_TOTAL_SHARDS=2 shards:
each shard runs some of ManySeeds' four seed blocks, and together they run
each block exactly once.
"""
import os
import re
import subprocess
import sys

binary = sys.argv[1]
ran = []
for index in range(2):
    environment = dict(os.environ, GTEST_TOTAL_SHARDS="2", GTEST_SHARD_INDEX=str(index))
    result = subprocess.run([binary, "--gtest_filter=DetsimBlocks.ManySeeds*"], env=environment,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        sys.exit(f"shard {index} failed:\n{result.stdout}\n{result.stderr}")
    blocks = re.findall(r"\[ RUN      \] DetsimBlocks\.(ManySeeds_block\d+)", result.stdout)
    if not blocks:
        sys.exit(f"shard {index} ran no block:\n{result.stdout}")
    print(f"shard {index}/2 ran {', '.join(blocks)}")
    ran += blocks
expected = [f"ManySeeds_block{i}" for i in range(4)]
if sorted(ran) != expected:
    sys.exit(f"the shards ran {sorted(ran)}, expected each of {expected} once")
print("each seed block ran in exactly one shard")
