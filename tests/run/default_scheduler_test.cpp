// The default scheduler (default_scheduler_spec, registry.hpp) is swarm,
// in every entry point that runs seeds: run_simulation, the library sweep
// and DETSIM_TEST, seed_sweep. A run records the strategy swarm drew, and a
// sweep with the default seeds finds a bug that needs a task held off for a
// long stretch (tools/scenarios/long_stretch), which Random misses in the
// same seeds: the reason swarm is the default. Reverting the default to
// "random" fails DefaultSweepFindsTheLongStretchBugThatRandomMisses and
// DetsimTestFindsItWithItsDefaultSeeds.
#include <string>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <detsim/run/seed_sweep.hpp>
#include <detsim/run/simulation.hpp>
#include <detsim/run/sweep.hpp>
#include <detsim/scheduling/registry.hpp>
#include <detsim/scheduling/swarm.hpp>
#include <detsim/testing.hpp>

#include "scenarios/long_stretch/long_stretch.hpp"

namespace {

// The ring of 6 records: Random keeps its consumer off for 7 puts in about
// one run in 10,000 (exploration.md); swarm's PCT share does it often.
detsim::Program long_stretch_bug() { return detsim::long_stretch::ring_overflow(6); }

// The first of seeds 1..100 whose swarm draw finds it (pinned from a run):
// seed 7 draws pct:2,k=32.
constexpr std::uint64_t first_failing_seed = 7;
constexpr const char* first_failing_strategy = "pct:2,k=32";

TEST(DefaultScheduler, IsSwarmInEveryEntryPoint) {
  EXPECT_EQ(detsim::default_scheduler_spec, "swarm");
  EXPECT_EQ(detsim::SimulationOptions{}.scheduler, "swarm");
  EXPECT_EQ(detsim::SweepOptions{}.simulation.scheduler, "swarm");
  EXPECT_EQ(detsim::SeedSweepOptions{}.simulation.scheduler, "swarm");
}

// No scheduler given: the trace header, the result and the schedule string
// name the strategy swarm drew for the seed, and that spec replays the run.
TEST(DefaultScheduler, ARunRecordsTheStrategySwarmDrew) {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    SCOPED_TRACE(seed);
    const auto run = detsim::run_simulation(long_stretch_bug(), {.name = "ring", .seed = seed, .read_environment = false});
    const std::string drawn = detsim::swarm_spec(seed);
    EXPECT_EQ(run.scheduler, drawn);
    EXPECT_EQ(run.trace.header.scheduler, drawn);
    EXPECT_TRUE(run.schedule.starts_with("s1." + drawn + "." + std::to_string(seed) + ".")) << run.schedule;
    const auto rebuilt = detsim::run_simulation(long_stretch_bug(),
                                                {.name = "ring", .seed = seed, .scheduler = drawn, .read_environment = false});
    EXPECT_EQ(rebuilt.digest, run.digest);
  }
}

TEST(DefaultScheduler, RandomIsOneSpecAway) {
  const auto run = detsim::run_simulation(long_stretch_bug(),
                                          {.name = "ring", .seed = 3, .scheduler = "random", .read_environment = false});
  EXPECT_EQ(run.scheduler, "random");
  EXPECT_EQ(run.trace.header.scheduler, "random");
}

// The library sweep behind DETSIM_TEST, with its default seeds (1..100).
TEST(DefaultScheduler, DefaultSweepFindsTheLongStretchBugThatRandomMisses) {
  const auto by_default = detsim::sweep(long_stretch_bug(), {.name = "ring", .regression_file = "", .read_environment = false});
  ASSERT_TRUE(by_default.failure.has_value()) << "the default found nothing in seeds 1..100";
  EXPECT_EQ(by_default.failure->seed, first_failing_seed);
  EXPECT_EQ(by_default.failure->scheduler, first_failing_strategy);
  EXPECT_EQ(by_default.runs, first_failing_seed) << "seeds 1.." << first_failing_seed - 1 << " passed";

  const auto by_random = detsim::sweep(long_stretch_bug(), {.name = "ring", .regression_file = "",
                                                            .simulation = {.scheduler = "random"},
                                                            .read_environment = false});
  EXPECT_FALSE(by_random.failure.has_value()) << by_random.failure->report;
  EXPECT_EQ(by_random.runs, 100u);
}

// DETSIM_TEST's own path (testing::run_sweep): the sweep's failure is a
// GoogleTest failure naming the seed and the strategy that found it.
TEST(DefaultScheduler, DetsimTestFindsItWithItsDefaultSeeds) {
  const std::string expected =
      "failed under seed " + std::to_string(first_failing_seed) + " (" + first_failing_strategy + ")";
  EXPECT_NONFATAL_FAILURE(detsim::testing::run_sweep(long_stretch_bug(), {.name = "ring", .regression_file = "",
                                                                          .read_environment = false}),
                          expected);
}

}  // namespace
