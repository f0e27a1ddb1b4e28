// run_scenario: how each bundled scenario runs its main task.
//
// A scenario's state (accounts, queues, locks) is owned by the function that
// calls this, outside every task, and passed to the tasks by reference. The
// loop is closed before that function returns, so every task the run left
// suspended (a failed run halts mid-way) is destroyed while the state its
// guards and waits refer to still exists. State kept in the main task's own
// frame would not be safe: closing a loop destroys the frames of unfinished
// tasks in creation order, the main task's first.
//
//   void run_bank(EventLoop& loop) {
//     Account account;
//     run_scenario(loop, two_atms(account));
//   }
#pragma once

#include <utility>

#include <detsim/detsim.hpp>

namespace detsim::scenarios {

inline void run_scenario(EventLoop& loop, Task<void> main) {
  try {
    loop.run_until_complete(std::move(main));
  } catch (...) {
    loop.close();
    throw;
  }
  loop.close();
}

}  // namespace detsim::scenarios
