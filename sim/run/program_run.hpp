// Running a Program on a loop and classifying how it ended: shared by
// run_simulation and the sweep's per-seed runner. Private to sim/run.
#pragma once

#include <string>

#include "detsim/core/event_loop.hpp"
#include "detsim/core/program.hpp"
#include "detsim/trace/trace.hpp"

namespace detsim::detail {

struct ProgramOutcome {
  Outcome outcome = Outcome::ok;
  std::string message;  // what failed; empty when ok
};

// Runs `program` on `loop` and closes the loop. A callback that throws halts
// the run as failed; exceptions that tasks raised and nobody retrieved fail
// it too; DeadlockError and BudgetExceededError give their outcomes.
ProgramOutcome run_program(EventLoop& loop, const Program& program);

}  // namespace detsim::detail
