// detsim::main: the `detsim` command line over the registered scenarios
// (detsim/cli/scenario.hpp), for a binary of the user's own, as gtest_main
// is for GoogleTest.
//
//   detsim list                               the scenarios and their descriptions
//   detsim run SCENARIO [--seed S] [--scheduler SPEC] [--schedule STRING] [--trace out.jsonl]
//   detsim sweep SCENARIO --seeds A..B [--jobs N] [--isolate] [--for 10m] [--shard I/N]
//                [--stop-on-first] [--out report.jsonl]   failures grouped by bug, each shrunk
//   detsim merge REPORT.jsonl...              the shards' reports as one
//   detsim replay TRACE                       reproduced, or the first divergence
//   detsim diff A B                           first divergence, aligned by task name and site
//   detsim show TRACE [--task NAME] [--around SEQ [--context N]]
//   detsim export TRACE --format chrome|html [--out FILE]
//
// A failing run's trace is always written (to DETSIM_TRACE_DIR, else the
// current directory); `replay` writes its own run to TRACE.replay.jsonl,
// never over TRACE. The command line says what runs: DETSIM_SEED and the
// other per-run variables of detsim/run/simulation.hpp do not override it.
//
// Exit codes: 0 ok (a replay that reproduced a recorded failure is ok too);
// 1 a run failed its invariant (or a replay diverged, or two traces differ);
// 2 bad usage or bad input (a message on stderr names what and where: an
// unknown scenario or subcommand, a malformed seed or scheduler spec, a
// missing or malformed trace, a trace of a scenario this binary lacks).
//
// Example: see detsim/cli/scenario.hpp; link the binary with detsim::main.
#pragma once

#include "detsim/cli/scenario.hpp"

namespace detsim {

// Exit codes of detsim::main, documented in `detsim --help`.
enum ExitCode : int { exit_ok = 0, exit_failed = 1, exit_bad_input = 2 };

// Runs the command line over registered_scenarios(); returns the process's exit code.
int main(int argc, char** argv);

}  // namespace detsim
