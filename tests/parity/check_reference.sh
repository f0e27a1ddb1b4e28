#!/bin/sh
# The `asyncio_reference` CTest: CPython's asyncio still produces reference.json.
set -eu
here=$(dirname "$0")
"$1" "$here/reference.py" | diff -u "$here/reference.json" -
