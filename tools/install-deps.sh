#!/usr/bin/env bash
# Installs the Debian packages detsim builds and tests with, skipping those
# already present, so it is cheap to run before every build. Idempotent.
#
#   tools/install-deps.sh         everything the tests, benchmarks and CI use
#   tools/install-deps.sh --cli   only what the `cli` preset (the library and
#                                 the detsim command line) builds with:
#                                 README's first command, quick on a new machine
set -euo pipefail

# (clang: the test command also builds with clang++, whose runs must match
# g++'s; libclang-rt-14-dev: its libFuzzer and sanitizer runtimes, for the
# fuzz preset; python3-jsonschema: the trace schema's test; chromium: the
# HTML report's test opens it headless, tests/trace/export_browser_test.cpp;
# slurm-wlm and munge: the sweep's test on a one-node Slurm cluster,
# tests/cli/slurm_sweep_test.sh.)
packages=(
  g++ cmake ninja-build
  libgtest-dev libgmock-dev librapidcheck-dev
  nlohmann-json3-dev libbenchmark-dev libcli11-dev
  python3-jsonschema clang libclang-rt-14-dev chromium
  slurm-wlm munge
)

cli_packages=(g++ cmake ninja-build nlohmann-json3-dev libcli11-dev libbenchmark-dev)
case "${1:-}" in
  "") ;;
  --cli) packages=("${cli_packages[@]}") ;;
  *) echo "install-deps: unknown argument '$1' (expected nothing, or --cli)" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_prefix=()
if [ "$(id -u)" -ne 0 ]; then sudo_prefix=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_prefix[@]}" apt-get update -qq
"${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
