// EventLoop::schedule_digest (detsim/core/event_loop.hpp), what a seed sweep
// keeps of a seed: it must name a run as the trace's digest does. Equal
// for one run however it is made (observed or not, on a renewed loop,
// replayed from its schedule string), different for different runs, over
// random programs (tests/support/random_program.hpp) and the lost update.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <detsim/detsim.hpp>
#include <detsim/run/simulation.hpp>
#include <detsim/testing.hpp>
#include <detsim/trace/divergence.hpp>
#include <detsim/trace/recorder.hpp>

#include "run/sweep_programs.hpp"
#include "support/random_program.hpp"

namespace {

struct DigestedRun {
  detsim::Trace trace;  // empty if the run was not observed
  std::uint64_t schedule_digest = 0;
  std::uint64_t steps = 0;
  std::string log;  // what the program's tasks did
};

DigestedRun run_digested(const random_program::ProgramSpec& spec, std::unique_ptr<detsim::Scheduler> scheduler,
                         bool recorded) {
  DigestedRun run;
  detsim::EventLoop loop{std::move(scheduler)};
  std::unique_ptr<detsim::TraceRecorder> recorder;
  if (recorded) recorder = std::make_unique<detsim::TraceRecorder>(loop);
  run.log = random_program::run(loop, spec);
  if (recorder) {
    recorder->finish();
    run.trace = recorder->take_trace();
  }
  run.schedule_digest = loop.schedule_digest();
  run.steps = loop.callbacks_run();
  return run;
}

// A choice list, and another that is the same or differs in one decision.
std::pair<std::vector<std::uint32_t>, std::vector<std::uint32_t>> two_schedules() {
  std::vector<std::uint32_t> first = *detsim::gen::schedule();
  std::vector<std::uint32_t> second = first;
  if (!second.empty() && *rc::gen::arbitrary<bool>()) {
    const std::size_t index = *rc::gen::inRange<std::size_t>(0, second.size());
    second[index] = *rc::gen::inRange<std::uint32_t>(0, 4);
  }
  return {first, second};
}

RC_GTEST_PROP(ScheduleDigest, IsEqualExactlyWhenTheTracesAreEqual, (const random_program::ProgramSpec& spec)) {
  const auto [first, second] = two_schedules();
  const DigestedRun a = run_digested(spec, std::make_unique<detsim::ChoiceScheduler>(first), true);
  const DigestedRun b = run_digested(spec, std::make_unique<detsim::ChoiceScheduler>(second), true);
  const bool same_run = !detsim::first_divergence(a.trace, b.trace).has_value();
  RC_CLASSIFY(same_run, "same run");
  RC_ASSERT(same_run == (a.schedule_digest == b.schedule_digest));
  RC_ASSERT(same_run == (a.trace.digest() == b.trace.digest()));
}

RC_GTEST_PROP(ScheduleDigest, IsTheSameWhetherTheLoopIsRecordedOrNot, (const random_program::ProgramSpec& spec)) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const DigestedRun recorded = run_digested(spec, std::make_unique<detsim::RandomScheduler>(seed), true);
  const DigestedRun bare = run_digested(spec, std::make_unique<detsim::RandomScheduler>(seed), false);
  RC_ASSERT(bare.log == recorded.log);
  RC_ASSERT(bare.schedule_digest == recorded.schedule_digest);
  RC_ASSERT(bare.steps == recorded.steps);
}

detsim::SimulationOptions simulation_options(const std::string& scheduler, std::uint64_t seed) {
  return {.name = "schedule_digest_test",
          .seed = seed,
          .scheduler = scheduler,
          .read_environment = false,
          .write_failure_trace = false};
}

// Runs `program` under seeds 1..seeds and checks that its trace digests and
// schedule digests name the same runs, one to one; returns how many runs
// (distinct trace digests) there were, 0 at the first seed that breaks it.
std::size_t runs_named_alike(const detsim::Program& program, const std::string& scheduler, std::uint64_t seeds,
                             bool every_run_passes = false) {
  std::map<std::uint64_t, std::uint64_t> schedule_of_trace;
  std::map<std::uint64_t, std::uint64_t> trace_of_schedule;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const auto run = detsim::run_simulation(program, simulation_options(scheduler, seed));
    if (every_run_passes) {
      EXPECT_TRUE(run.ok()) << run.message;
    }
    const auto [to_schedule, new_trace] = schedule_of_trace.emplace(run.digest, run.schedule_digest);
    const auto [to_trace, new_schedule] = trace_of_schedule.emplace(run.schedule_digest, run.digest);
    EXPECT_EQ(to_schedule->second, run.schedule_digest) << scheduler << " seed " << seed << ": one trace, two digests";
    EXPECT_EQ(to_trace->second, run.digest) << scheduler << " seed " << seed << ": two traces, one digest";
    EXPECT_EQ(new_trace, new_schedule);
    if (to_schedule->second != run.schedule_digest || to_trace->second != run.digest) return 0;
  }
  return schedule_of_trace.size();
}

TEST(ScheduleDigest, OfTheLostUpdateNamesTheSameRunsAsTheTraceDigest) {
  for (const std::string scheduler : {"random", "pct:2", "pos", "swarm"}) {
    const std::size_t runs = runs_named_alike(detsim_test::lost_update_checked, scheduler, 1000);
    EXPECT_GT(runs, 5u) << scheduler << ": the seeds ran too few schedules to tell";
    EXPECT_LT(runs, 1000u) << scheduler << ": no two seeds ran the same schedule";
  }
}

// A delay drawn from random() changes no decision, no step and (a fixed
// timer ends the run) not the end time: only a timer's deadline shows it.
void random_delay(detsim::EventLoop& loop) {
  loop.run_until_complete([]() -> detsim::Task<void> {
    auto& running = detsim::get_running_loop();
    const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(running.random().in_range(1, 8)));
    auto waiter = running.create_task([](std::chrono::milliseconds ms) -> detsim::Task<void> {
      co_await detsim::sleep(ms);
    }(delay));
    co_await detsim::sleep(std::chrono::milliseconds(10));
    co_await waiter;
  }());
}

TEST(ScheduleDigest, TellsApartRunsThatDifferOnlyInADelayDrawnFromRandom) {
  EXPECT_EQ(runs_named_alike(random_delay, "random", 64, true), 8u) << "one run per delay";
}

TEST(ScheduleDigest, AScheduleStringsReplayGivesItsSeedsDigestAndSteps) {
  for (const std::string scheduler : {"random", "pct:2", "pos", "swarm"}) {
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
      const auto run = detsim::run_simulation(detsim_test::lost_update_checked, simulation_options(scheduler, seed));
      detsim::SimulationOptions again = simulation_options(scheduler, seed);
      again.schedule = run.schedule;
      const auto replayed = detsim::run_simulation(detsim_test::lost_update_checked, again);
      ASSERT_EQ(replayed.digest, run.digest) << run.schedule;
      EXPECT_EQ(replayed.schedule_digest, run.schedule_digest) << run.schedule;
      EXPECT_EQ(replayed.steps, run.steps) << run.schedule;
    }
  }
}

TEST(ScheduleDigest, OfALoopThatRanNothingDiffersFromOneThatRanAStep) {
  detsim::EventLoop idle;
  detsim::EventLoop ran;
  ran.call_soon([] {});
  ran.run_until_idle();
  EXPECT_NE(idle.schedule_digest(), ran.schedule_digest());
  EXPECT_EQ(idle.schedule_digest(), detsim::EventLoop{}.schedule_digest());
}

}  // namespace
