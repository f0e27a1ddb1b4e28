// What every bundled scenario file shares: run_scenario, how it runs its
// main task, and register_bug_and_fix, how it registers its two programs.
//
// run_scenario runs the main task, named "main" in traces. A scenario's
// state (accounts, queues, locks) is owned by the function that calls it,
// outside every task, and passed to the tasks by reference. The
// loop is closed before that function returns, so every task the run left
// suspended (a failed run halts mid-way) is destroyed while the state its
// guards and waits refer to still exists. State kept in the main task's own
// frame would not be safe: closing a loop destroys the frames of unfinished
// tasks in creation order, the main task's first.
//
//   void run_bank(EventLoop& loop, Withdraw withdraw) {
//     Account account;
//     run_scenario(loop, two_atms(account, withdraw));
//   }
//   register_bug_and_fix("double-withdrawal",
//                        {"Two ATMs ...", [](EventLoop& loop) { run_bank(loop, &withdraw_racy); }},
//                        {"... under a lock", [](EventLoop& loop) { run_bank(loop, &withdraw_locked); }});
#pragma once

#include <string>
#include <utility>

#include <detsim/cli/scenario.hpp>
#include <detsim/detsim.hpp>

namespace detsim::scenarios {

inline void run_scenario(EventLoop& loop, Task<void> main) {
  try {
    loop.run_until_complete(loop.create_task(std::move(main), "main"));
  } catch (...) {
    loop.close();
    throw;
  }
  loop.close();
}

// One of a scenario's two programs, with its one-paragraph description.
struct Variant {
  std::string description;
  Program program;
};

// Registers `name`, the program with the planted bug, and "<name>-fixed".
inline void register_bug_and_fix(const std::string& name, Variant bug, Variant fix,
                                 SourceLocation site = SourceLocation::current()) {
  register_scenario({name, std::move(bug.description), std::move(bug.program), site});
  register_scenario({name + "-fixed", std::move(fix.description), std::move(fix.program), site});
}

}  // namespace detsim::scenarios
