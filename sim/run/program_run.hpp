// Running a Program on a loop and classifying how it ended: shared by
// run_simulation and the sweep's per-seed runner. Private to sim/run.
#pragma once

#include <string>
#include <vector>

#include "detsim/core/event_loop.hpp"
#include "detsim/core/program.hpp"
#include "detsim/trace/trace.hpp"

namespace detsim::detail {

struct ProgramOutcome {
  Outcome outcome = Outcome::ok;
  std::string message;              // what failed; empty when ok
  std::vector<LeakedTask> leaked;   // tasks still blocked when the root finished
};

// Runs `program` on `loop` and closes the loop. A callback that throws halts
// the run as failed; exceptions that tasks raised and nobody retrieved fail
// it too; DeadlockError and BudgetExceededError give their outcomes.
// Leaked waiters are always listed, and fail the run (Outcome::leaked_tasks)
// if `fail_on_leaked_tasks`.
ProgramOutcome run_program(EventLoop& loop, const Program& program, bool fail_on_leaked_tasks = false);

// "'worker' (task 2) waits on Queue 'jobs' (empty)".
std::string leak_line(const LeakedTask& task);

}  // namespace detsim::detail
