// seed_sweep (detsim/run/seed_sweep.hpp): the same report whatever the jobs,
// shards that add up to the whole, isolation and leak reports, grouping by
// bug, and shrunk reproducers that reproduce.
#include <detsim/base/access.hpp>
#include <detsim/run/seed_runner.hpp>
#include <detsim/run/seed_sweep.hpp>
#include <detsim/run/shrink.hpp>
#include <detsim/run/sweep_report.hpp>

#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>

#include "run/sweep_programs.hpp"

namespace detsim {
// GoogleTest prints a coverage that differs by its counts and plateau.
void PrintTo(const SweepCoverage& coverage, std::ostream* out) {
  *out << "{seeds " << coverage.seeds() << ", schedules " << coverage.distinct_schedules() << " (last new at "
       << coverage.last_new_schedule().value_or(0) << "), orderings " << coverage.distinct_orderings()
       << " (last new at " << coverage.last_new_ordering().value_or(0) << "), points";
  for (const auto& [name, point] : coverage.points()) {
    *out << " \"" << name << "\" held in " << point.seeds_held << " of " << point.seeds_evaluated;
  }
  *out << "}";
}
}  // namespace detsim

namespace detsim_test {
namespace {

using detsim::SeedSweepOptions;
using detsim::SeedSweepReport;

std::string trace_dir() {
  const std::string dir = ::testing::TempDir() + "detsim-seed-sweep-test";
  std::filesystem::create_directories(dir);
  return dir;
}

SeedSweepOptions options_for(const std::string& name, detsim::SeedRange seeds, unsigned jobs) {
  SeedSweepOptions options;
  options.name = name;
  options.seeds = seeds;
  options.jobs = jobs;
  options.trace_dir = trace_dir();
  options.simulation.command = "sweep-test";
  options.simulation.record_orderings = true;
  return options;
}

// Everything but the machine's timings and the jobs that ran it.
void expect_same_findings(const SeedSweepReport& a, const SeedSweepReport& b) {
  EXPECT_EQ(a.range, b.range);
  EXPECT_EQ(a.seeds_run, b.seeds_run);
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(a.failures, b.failures);
  ASSERT_EQ(a.groups.size(), b.groups.size());
  for (std::size_t i = 0; i < a.groups.size(); ++i) {
    EXPECT_EQ(a.groups[i].signature, b.groups[i].signature);
    EXPECT_EQ(a.groups[i].count, b.groups[i].count);
    EXPECT_EQ(a.groups[i].first_seed, b.groups[i].first_seed);
    EXPECT_EQ(a.groups[i].shortest_seed, b.groups[i].shortest_seed);
    EXPECT_EQ(a.groups[i].shortest_schedule, b.groups[i].shortest_schedule);
    EXPECT_EQ(a.groups[i].shrunk.has_value(), b.groups[i].shrunk.has_value());
    if (a.groups[i].shrunk && b.groups[i].shrunk) {
      EXPECT_EQ(a.groups[i].shrunk->choices, b.groups[i].shrunk->choices);
      EXPECT_EQ(a.groups[i].shrunk->schedule, b.groups[i].shrunk->schedule);
    }
  }
  EXPECT_EQ(a.leaks, b.leaks);
  EXPECT_EQ(a.coverage, b.coverage);
  EXPECT_EQ(a.coverage.seeds(), a.seeds_run);
}

// What run_simulation records for each seed, folded: what a sweep's
// coverage must be.
detsim::SweepCoverage coverage_by_run_simulation(const detsim::Program& program, const std::string& scheduler,
                                                 std::uint64_t first, std::uint64_t last) {
  detsim::SweepCoverage coverage;
  coverage.set_orderings_recorded(true);
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    const auto run =
        detsim::run_simulation(program, {.name = "coverage", .seed = seed, .scheduler = scheduler,
                                         .read_environment = false, .write_failure_trace = false,
                                         .record_orderings = true});
    coverage.add_run(seed, detsim::sweep_seed_digest(run.schedule_digest, run.outcome, run.message), run.coverage);
  }
  return coverage;
}

TEST(SeedSweep, OneJobAndTwoJobsFindTheSameFailuresAndDigests) {
  const auto one = detsim::seed_sweep(lost_update_checked, options_for("lost_update", {1, 2000}, 1));
  const auto two = detsim::seed_sweep(lost_update_checked, options_for("lost_update", {1, 2000}, 2));
  ASSERT_FALSE(one.failures.empty());
  EXPECT_LT(one.failures.size(), 2000u) << "some seeds pass, so the digest sum covers passing seeds too";
  EXPECT_TRUE(one.complete());
  EXPECT_EQ(two.jobs, 2u);
  expect_same_findings(one, two);
  EXPECT_TRUE(one.leaks.empty());
}

// Three workers that declare their accesses to a counter: POS reads the
// declarations, so a sweep's worker must open the run's access log as
// run_simulation does, or its seeds run other schedules.
detsim::Task<void> declaring_worker(int& counter) {
  for (int i = 0; i < 2; ++i) {
    const int seen = counter;
    detsim::declare_access("counter", detsim::AccessMode::read);
    co_await detsim::yield();
    counter = seen + 1;
    detsim::declare_access("counter");
  }
}

detsim::Task<void> declaring_main() {
  int counter = 0;
  auto& loop = detsim::get_running_loop();
  auto a = loop.create_task(declaring_worker(counter), "A");
  auto b = loop.create_task(declaring_worker(counter), "B");
  auto c = loop.create_task(declaring_worker(counter), "C");
  co_await a;
  co_await b;
  co_await c;
}

void declaring(detsim::EventLoop& loop) { loop.run_until_complete(declaring_main()); }

TEST(SeedSweep, CoverageIsWhatRunSimulationRecordsSeedBySeedWhateverTheJobs) {
  struct Case {
    std::string name;
    detsim::Program program;
    std::string scheduler;
  };
  for (const Case& test : {Case{"coverage_points", coverage_points, "random"},
                           Case{"lost_update", lost_update_checked, "random"}, Case{"declaring", declaring, "pos"}}) {
    const auto& [name, program, scheduler] = test;
    auto options = options_for(name, {1, 300}, 1);
    options.shrink = false;
    options.simulation.scheduler = scheduler;
    const auto one = detsim::seed_sweep(program, options);
    options.jobs = 2;
    const auto two = detsim::seed_sweep(program, options);
    const detsim::SweepCoverage expected = coverage_by_run_simulation(program, scheduler, 1, 300);
    EXPECT_EQ(one.coverage, expected) << name;
    EXPECT_EQ(two.coverage, expected) << name;
    EXPECT_GT(expected.distinct_orderings(), 0u) << name;
  }
}

TEST(SeedSweep, CoverageNamesThePointThatNeverHeld) {
  const auto report = detsim::seed_sweep(coverage_points, options_for("coverage_points", {1, 200}, 2));
  EXPECT_EQ(report.coverage.unreached(), std::vector<std::string>{"the counter went negative"});
  EXPECT_EQ(report.coverage.points().at("both workers finished").seeds_held, 200u);
  const std::string table = detsim::format_sweep_table(report);
  const std::size_t row = table.find("  DETSIM_SOMETIMES \"the counter went negative\"  ");
  ASSERT_NE(row, std::string::npos) << table;
  const std::string line = table.substr(row, table.find('\n', row) - row);
  EXPECT_NE(line.find("  NEVER HELD in 200 seeds  "), std::string::npos) << table;
  EXPECT_NE(line.find("  tests/run/sweep_programs.hpp:"), std::string::npos) << table;
}

TEST(SeedSweep, TheUnionOfShardsIsTheUnshardedSweepFailureForFailure) {
  const detsim::SeedRange seeds{101, 1500};
  const auto whole = detsim::seed_sweep(lost_update_checked, options_for("lost_update", seeds, 2));
  std::vector<SeedSweepReport> shards;
  for (std::uint64_t i = 0; i < 3; ++i) {
    auto options = options_for("lost_update", seeds, 1);
    options.shard = detsim::Shard{i, 3};
    // Through the JSON Lines form, as shards' outputs reach `detsim merge`.
    std::stringstream file;
    detsim::write_sweep_report(file, detsim::seed_sweep(lost_update_checked, options));
    shards.push_back(detsim::read_sweep_report(file, "shard-" + std::to_string(i) + ".jsonl"));
  }
  std::swap(shards[0], shards[2]);  // merged in any order
  const auto merged = detsim::merge_reports(shards);
  expect_same_findings(whole, merged);
  EXPECT_TRUE(merged.complete());
  EXPECT_EQ(merged.jobs, 3u);
}

TEST(SeedSweep, IsolateRunsEachSeedFreshAndTheLeakReportNamesTheSeed) {
  auto shared = options_for("leaky", {1, 40}, 2);
  const auto leaking = detsim::seed_sweep(leaky, shared);
  ASSERT_FALSE(leaking.failures.empty()) << "the fourth seed in a worker sees the earlier seeds' counter";
  ASSERT_FALSE(leaking.leaks.empty());
  // Chunks are 16 seeds: seeds 1-3 pass in the first, seed 4 fails first.
  EXPECT_EQ(leaking.failures.front().seed, 4u);
  EXPECT_EQ(leaking.leaks.front().seed, 4u);
  EXPECT_NE(leaking.leaks.front().describe().find("seed 4 behaves differently when run alone"), std::string::npos)
      << leaking.leaks.front().describe();
  EXPECT_NE(leaking.leaks.front().alone.find("ok"), std::string::npos);

  auto isolated = shared;
  isolated.isolate = true;
  const auto fresh = detsim::seed_sweep(leaky, isolated);
  EXPECT_TRUE(fresh.failures.empty());
  EXPECT_TRUE(fresh.leaks.empty());
  EXPECT_EQ(fresh.seeds_run, 40u);
}

TEST(SeedSweep, ALeakThatChangesOnlyAFailuresMessageIsReportedBySeed) {
  // Every seed fails at the same step, under the same schedule; alone a
  // seed says "1 != 0", in the sweep its worker's count of runs so far.
  const auto report = detsim::seed_sweep(message_leak, options_for("message_leak", {1, 20}, 1));
  ASSERT_EQ(report.failures.size(), 20u);
  ASSERT_EQ(report.groups.size(), 1u) << "the numbers are masked in the signature";
  ASSERT_FALSE(report.leaks.empty()) << "the schedule is the same alone; the message is not";
  EXPECT_EQ(report.leaks.front().seed, 2u) << "seed 1 ran first in its worker, as it runs alone";
  EXPECT_NE(report.leaks.front().in_sweep, report.leaks.front().alone);
}

TEST(SeedSweep, TwoPlantedBugsMakeExactlyTwoGroupsEachWithItsShortestReproducer) {
  const auto report = detsim::seed_sweep(two_bugs, options_for("two_bugs", {1, 6000}, 2));
  ASSERT_EQ(report.groups.size(), 2u) << detsim::format_sweep_table(report);
  EXPECT_GE(report.failures.size(), 1000u);
  std::uint64_t total = 0;
  for (const auto& group : report.groups) {
    total += group.count;
    EXPECT_FALSE(group.signature.site.empty());
    // The shortest seed really is the shortest of its group.
    for (const auto& failure : report.failures) {
      if (&report.groups[failure.group] == &group) {
        EXPECT_GE(failure.steps, group.shortest_steps);
      }
    }
    EXPECT_TRUE(std::filesystem::exists(group.shortest_trace)) << group.shortest_trace;
    ASSERT_TRUE(group.shrunk.has_value());
    // The shrunk reproducer reproduces its own group's failure.
    detsim::SimulationOptions rerun{.name = "two_bugs", .schedule = group.shrunk->schedule, .read_environment = false};
    rerun.write_failure_trace = false;
    const auto result = detsim::run_simulation(two_bugs, rerun);
    EXPECT_EQ(detsim::signature_of(result.outcome, result.message), group.signature);
  }
  EXPECT_EQ(total, report.failures.size());
  EXPECT_NE(report.groups[0].signature.site, report.groups[1].signature.site);
}

TEST(SeedSweep, TheLostUpdatesShrunkReproducerHasOnlyTheDeviationsTheRaceNeeds) {
  const auto report = detsim::seed_sweep(lost_update_checked, options_for("lost_update", {1, 300}, 2));
  ASSERT_EQ(report.groups.size(), 1u);
  const auto& shrunk = report.groups[0].shrunk;
  ASSERT_TRUE(shrunk.has_value());
  // FIFO itself passes or fails: the race needs at most one reordering.
  detsim::SimulationOptions fifo{.name = "lost_update", .scheduler = "fifo", .read_environment = false};
  fifo.write_failure_trace = false;
  const bool fifo_fails = !detsim::run_simulation(lost_update_checked, fifo).ok();
  EXPECT_LE(shrunk->deviations, fifo_fails ? 0u : 1u) << detsim::format_sweep_table(report);
  EXPECT_LE(shrunk->steps, report.groups[0].shortest_steps);
  EXPECT_NE(shrunk->command.find("DETSIM_SCHEDULE=" + shrunk->schedule), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(shrunk->trace_path));
  detsim::SimulationOptions rerun{.name = "lost_update", .schedule = shrunk->schedule, .read_environment = false};
  rerun.write_failure_trace = false;
  const auto result = detsim::run_simulation(lost_update_checked, rerun);
  EXPECT_EQ(detsim::signature_of(result.outcome, result.message), report.groups[0].signature);
}

TEST(SeedSweep, StopOnFirstEndsAtTheLowestFailingSeedWhateverTheJobs) {
  auto options = options_for("lost_update", {1, 5000}, 2);
  options.stop_on_first = true;
  options.shrink = false;
  const auto two = detsim::seed_sweep(lost_update_checked, options);
  options.jobs = 1;
  const auto one = detsim::seed_sweep(lost_update_checked, options);
  ASSERT_EQ(two.failures.size(), 1u);
  EXPECT_EQ(two.seeds_run, two.failures[0].seed);
  expect_same_findings(one, two);
}

TEST(SeedSweep, ATimeBudgetEndsTheSweepAfterAPrefix) {
  auto options = options_for("lost_update", {1, 50'000'000}, 1);
  options.time_budget = std::chrono::milliseconds(300);
  options.shrink = false;
  options.leak_check_seeds = 0;
  const auto report = detsim::seed_sweep(lost_update_checked, options);
  EXPECT_FALSE(report.complete());
  EXPECT_GT(report.seeds_run, 0u);
  for (const auto& failure : report.failures) EXPECT_LT(failure.seed, report.seeds_run + 1);
}

TEST(SeedRange, ShardsCoverTheRangeExactlyOnce) {
  for (std::uint64_t count : {0, 1, 7, 1000}) {
    for (std::uint64_t shards : {1, 3, 4, 9}) {
      std::uint64_t next = 5;
      for (std::uint64_t i = 0; i < shards; ++i) {
        const auto slice = detsim::shard_of({5, count}, {i, shards});
        EXPECT_EQ(slice.first, next);
        next += slice.count;
      }
      EXPECT_EQ(next, 5 + count);
    }
  }
  const auto huge = detsim::shard_of({0, UINT64_MAX}, {3, 4});
  EXPECT_EQ(huge.first + huge.count, UINT64_MAX);
}

TEST(SeedRange, BadRangesAndShardsAreErrorsThatSayWhy) {
  EXPECT_EQ(detsim::parse_seed_range("1..1000"), (detsim::SeedRange{1, 1000}));
  EXPECT_EQ(detsim::parse_seed_range("42"), (detsim::SeedRange{42, 1}));
  const auto message = [](auto parse) -> std::string {
    try {
      parse();
    } catch (const detsim::Error& error) {
      return error.what();
    }
    return "no error";
  };
  EXPECT_NE(message([] { detsim::parse_seed_range("5..1"); }).find("'5..1': the last seed is below the first"),
            std::string::npos);
  EXPECT_NE(message([] { detsim::parse_seed_range("1..x"); }).find("expected A..B"), std::string::npos);
  EXPECT_NE(message([] { detsim::parse_shard("4/4"); }).find("below the count"), std::string::npos);
  EXPECT_NE(message([] { detsim::parse_shard("-1/3"); }).find("expected I/N"), std::string::npos);
}

TEST(SeedRange, TheShardComesFromSlurmOrKubernetesVariables) {
  std::map<std::string, std::string> environment;
  const auto lookup = [&](const char* name) -> std::optional<std::string> {
    const auto at = environment.find(name);
    return at == environment.end() ? std::nullopt : std::optional(at->second);
  };
  EXPECT_EQ(detsim::shard_from_environment(lookup), std::nullopt);
  environment = {{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  EXPECT_EQ(detsim::shard_from_environment(lookup), (detsim::Shard{2, 4}));
  environment = {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "3"}, {"SLURM_ARRAY_TASK_MIN", "1"}};
  EXPECT_EQ(detsim::shard_from_environment(lookup), (detsim::Shard{2, 3}));
  environment = {{"JOB_COMPLETION_INDEX", "1"}};
  EXPECT_THROW(detsim::shard_from_environment(lookup), detsim::Error) << "the count must be given";
  EXPECT_EQ(detsim::shard_from_environment(lookup, 8), (detsim::Shard{1, 8}));
  environment = {{"JOB_COMPLETION_INDEX", "8"}};
  EXPECT_THROW(detsim::shard_from_environment(lookup, 8), detsim::Error);
}

TEST(SweepReport, BrokenReportsAreErrorsNamingTheLine) {
  const auto message = [](const std::string& text) -> std::string {
    std::istringstream in(text);
    try {
      detsim::read_sweep_report(in, "r.jsonl");
    } catch (const detsim::Error& error) {
      return error.what();
    }
    return "no error";
  };
  EXPECT_NE(message("").find("r.jsonl: empty"), std::string::npos);
  EXPECT_NE(message("{\"type\":\"failure\"}").find("r.jsonl:1: the first line must be"), std::string::npos);
  EXPECT_NE(message("not json").find("r.jsonl:1: not JSON"), std::string::npos);
  std::stringstream good;
  detsim::write_sweep_report(good, detsim::seed_sweep(lost_update_checked, options_for("lost_update", {1, 50}, 1)));
  const std::string text = good.str();
  EXPECT_EQ(message(text), "no error");
  // Cut after its first failure line: truncated.
  const std::size_t cut = text.find("\n", text.find("\"type\":\"failure\"")) + 1;
  EXPECT_NE(message(text.substr(0, cut)).find("truncated"), std::string::npos) << message(text.substr(0, cut));
  // Cut before its coverage, or in it.
  const std::size_t coverage_at = text.find("{\"type\":\"coverage\"");
  EXPECT_NE(message(text.substr(0, coverage_at)).find("r.jsonl: no \"coverage\" line"), std::string::npos);
  const std::size_t last_line = text.rfind("{\"type\":\"schedules\"");
  EXPECT_NE(message(text.substr(0, last_line)).find("r.jsonl: truncated: the coverage line announces"),
            std::string::npos)
      << message(text.substr(0, last_line));
}

}  // namespace
}  // namespace detsim_test
