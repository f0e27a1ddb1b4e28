// Programs for the seed sweep tests (namespace detsim_test): the lost update
// with its invariant, a program with two planted bugs, two that leak
// state from run to run through a static counter (one into its outcome,
// one into its failure's message only), and one with coverage points, one
// of which never holds.
#pragma once

#include <string>

#include <detsim/base/check.hpp>
#include <detsim/base/coverage.hpp>
#include <detsim/detsim.hpp>

#include "scenarios/lost_update.hpp"

namespace detsim_test {

// The lost update (two tasks, three increments each): fails whenever an
// increment is lost.
inline void lost_update_checked(detsim::EventLoop& loop) {
  const auto outcome = detsim::scenarios::run_lost_update(loop, 2, 3);
  DETSIM_CHECK_EQ(outcome.counter, 6);
}

// Two bugs, two checks: B may finish an increment before A does (bug 1, an
// ordering assumption), and an increment may be lost (bug 2). A run stops at
// the first check that fails, so each failing seed belongs to one bug.
inline detsim::Task<void> two_bugs_worker(char label, int& counter, std::string& order) {
  for (int i = 0; i < 2; ++i) {
    const int seen = counter;
    co_await detsim::yield();
    counter = seen + 1;
    order += label;
  }
}

inline detsim::Task<void> two_bugs_main() {
  int counter = 0;
  std::string order;
  auto& loop = detsim::get_running_loop();
  auto a = loop.create_task(two_bugs_worker('A', counter, order), "A");
  auto b = loop.create_task(two_bugs_worker('B', counter, order), "B");
  co_await a;
  co_await b;
  DETSIM_CHECK(order.front() == 'A');
  DETSIM_CHECK_EQ(counter, 4);
}

inline void two_bugs(detsim::EventLoop& loop) { loop.run_until_complete(two_bugs_main()); }

// two_bugs' workers without its checks, and three coverage points: one
// that holds in some seeds, one that never can (the counter only grows),
// and one reached in every seed. It never fails.
inline detsim::Task<void> coverage_points_main() {
  int counter = 0;
  std::string order;
  auto& loop = detsim::get_running_loop();
  auto a = loop.create_task(two_bugs_worker('A', counter, order), "A");
  auto b = loop.create_task(two_bugs_worker('B', counter, order), "B");
  co_await a;
  co_await b;
  DETSIM_SOMETIMES(order.front() == 'B', "B finished an increment first");
  DETSIM_SOMETIMES(counter < 0, "the counter went negative");
  DETSIM_REACHABLE("both workers finished");
}

inline void coverage_points(detsim::EventLoop& loop) { loop.run_until_complete(coverage_points_main()); }

// State that outlives a run: the fourth run in a process fails.
inline int leaky_runs = 0;

inline detsim::Task<void> leaky_main() {
  ++leaky_runs;
  co_await detsim::yield();
  DETSIM_CHECK(leaky_runs <= 3);
}

inline void leaky(detsim::EventLoop& loop) { loop.run_until_complete(leaky_main()); }

// State that outlives a run and changes only a failure's message: every
// run fails the same way, at the same step, saying how many runs its
// process has made.
inline int message_leak_runs = 0;

inline detsim::Task<void> message_leak_main() {
  ++message_leak_runs;
  co_await detsim::yield();
  DETSIM_CHECK_EQ(message_leak_runs, 0);
}

inline void message_leak(detsim::EventLoop& loop) { loop.run_until_complete(message_leak_main()); }

}  // namespace detsim_test
