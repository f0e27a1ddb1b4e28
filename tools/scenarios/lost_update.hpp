// The lost-update race: two tasks increment one shared counter with a
// read, await, write sequence. Whenever one task's await falls between the
// other's read and write, an increment is lost. Which interleaving happens is
// the scheduler's decision, so the final count depends on the seed, and only
// on the seed.
//
//   detsim::EventLoop loop{detsim::RandomScheduler{seed}};
//   LostUpdateOutcome outcome = run_lost_update(loop, 2, 3);
//   // outcome.counter is in [3, 6]; outcome.interleaving is e.g. "ABBAAB"
#pragma once

#include <string>
#include <vector>

#include <detsim/detsim.hpp>

namespace detsim::scenarios {

struct LostUpdateOutcome {
  int counter = 0;           // final value; tasks * increments if no update was lost
  std::string interleaving;  // which task wrote, in order: "ABAB..."
  friend bool operator==(const LostUpdateOutcome&, const LostUpdateOutcome&) = default;
};

inline Task<void> lost_update_worker(char label, int& counter, std::string& interleaving, int increments) {
  for (int i = 0; i < increments; ++i) {
    const int seen = counter;
    co_await yield();  // the window in which another task may run
    counter = seen + 1;
    interleaving += label;
  }
}

inline Task<void> lost_update_main(LostUpdateOutcome& outcome, int tasks, int increments) {
  std::vector<Task<void>> workers;
  for (int t = 0; t < tasks; ++t) {
    static constexpr char labels[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const char label = labels[t % (sizeof labels - 1)];
    workers.push_back(get_running_loop().create_task(
        lost_update_worker(label, outcome.counter, outcome.interleaving, increments), std::string(1, label)));
  }
  for (Task<void>& worker : workers) co_await worker;
}

// Runs the race to completion on `loop` and returns what happened.
inline LostUpdateOutcome run_lost_update(EventLoop& loop, int tasks = 2, int increments = 3) {
  LostUpdateOutcome outcome;
  loop.run_until_complete(lost_update_main(outcome, tasks, increments));
  return outcome;
}

}  // namespace detsim::scenarios
