// The exploration strategies as schedulers (pct, pos, swarm, dfs, dfs-path):
// their specs, PCT's priority order, replay of every strategy's runs byte for
// byte, and the coverage report.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/base/coverage.hpp>
#include <detsim/detsim.hpp>
#include <detsim/run/coverage.hpp>
#include <detsim/run/simulation.hpp>
#include <detsim/scheduling/actor.hpp>
#include <detsim/scheduling/pct.hpp>
#include <detsim/scheduling/registry.hpp>
#include <detsim/scheduling/swarm.hpp>
#include <detsim/testing.hpp>

#include "scenarios/lost_update.hpp"

namespace {

namespace fs = std::filesystem;

detsim::Program lost_update(int tasks = 3, int increments = 3) {
  return detsim::Program([tasks, increments](detsim::EventLoop& loop) {
    const auto outcome = detsim::scenarios::run_lost_update(loop, tasks, increments);
    DETSIM_SOMETIMES(outcome.counter < tasks * increments, "an update was lost");
    DETSIM_SOMETIMES(outcome.counter < 0, "the counter went negative");
    DETSIM_REACHABLE("finished");
  });
}

TEST(Strategies, SpecsMakeSchedulersThatNameThemselves) {
  EXPECT_EQ(detsim::make_scheduler("pct:3", 1)->name(), "pct:3,k=100");
  EXPECT_EQ(detsim::make_scheduler("pct:2,k=40", 1)->name(), "pct:2,k=40");
  EXPECT_EQ(detsim::make_scheduler("pos", 1)->name(), "pos");
  EXPECT_EQ(detsim::make_scheduler("dfs:2", 1)->name(), "dfs:2");
  EXPECT_EQ(detsim::make_scheduler("dfs-delay:3", 1)->name(), "dfs-delay:3");
  EXPECT_EQ(detsim::make_scheduler("dfs-path:0-2-0-1-0-0", 1)->name(), "dfs-path:0-2-0-1");
  // swarm names itself by what it drew, a spec that rebuilds it.
  EXPECT_EQ(detsim::make_scheduler("swarm", 9)->name(), detsim::swarm_spec(9));
  EXPECT_EQ(detsim::SwarmScheduler(9).strategy(), detsim::swarm_spec(9));
  EXPECT_EQ(detsim::concrete_scheduler_spec("swarm", 9), detsim::swarm_spec(9));
  EXPECT_EQ(detsim::concrete_scheduler_spec("random", 9), "random");
  EXPECT_THROW((void)detsim::make_scheduler("pct:0", 1), detsim::SchedulerSpecError);
  EXPECT_THROW((void)detsim::make_scheduler("pct:2,q=3", 1), detsim::SchedulerSpecError);
  EXPECT_THROW((void)detsim::make_scheduler("pct", 1), detsim::SchedulerSpecError);
  EXPECT_THROW((void)detsim::make_scheduler("pos:1", 1), detsim::SchedulerSpecError);
  EXPECT_THROW((void)detsim::make_scheduler("dfs:x", 1), detsim::SchedulerSpecError);
}

TEST(Strategies, SwarmDrawsEveryStrategy) {
  std::set<std::string> kinds;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const std::string spec = detsim::swarm_spec(seed);
    kinds.insert(spec.substr(0, spec.find(',')));
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"pct:2", "pct:3", "pos", "random"}));
}

// Wraps a PctScheduler and checks, at every pick, that the actor it chose
// was never passed over in favour of an actor it beat before (d = 1: a fixed
// order of priorities, no change point).
class OrderWitness final : public detsim::Scheduler {
 public:
  explicit OrderWitness(std::uint32_t depth, std::uint64_t seed) : inner_(depth, 1000, seed) {}
  using Scheduler::pick;
  bool reads_candidates() const noexcept override { return true; }
  std::size_t pick(detsim::ReadyCandidates ready) override {
    const std::size_t chosen = inner_.pick(ready);
    const std::uint64_t winner = detsim::actor_of(ready.candidate(chosen));
    for (std::size_t i = 0; i < ready.size(); ++i) {
      const std::uint64_t other = detsim::actor_of(ready.candidate(i));
      if (other == winner) continue;
      if (beats_.contains({other, winner})) ++inversions;
      beats_.insert({winner, other});
    }
    ++picks;
    return chosen;
  }
  std::string name() const override { return inner_.name(); }
  std::uint64_t seed() const override { return inner_.seed(); }
  std::unique_ptr<Scheduler> clone_fresh() const override { return nullptr; }
  int inversions = 0;
  int picks = 0;

 private:
  detsim::PctScheduler inner_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> beats_;
};

TEST(Strategies, PctWithDepthOneNeverPreemptsItsPriorityOrder) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto witness = std::make_unique<OrderWitness>(1, seed);
    OrderWitness& seen = *witness;
    detsim::EventLoop loop{std::move(witness)};
    const auto outcome = detsim::scenarios::run_lost_update(loop, 4, 5);
    EXPECT_GT(seen.picks, 10);
    EXPECT_EQ(seen.inversions, 0) << "seed " << seed;
    // The highest task runs its increments whole, then the next: no update is lost.
    EXPECT_EQ(outcome.counter, 20) << "seed " << seed;
  }
}

TEST(Strategies, PctWithDepthTwoChangesItsOrderOnce) {
  int inverted = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto witness = std::make_unique<OrderWitness>(2, seed);
    OrderWitness& seen = *witness;
    detsim::EventLoop loop{std::move(witness)};
    (void)detsim::scenarios::run_lost_update(loop, 4, 5);
    inverted += seen.inversions > 0;
  }
  EXPECT_GT(inverted, 0);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every strategy's run, written, replayed from its trace and from its
// schedule string, and rebuilt from its name: the same bytes each time.
TEST(Strategies, EveryStrategysRunsReplayByteForByte) {
  const fs::path directory = fs::temp_directory_path() / "detsim-strategies-test";
  fs::create_directories(directory);
  const std::vector<std::string> specs = {"random", "pct:1", "pct:2,k=20", "pct:3,k=20", "pos",
                                          "swarm",  "dfs:1", "dfs-delay:2", "dfs-path:1-0-1"};
  for (const std::string& spec : specs) {
    for (std::uint64_t seed : {3u, 11u}) {
      const std::string label = spec.substr(0, spec.find(':')) + "-" + std::to_string(seed);
      const fs::path original = directory / (label + ".jsonl");
      const auto run = detsim::run_simulation(lost_update(), {.name = "lost", .seed = seed, .scheduler = spec,
                                                              .trace_path = original.string(),
                                                              .read_environment = false, .record_orderings = true});
      const fs::path from_trace = directory / (label + "-replayed.jsonl");
      const auto replayed = detsim::run_simulation(lost_update(), {.name = "lost", .trace_path = from_trace.string(),
                                                                   .replay_path = original.string(),
                                                                   .read_environment = false});
      const fs::path from_schedule = directory / (label + "-schedule.jsonl");
      const auto scheduled = detsim::run_simulation(lost_update(), {.name = "lost", .trace_path = from_schedule.string(),
                                                                    .schedule = run.schedule,
                                                                    .read_environment = false, .record_orderings = true});
      const fs::path rebuilt = directory / (label + "-rebuilt.jsonl");
      const auto again = detsim::run_simulation(lost_update(), {.name = "lost", .seed = seed, .scheduler = run.scheduler,
                                                                .trace_path = rebuilt.string(),
                                                                .read_environment = false});
      EXPECT_TRUE(replayed.ok()) << spec << ": " << replayed.message;
      const std::string bytes = read_file(original);
      EXPECT_FALSE(bytes.empty());
      EXPECT_EQ(read_file(from_trace), bytes) << spec << " seed " << seed;
      EXPECT_EQ(read_file(from_schedule), bytes) << spec << " seed " << seed;
      EXPECT_EQ(read_file(rebuilt), bytes) << spec << " seed " << seed;
      EXPECT_EQ(again.digest, run.digest);
      EXPECT_EQ(scheduled.coverage, run.coverage);
    }
  }
  fs::remove_all(directory);
}

TEST(Strategies, CoverageReportNamesTheSometimesThatNeverHeld) {
  detsim::CoverageReport report;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    report.add(detsim::run_simulation(lost_update(), {.name = "lost", .seed = seed, .read_environment = false,
                                                      .record_orderings = true}));
  }
  EXPECT_EQ(report.runs(), 20u);
  EXPECT_EQ(report.unreached(), std::vector<std::string>{"the counter went negative"});
  EXPECT_GT(report.distinct_schedules(), 5u);
  EXPECT_GT(report.distinct_orderings(), 0u);
  const std::string text = report.describe();
  EXPECT_NE(text.find("never held: DETSIM_SOMETIMES \"the counter went negative\""), std::string::npos) << text;
  EXPECT_EQ(text.find("an update was lost\""), std::string::npos) << text;
  report.expect("never evaluated anywhere", detsim::CoverageKind::reachable);
  EXPECT_EQ(report.unreached().size(), 2u);
}

TEST(Strategies, CoveragePlateauIsTheRunOfTheLastNewThing) {
  detsim::CoverageReport report;
  const auto run = detsim::run_simulation(lost_update(), {.name = "lost", .seed = 5, .read_environment = false});
  for (int i = 0; i < 10; ++i) report.add(run);
  EXPECT_EQ(report.distinct_schedules(), 1u);
  EXPECT_EQ(report.last_new_schedule(), 1u);
  EXPECT_TRUE(report.plateaued(9));
  EXPECT_FALSE(report.plateaued(10));
}

// The sweep folds every run into its report, and the test integration
// prints the points that never held.
TEST(Strategies, SweepsAndTestsShowUnreachedSometimes) {
  const auto result = detsim::sweep(lost_update(), {.name = "lost", .seeds = 30, .regression_file = "",
                                                    .simulation = {.scheduler = "swarm"}, .read_environment = false});
  EXPECT_TRUE(result.failure.has_value() || result.runs == 30u);
  EXPECT_EQ(result.coverage.runs(), result.runs);
  EXPECT_EQ(result.coverage.unreached(), std::vector<std::string>{"the counter went negative"});

  ::testing::internal::CaptureStdout();
  detsim::testing::run_sweep(lost_update(2, 1), {.name = "lost", .seeds = 10, .regression_file = "",
                                                 .read_environment = false});
  const std::string printed = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(printed.find("never held: DETSIM_SOMETIMES \"the counter went negative\""), std::string::npos) << printed;
}

}  // namespace
