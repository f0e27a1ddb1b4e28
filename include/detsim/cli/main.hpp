// detsim::main: the `detsim` command line over the registered scenarios
// (detsim/cli/scenario.hpp), for a binary of the user's own, as gtest_main
// is for GoogleTest.
//
//   detsim list                               the scenarios and their descriptions
//   detsim run SCENARIO [--seed S] [--scheduler SPEC] [--trace out.jsonl]
//   detsim sweep SCENARIO --seeds A..B [--stop-on-first] [--out failures.jsonl]
//   detsim replay TRACE                       reproduced, or the first divergence
//   detsim diff A B                           first divergence, aligned by task name and site
//   detsim show TRACE [--task NAME] [--around SEQ]
//   detsim export TRACE --format chrome|html [--out FILE]
//
// Exit codes: 0 ok; 1 a run failed its invariant (or a replay diverged, or
// two traces differ); 2 bad usage or bad input (a message on stderr names
// what and where).
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
