// SeedRunner (detsim/run/seed_runner.hpp): a seed's outcome, schedule
// digest and steps are those run_simulation gives it, whatever the runner
// ran before. The runner records no trace, so these tests hold it to a
// recorded run's schedule digest and to the step and callback events of
// its trace, over programs with task names (ASCII and not), details (a
// failure), primitives, timers and a sleep.
#include <chrono>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include <detsim/asyncio/lock.hpp>
#include <detsim/asyncio/queue.hpp>
#include <detsim/detsim.hpp>
#include <detsim/run/seed_runner.hpp>
#include <detsim/run/simulation.hpp>
#include <detsim/scheduling/registry.hpp>

#include "run/sweep_programs.hpp"

namespace detsim_test {
namespace {

using namespace std::chrono_literals;
namespace asyncio = detsim::asyncio;

detsim::Task<void> producer(asyncio::Queue<int>& queue, asyncio::Lock& lock, int& total) {
  for (int i = 0; i < 3; ++i) {
    auto held = co_await lock.hold();
    total += i;
    co_await detsim::sleep(1ms);
    co_await queue.put(i);
  }
}

detsim::Task<void> consumer(asyncio::Queue<int>& queue, asyncio::Lock& lock, int& total) {
  for (int i = 0; i < 3; ++i) {
    const int item = co_await queue.get();
    auto held = co_await lock.hold();
    total -= item;
  }
}

// A lock, a queue, timers and a non-ASCII task name (in the digest as its
// hash); passes under every seed (the lost update's runs fail, with a detail).
void primitives_program(detsim::EventLoop& loop) {
  loop.run_until_complete([]() -> detsim::Task<void> {
    asyncio::Queue<int> queue(1, "jobs");
    asyncio::Lock lock("total");
    int total = 0;
    auto& running = detsim::get_running_loop();
    auto put = running.create_task(producer(queue, lock, total), "producer");
    auto take = running.create_task(consumer(queue, lock, total), "consumer \xc3\xa9t\xc3\xa9");
    co_await put;
    co_await take;
    DETSIM_CHECK_EQ(total, 0);
  }());
}

detsim::SimulationOptions options_for(const std::string& scheduler) {
  detsim::SimulationOptions options;
  options.name = "seed_runner_test";
  options.scheduler = scheduler;
  options.read_environment = false;
  options.write_failure_trace = false;
  return options;
}

std::uint64_t step_and_callback_events(const detsim::Trace& trace) {
  std::uint64_t count = 0;
  for (const detsim::TraceEvent& event : trace.events) {
    count += event.kind == detsim::EventKind::step || event.kind == detsim::EventKind::callback ? 1 : 0;
  }
  return count;
}

// Runs seeds 1..seeds through one runner, each also through run_simulation.
void expect_runner_records_as_run_simulation(const detsim::Program& program, const std::string& scheduler,
                                             std::uint64_t seeds) {
  const detsim::SimulationOptions options = options_for(scheduler);
  detsim::SeedRunner runner(program, options);
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    detsim::SimulationOptions whole = options;
    whole.seed = seed;
    const detsim::SimulationResult expected = detsim::run_simulation(program, whole);
    const detsim::SeedRunner::Result got = runner.run(seed);
    ASSERT_EQ(got.digest, detsim::sweep_seed_digest(expected.schedule_digest, expected.outcome, expected.message))
        << scheduler << " seed " << seed;
    if (expected.ok()) {
      ASSERT_EQ(got.digest, expected.schedule_digest) << scheduler << " seed " << seed;
    }
    ASSERT_EQ(got.steps, expected.steps) << scheduler << " seed " << seed;
    ASSERT_EQ(got.steps, step_and_callback_events(expected.trace)) << scheduler << " seed " << seed;
    ASSERT_EQ(got.outcome, expected.outcome) << scheduler << " seed " << seed;
    ASSERT_EQ(got.message, expected.message) << scheduler << " seed " << seed;
  }
}

TEST(SeedRunner, RecordsTheLostUpdateAsRunSimulationDoes) {
  expect_runner_records_as_run_simulation(lost_update_checked, "random", 200);
  expect_runner_records_as_run_simulation(lost_update_checked, "pct:2", 50);
  expect_runner_records_as_run_simulation(lost_update_checked, "fifo", 3);
}

TEST(SeedRunner, RecordsPrimitivesTimersAndNonAsciiNamesAsRunSimulationDoes) {
  expect_runner_records_as_run_simulation(primitives_program, "random", 200);
  expect_runner_records_as_run_simulation(primitives_program, "pos", 50);
}

TEST(SeedRunner, ABadSchedulerSpecIsAnErrorWhenTheRunnerIsMade) {
  EXPECT_THROW(detsim::SeedRunner(lost_update_checked, options_for("no-such-scheduler")), detsim::SchedulerSpecError);
  EXPECT_THROW(detsim::SeedRunner(lost_update_checked, options_for("random:")), detsim::SchedulerSpecError);
}

TEST(ResolveScheduler, MakesWhatMakeSchedulerMakes) {
  for (const std::string spec : {"fifo", "random", "pct:3", "pct:2,k=50", "pos", "swarm", "dfs:1"}) {
    const detsim::ResolvedScheduler make = detsim::resolve_scheduler(spec);
    for (std::uint64_t seed : {1u, 7u, 12345u}) {
      const auto resolved = make(seed);
      const auto direct = detsim::make_scheduler(spec, seed);
      EXPECT_EQ(resolved->name(), direct->name()) << spec;
      EXPECT_EQ(resolved->seed(), direct->seed()) << spec;
      EXPECT_EQ(resolved->reads_candidates(), direct->reads_candidates()) << spec;
      if (direct->reads_candidates()) continue;  // (picks need a loop's candidates)
      for (std::size_t ready = 1; ready < 40; ++ready) {
        ASSERT_EQ(resolved->pick(detsim::ReadyCandidates{ready % 5 + 1, nullptr}),
                  direct->pick(detsim::ReadyCandidates{ready % 5 + 1, nullptr}))
            << spec << " seed " << seed;
      }
    }
  }
  // Parameters a factory rejects are reported against the whole spec, at the call.
  const detsim::ResolvedScheduler bad = detsim::resolve_scheduler("random:x");
  EXPECT_THROW((void)bad(1), detsim::SchedulerSpecError);
}

}  // namespace
}  // namespace detsim_test
