// Bounded exhaustive search (run/explore.hpp): exact schedule counts on small
// programs, with and without the sleep-set reduction, and the bugs it finds.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/asyncio.hpp>
#include <detsim/base/access.hpp>
#include <detsim/base/check.hpp>
#include <detsim/detsim.hpp>
#include <detsim/run/explore.hpp>

#include "scenarios/lost_update.hpp"

namespace {

using detsim::AccessMode;
using detsim::BoundKind;
using detsim::ExploreOptions;
using detsim::Task;

// A task of `steps` steps (a yield between two): step i declares a write of
// resources[i].
Task<void> stepper(std::vector<std::string> resources) {
  for (std::size_t i = 0; i < resources.size(); ++i) {
    if (i > 0) co_await detsim::yield();
    detsim::declare_access(resources[i]);
  }
}

// Runs one stepper per entry at once and awaits them all with gather, so the
// main task wakes once, alone, at the end: the decisions are the steppers'.
detsim::Program steppers(std::vector<std::vector<std::string>> tasks) {
  return detsim::Program([tasks](detsim::EventLoop& loop) {
    std::vector<Task<void>> running;
    auto body = [](std::vector<std::vector<std::string>> all) -> Task<void> {
      std::vector<Task<void>> children;
      for (auto& resources : all) children.push_back(detsim::get_running_loop().create_task(stepper(resources)));
      co_await detsim::asyncio::gather(std::move(children));
    };
    loop.run_until_complete(body(tasks));
  });
}

ExploreOptions unbounded(bool reduction) {
  return {.name = "steppers", .bound = 100, .iterative = false, .reduction = reduction};
}

// Two tasks of two steps: C(4,2) = 6 interleavings a1a2b1b2, a1b1a2b2,
// a1b1b2a2, b1b2a1a2, b1a1b2a2, b1a1a2b2.
TEST(Explore, TwoTasksOfTwoStepsHaveSixSchedules) {
  const auto program = steppers({{"x", "x"}, {"x", "x"}});
  for (bool reduction : {false, true}) {  // every step conflicts: the reduction skips nothing
    const detsim::ExploreResult result = detsim::explore(program, unbounded(reduction));
    EXPECT_EQ(result.schedules, 6u) << "reduction " << reduction;
    EXPECT_TRUE(result.exhausted);
    EXPECT_FALSE(result.failure);
  }
}

// Preemptions of those six (switching from a task that could go on):
// a1a2b1b2 0, b1b2a1a2 0, a1b1b2a2 1, b1a1a2b2 1, a1b1a2b2 2, b1a1b2a2 2.
TEST(Explore, PreemptionBoundsCountTheSchedulesWithinThem) {
  const auto program = steppers({{"x", "x"}, {"x", "x"}});
  const std::uint64_t expected[] = {2, 4, 6};
  for (std::uint32_t bound = 0; bound <= 2; ++bound) {
    for (bool iterative : {false, true}) {
      const auto result = detsim::explore(
          program, {.name = "steppers", .bound = bound, .iterative = iterative, .reduction = false});
      EXPECT_EQ(result.schedules, expected[bound]) << "bound " << bound << " iterative " << iterative;
      EXPECT_TRUE(result.exhausted);
    }
  }
}

// Delays: rank r of a decision costs r; two candidates, so each deviation
// from "the task that ran goes on, else the oldest" costs 1. Default
// a1a2b1b2 costs 0; b1.. costs 1 at the first decision, and so on:
// bound 0 -> 1 schedule, bound 1 -> a1b1b2a2 and b1b2a1a2 join (3),
// bound 2 -> a1b1a2b2, b1a1a2b2 join (5), bound 3 -> b1a1b2a2 (6).
TEST(Explore, DelayBoundsCountTheSchedulesWithinThem) {
  const auto program = steppers({{"x", "x"}, {"x", "x"}});
  const std::uint64_t expected[] = {1, 3, 5, 6};
  for (std::uint32_t bound = 0; bound <= 3; ++bound) {
    const auto result = detsim::explore(program, {.name = "steppers", .bound_kind = BoundKind::delays,
                                                  .bound = bound, .iterative = false, .reduction = false});
    EXPECT_EQ(result.schedules, expected[bound]) << "bound " << bound;
  }
}

// Disjoint resources: all six interleavings are one Mazurkiewicz trace.
TEST(Explore, SleepSetsRunOneScheduleOfIndependentSteps) {
  const auto program = steppers({{"x", "x"}, {"y", "y"}});
  EXPECT_EQ(detsim::explore(program, unbounded(false)).schedules, 6u);
  const auto reduced = detsim::explore(program, unbounded(true));
  EXPECT_EQ(reduced.schedules, 1u);
  EXPECT_TRUE(reduced.exhausted);
}

// Three tasks of one step: 3! = 6 orders. If A and B write x and C writes y,
// only the order of A and B matters: 2 traces. All on x: 6. All apart: 1.
TEST(Explore, ThreeTasksOfOneStep) {
  EXPECT_EQ(detsim::explore(steppers({{"x"}, {"x"}, {"y"}}), unbounded(false)).schedules, 6u);
  EXPECT_EQ(detsim::explore(steppers({{"x"}, {"x"}, {"y"}}), unbounded(true)).schedules, 2u);
  EXPECT_EQ(detsim::explore(steppers({{"x"}, {"x"}, {"x"}}), unbounded(true)).schedules, 6u);
  EXPECT_EQ(detsim::explore(steppers({{"x"}, {"y"}, {"z"}}), unbounded(true)).schedules, 1u);
}

// Undeclared steps depend on everything: no reduction, soundly.
TEST(Explore, UndeclaredStepsAreNotReduced) {
  const auto silent = detsim::Program([](detsim::EventLoop& loop) {
    detsim::scenarios::run_lost_update(loop, 2, 1);  // declares nothing
  });
  const auto plain = detsim::explore(silent, {.name = "lost", .bound = 100, .iterative = false, .reduction = false});
  const auto reduced = detsim::explore(silent, {.name = "lost", .bound = 100, .iterative = false, .reduction = true});
  EXPECT_EQ(plain.schedules, reduced.schedules);
  EXPECT_GT(plain.schedules, 1u);
}

detsim::Program lost_update_program() {
  return detsim::Program([](detsim::EventLoop& loop) {
    const auto outcome = detsim::scenarios::run_lost_update(loop, 2, 2);
    DETSIM_CHECK_EQ(outcome.counter, 4);
  });
}

TEST(Explore, FindsTheLostUpdateWithOnePreemptionAndReproducesIt) {
  const auto none = detsim::explore(lost_update_program(), {.name = "lost", .bound = 0});
  EXPECT_FALSE(none.failure);  // without preemption each task runs its increments whole
  EXPECT_TRUE(none.exhausted);
  const auto result = detsim::explore(lost_update_program(), {.name = "lost", .bound = 1});
  ASSERT_TRUE(result.failure);
  EXPECT_FALSE(result.failure->ok());
  EXPECT_TRUE(result.failure->scheduler.starts_with("dfs-path:")) << result.failure->scheduler;
  // The spec it names rebuilds the failing run.
  const auto again = detsim::run_simulation(
      lost_update_program(),
      {.name = "lost", .seed = result.failure->seed, .scheduler = result.failure->scheduler, .read_environment = false});
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(again.digest, result.failure->digest);
}

TEST(Explore, StopsAtMaxSchedulesWithoutClaimingExhaustion) {
  const auto result = detsim::explore(steppers({{"x", "x", "x"}, {"x", "x", "x"}}),
                                      {.name = "s", .bound = 100, .iterative = false, .reduction = false,
                                       .max_schedules = 5});
  EXPECT_EQ(result.schedules, 5u);
  EXPECT_FALSE(result.exhausted);
}

// A program that is not a function of its schedule (here: of a counter
// that outlives its runs) gets a clear error, not a wrong enumeration.
TEST(Explore, NamesANondeterministicProgram) {
  int runs = 0;
  const auto drifting = detsim::Program([&runs](detsim::EventLoop& loop) {
    ++runs;
    std::vector<std::vector<std::string>> tasks(runs == 1 ? 2 : 3, std::vector<std::string>{"x", "x"});
    steppers(tasks)(loop);
  });
  try {
    (void)detsim::explore(drifting, {.name = "drifting", .bound = 2, .iterative = false});
    FAIL() << "no error";
  } catch (const detsim::Error& error) {
    EXPECT_EQ(error.id(), "detsim.explore.nondeterministic");
    EXPECT_NE(std::string(error.what()).find("explore 'drifting': run 2: decision 0 saw other candidates"), std::string::npos) << error.what();
  }
}

}  // namespace
