// The SCTBench ports (tools/scenarios/sctbench) keep their bugs: each fails
// under some seed of the default mix, and the failing run reproduces from
// its schedule string.
#include <algorithm>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <detsim/run/explore.hpp>
#include <detsim/run/simulation.hpp>

#include "scenarios/sctbench/sctbench.hpp"

namespace {

TEST(SctBench, EveryPortFailsUnderTheDefaultMixAndReplays) {
  ASSERT_GE(detsim::sctbench::ports().size(), 5u);
  for (const detsim::sctbench::Port& port : detsim::sctbench::ports()) {
    SCOPED_TRACE(port.name);
    std::optional<detsim::SimulationResult> failure;
    for (std::uint64_t seed = 1; seed <= 3000 && !failure; ++seed) {
      auto result = detsim::run_simulation(
          port.program(), {.name = port.name, .seed = seed, .scheduler = "swarm", .read_environment = false,
                           .keep_trace = false});
      if (!result.ok()) failure = std::move(result);
    }
    ASSERT_TRUE(failure) << "no seed in 1..3000 shows the bug";
    const auto again = detsim::run_simulation(
        port.program(), {.name = port.name, .schedule = failure->schedule, .read_environment = false});
    EXPECT_FALSE(again.ok());
    EXPECT_EQ(again.digest, failure->digest);
  }
}

// With every access declared, the sleep sets skip some schedules and keep
// the bug: explore finds it within two preemptions, with and without them.
TEST(SctBench, ExploreFindsTheSmallPortsBugsWithinTwoPreemptions) {
  for (const char* name : {"reorder_3", "twostage", "wronglock", "lazy01", "deadlock01", "account"}) {
    SCOPED_TRACE(name);
    const auto& ports = detsim::sctbench::ports();
    const auto port = std::find_if(ports.begin(), ports.end(), [&](const auto& p) { return p.name == name; });
    ASSERT_NE(port, ports.end());
    for (bool reduction : {false, true}) {
      const auto result = detsim::explore(port->program(), {.name = name, .bound = 2, .reduction = reduction});
      EXPECT_TRUE(result.failure) << "reduction " << reduction;
    }
  }
}

}  // namespace
