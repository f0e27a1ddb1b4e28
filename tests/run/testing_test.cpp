// The test integration: DETSIM_TEST seed sweeps, regression files, failure
// reports, and RapidCheck shrinking a planted race to its minimal schedule.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <detsim/detsim.hpp>
#include <detsim/scheduling/schedule.hpp>
#include <detsim/scheduling/swarm.hpp>
#include <detsim/testing.hpp>

namespace {

namespace fs = std::filesystem;

// A scratch directory for traces and regression files, removed afterwards.
class Scratch {
 public:
  explicit Scratch(const std::string& name) : path_(fs::temp_directory_path() / ("detsim-testing-" + name)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
    ::setenv("DETSIM_TRACE_DIR", path_.c_str(), 1);
  }
  ~Scratch() {
    ::unsetenv("DETSIM_TRACE_DIR");
    fs::remove_all(path_);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// ---- the planted race ------------------------------------------------------------

// `first` increments right away; `second` waits one scheduling point, then
// increments. Under asyncio's FIFO order the first write lands before the
// second read, so FIFO passes; one deviation from FIFO that lets `second`
// read before `first` writes loses an update.
detsim::Task<void> increment(int& counter, int delay_yields) {
  for (int i = 0; i < delay_yields; ++i) co_await detsim::yield();
  const int seen = counter;
  co_await detsim::yield();
  counter = seen + 1;
}

detsim::Task<void> planted_race() {
  int counter = 0;
  auto& loop = detsim::get_running_loop();
  auto first = loop.create_task(increment(counter, 0), "first");
  auto second = loop.create_task(increment(counter, 1), "second");
  co_await first;
  co_await second;
  DETSIM_CHECK_EQ(counter, 2);
}

TEST(PlantedRace, PassesUnderFifo) {
  const auto result = detsim::run_simulation(planted_race, {.name = "planted", .scheduler = "fifo", .read_environment = false});
  EXPECT_TRUE(result.ok()) << result.report;
}

TEST(PlantedRace, RapidCheckFindsAndShrinksItToOneDeviation) {
  Scratch scratch("shrink");
  std::vector<std::uint32_t> last_failing;
  std::string last_report;
  std::string last_schedule;
  const bool passed = rc::check("the planted race keeps both increments", [&] {
    const auto choices = *detsim::gen::schedule();
    const auto result = detsim::run_simulation(
        planted_race, {.name = "PlantedRace", .choices = choices, .command = "./testing_test", .read_environment = false});
    if (!result.ok()) {
      // RapidCheck keeps each smaller failing case it finds, so the last
      // failing run is the minimal counterexample it reports.
      last_failing = choices;
      last_report = result.report;
      last_schedule = result.schedule;
      RC_FAIL(result.report);
    }
  });
  ASSERT_FALSE(passed) << "RapidCheck did not find the planted race";

  // Shrunk toward FIFO: the race needs one deviation from FIFO order.
  std::size_t deviations = 0;
  for (std::uint32_t choice : last_failing) deviations += choice != 0;
  EXPECT_EQ(deviations, 1u) << testing::PrintToString(last_failing);
  EXPECT_LE(last_failing.size(), 3u) << testing::PrintToString(last_failing);
  const detsim::Schedule decoded = detsim::decode_schedule(last_schedule);
  std::size_t real_deviations = 0;
  for (const auto& decision : decoded.decisions) real_deviations += decision.choice != 0;
  EXPECT_EQ(real_deviations, 1u) << last_schedule;

  // The report names the schedule string, the trace of the minimal run, and the command.
  EXPECT_NE(last_report.find("DETSIM_SCHEDULE=" + last_schedule + " ./testing_test"), std::string::npos) << last_report;
  const std::string trace_path = scratch.file("detsim-PlantedRace-seed1.jsonl");
  EXPECT_NE(last_report.find("trace:    " + trace_path), std::string::npos) << last_report;
  ASSERT_TRUE(fs::exists(trace_path));
  EXPECT_EQ(detsim::encode_schedule(detsim::schedule_of(detsim::read_trace(trace_path))), last_schedule)
      << "the trace on disk is the minimal run's";

  // Replaying the printed schedule string reproduces the failure.
  ::setenv("DETSIM_SCHEDULE", last_schedule.c_str(), 1);
  const auto replayed = detsim::run_simulation(planted_race, {.name = "PlantedRace"});
  ::unsetenv("DETSIM_SCHEDULE");
  EXPECT_FALSE(replayed.ok());
  EXPECT_NE(replayed.message.find("expected counter == 2, but 1 != 2"), std::string::npos) << replayed.message;
}

// ---- seed sweeps ---------------------------------------------------------------

TEST(Sweep, StopsAtTheFirstFailingSeedAndRecordsItAsARegression) {
  Scratch scratch("sweep");
  const std::string regressions = scratch.file("regressions.txt");
  detsim::SweepOptions options{.name = "Sweep.LostUpdate", .seeds = 200, .regression_file = regressions,
                               .read_environment = false};
  const detsim::Program program = [](detsim::EventLoop& loop) { loop.run_until_complete(planted_race()); };
  const auto first = detsim::sweep(program, options);
  ASSERT_TRUE(first.failure);
  EXPECT_EQ(first.runs, first.failure->seed) << "seeds 1..n-1 passed, seed n failed";
  const auto entries = detsim::read_regressions(regressions, "Sweep.LostUpdate");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].seed, first.failure->seed);

  // The next run re-runs the regression first, and fails on it at once.
  const auto second = detsim::sweep(program, options);
  ASSERT_TRUE(second.failure);
  EXPECT_EQ(second.runs, 1u);
  EXPECT_EQ(second.regression_seeds, std::vector<std::uint64_t>{first.failure->seed});
  EXPECT_EQ(detsim::read_regressions(regressions, "Sweep.LostUpdate").size(), 1u) << "not appended twice";
}

TEST(Sweep, FailureReportHasEverythingToReproduce) {
  Scratch scratch("report");
  const auto result = detsim::sweep(
      [](detsim::EventLoop& loop) { loop.run_until_complete(planted_race()); },
      {.name = "Sweep.Report", .regression_file = "", .simulation = {.command = "./my_tests --gtest_filter=Sweep.Report"},
       .read_environment = false});
  ASSERT_TRUE(result.failure);
  const auto& failure = *result.failure;
  const std::string seed = std::to_string(failure.seed);
  // The default scheduler, swarm, names the strategy it drew for the seed.
  EXPECT_EQ(failure.scheduler, detsim::swarm_spec(failure.seed));
  const std::string expected_head =
      "detsim: simulation 'Sweep.Report' failed under seed " + seed + " (" + failure.scheduler + "): [detsim.invariant] ";
  EXPECT_EQ(failure.report.substr(0, expected_head.size()), expected_head) << failure.report;
  EXPECT_NE(failure.report.find("tests/run/testing_test.cpp:"), std::string::npos) << failure.report;
  EXPECT_NE(failure.report.find("\n  trace:    " + failure.trace_path + "\n"), std::string::npos) << failure.report;
  EXPECT_NE(failure.report.find("\n  schedule: " + failure.schedule + "\n"), std::string::npos) << failure.report;
  EXPECT_NE(failure.report.find("\n  replay:   DETSIM_REPLAY=" + failure.trace_path + " ./my_tests --gtest_filter=Sweep.Report\n"),
            std::string::npos) << failure.report;
  EXPECT_NE(failure.report.find("\n  or:       DETSIM_SCHEDULE=" + failure.schedule + " ./my_tests"), std::string::npos)
      << failure.report;
  // And the seed alone reproduces it.
  ::setenv("DETSIM_SEED", seed.c_str(), 1);
  const auto again = detsim::sweep([](detsim::EventLoop& loop) { loop.run_until_complete(planted_race()); },
                                   {.name = "Sweep.Report", .regression_file = ""});
  ::unsetenv("DETSIM_SEED");
  ASSERT_TRUE(again.failure);
  EXPECT_EQ(again.runs, 1u);
  EXPECT_EQ(again.failure->digest, failure.digest);
}

// A sweep drops a passing run's result, so it asks run_simulation not to
// decode its events (keep_trace = false): the outcome and the digest must be
// the same, and a failing run must still come back whole.
TEST(RunSimulation, WithoutKeepTraceARunHasTheSameDigestAndOnlyAFailureKeepsItsEvents) {
  Scratch scratch("keep-trace");
  const detsim::Program program = [](detsim::EventLoop& loop) { loop.run_until_complete(planted_race()); };
  int passed = 0;
  int failed = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    detsim::SimulationOptions options{.name = "KeepTrace", .seed = seed, .read_environment = false};
    const auto kept = detsim::run_simulation(program, options);
    options.keep_trace = false;
    const auto lean = detsim::run_simulation(program, options);
    ASSERT_EQ(lean.outcome, kept.outcome) << "seed " << seed;
    EXPECT_EQ(lean.digest, kept.digest) << "seed " << seed;
    // The recorder's digest, computed as the events came, is the trace's.
    EXPECT_EQ(kept.digest, kept.trace.digest()) << "seed " << seed;
    EXPECT_FALSE(kept.trace.events.empty());
    EXPECT_FALSE(kept.schedule.empty());
    if (kept.ok()) {
      ++passed;
      EXPECT_TRUE(lean.trace.events.empty()) << "seed " << seed;
      EXPECT_TRUE(lean.schedule.empty()) << "seed " << seed;
    } else {
      ++failed;
      EXPECT_EQ(lean.trace.events.size(), kept.trace.events.size()) << "seed " << seed;
      EXPECT_EQ(lean.trace.digest(), lean.digest) << "seed " << seed;
      EXPECT_EQ(lean.schedule, kept.schedule) << "seed " << seed;
      EXPECT_EQ(lean.report, kept.report) << "seed " << seed;
    }
  }
  EXPECT_GT(passed, 0);
  EXPECT_GT(failed, 0);
}

detsim::Task<void> orphan_failure() {
  auto& loop = detsim::get_running_loop();
  (void)loop.create_task([]() -> detsim::Task<void> {  // fire and forget
    co_await detsim::yield();
    throw std::runtime_error("nobody awaits me");
  }(), "orphan");
  co_await detsim::sleep(std::chrono::milliseconds(1));
}

TEST(Sweep, AnExceptionNobodyRetrievedFailsTheRun) {
  Scratch scratch("orphan");
  const auto result = detsim::run_simulation(orphan_failure, {.name = "orphan", .read_environment = false});
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.message.find("Task exception was never retrieved (task 'orphan'): nobody awaits me"), std::string::npos)
      << result.message;
}

// The first list of choices with one deviation from FIFO that loses an update.
std::vector<std::uint32_t> choices_that_lose_an_update() {
  for (std::size_t position = 0; position < 8; ++position) {
    std::vector<std::uint32_t> choices(position + 1, 0);
    choices.back() = 1;
    if (!detsim::run_simulation(planted_race, {.name = "search", .choices = choices, .read_environment = false}).ok()) {
      return choices;
    }
  }
  return {};
}

// A property's case is its RapidCheck inputs and its choices together:
// check_schedule's report points at RapidCheck's reproduce string, not at
// DETSIM_* variables, which check_schedule ignores.
TEST(Sweep, CheckScheduleSaysHowItsCaseIsRerun) {
  Scratch scratch("check-schedule");
  const std::vector<std::uint32_t> choices = choices_that_lose_an_update();
  ASSERT_FALSE(choices.empty());
  try {
    detsim::testing::check_schedule(planted_race, choices, {.name = "Planted"});
    FAIL() << "the planted race passed";
  } catch (const rc::detail::CaseResult& result) {
    EXPECT_EQ(result.type, rc::detail::CaseResult::Type::Failure);
    EXPECT_EQ(result.description.find("DETSIM_SCHEDULE="), std::string::npos) << result.description;
    EXPECT_EQ(result.description.find("DETSIM_REPLAY="), std::string::npos) << result.description;
    EXPECT_NE(result.description.find("rerun:    RC_PARAMS=\"reproduce=...\" "), std::string::npos) << result.description;
    EXPECT_NE(result.description.find("trace:    " + scratch.file("detsim-Planted-seed1.jsonl")), std::string::npos)
        << result.description;
  }
}

// A DETSIM_TEST's failure points at the test's own line, not into testing.hpp.
TEST(Sweep, AFailingSweepIsReportedWhereItWasCalled) {
  Scratch scratch("located");
  ::testing::TestPartResultArray failures;
  int line = 0;
  {
    const ::testing::ScopedFakeTestPartResultReporter intercept(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    line = __LINE__ + 1;
    detsim::testing::run_sweep(planted_race, {.name = "Located", .seeds = 50, .regression_file = ""});
  }
  ASSERT_EQ(failures.size(), 1) << "no seed of 50 lost an update";
  EXPECT_STREQ(failures.GetTestPartResult(0).file_name(), __FILE__);
  EXPECT_EQ(failures.GetTestPartResult(0).line_number(), line);
}

// README.md's first simulation test, as written there.
detsim::Task<void> readme_transfer(int& balance, int amount) {
  const int seen = balance;
  co_await detsim::yield();
  balance = seen - amount;
}

detsim::Task<void> readme_two_withdrawals() {
  int balance = 100;
  auto& loop = detsim::get_running_loop();
  auto alice = loop.create_task(readme_transfer(balance, 30), "alice");
  auto bob = loop.create_task(readme_transfer(balance, 50), "bob");
  co_await alice;
  co_await bob;
  DETSIM_CHECK_EQ(balance, 20);
}

// The README shows this example's failure under the default scheduler
// (swarm: seed 3 draws pos): if scheduling changes, so must it.
TEST(Sweep, TheReadmesExampleFailsAsTheReadmeShows) {
  Scratch scratch("readme");
  const detsim::SweepResult result =
      detsim::sweep([](detsim::EventLoop& loop) { loop.run_until_complete(readme_two_withdrawals()); },
                    {.name = "Bank.TwoWithdrawals", .regression_file = "", .read_environment = false});
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.runs, 3u);
  EXPECT_EQ(result.failure->seed, 3u);
  EXPECT_EQ(result.failure->scheduler, "pos");
  EXPECT_EQ(result.failure->schedule, "s1.pos.3.3.AgE");
  EXPECT_NE(result.failure->message.find("expected balance == 20, but 70 != 20"), std::string::npos)
      << result.failure->message;
}

detsim::Task<void> waits_forever() {
  auto never = detsim::get_running_loop().create_future<int>();
  co_await never;
}

TEST(Sweep, DeadlockAndBudgetFailTheRun) {
  Scratch scratch("budget");
  const auto deadlock = detsim::run_simulation(waits_forever, {.name = "deadlock", .read_environment = false});
  EXPECT_EQ(deadlock.outcome, detsim::Outcome::deadlock) << deadlock.report;
  const auto spin = detsim::run_simulation(
      []() -> detsim::Task<void> {
        for (;;) co_await detsim::yield();
      },
      {.name = "spin", .limits = {.max_callbacks = 1000}, .read_environment = false});
  EXPECT_EQ(spin.outcome, detsim::Outcome::budget_exceeded) << spin.report;
}

// A failure's trace path is absolute, so that the replay command in the
// report works from any directory, even when DETSIM_TRACE_DIR is relative.
TEST(Sweep, FailureTracePathsAreAbsolute) {
  const fs::path relative = "detsim-relative-trace-dir";
  fs::remove_all(relative);
  fs::create_directories(relative);
  ::setenv("DETSIM_TRACE_DIR", relative.c_str(), 1);
  const auto result = detsim::run_simulation(waits_forever, {.name = "relative", .read_environment = false});
  ::unsetenv("DETSIM_TRACE_DIR");
  EXPECT_TRUE(fs::path(result.trace_path).is_absolute()) << result.trace_path;
  EXPECT_EQ(fs::path(result.trace_path), fs::absolute(relative) / "detsim-relative-seed1.jsonl");
  EXPECT_TRUE(fs::exists(result.trace_path));
  fs::remove_all(relative);
}

// A correct program: every seed passes.
DETSIM_TEST_SEEDS(DetsimTest, SequentialIncrementsNeverLoseAnUpdate, 50) {
  int counter = 0;
  for (int i = 0; i < 3; ++i) {
    auto& loop = detsim::get_running_loop();
    co_await loop.create_task(increment(counter, i), "worker");
  }
  DETSIM_CHECK_EQ(counter, 3);
}

// Many seeds: registered as four blocks of 250 (DetsimBlocks.ManySeeds_block0
// .. _block3), which GoogleTest's sharding and ctest -j spread out
// (tests/run/check_test_shards.py runs them as shards).
DETSIM_TEST_SEEDS(DetsimBlocks, ManySeeds, 1000) {
  int counter = 0;
  co_await detsim::get_running_loop().create_task(increment(counter, 1), "worker");
  DETSIM_CHECK_EQ(counter, 1);
}

TEST(DetsimBlocks, ATestOfManySeedsIsRegisteredAsBlocks) {
  const ::testing::TestSuite* suite = nullptr;
  auto* unit = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    if (std::string(unit->GetTestSuite(i)->name()) == "DetsimBlocks") suite = unit->GetTestSuite(i);
  }
  ASSERT_NE(suite, nullptr);
  std::set<std::string> names;
  for (int i = 0; i < suite->total_test_count(); ++i) {
    const std::string name = suite->GetTestInfo(i)->name();
    if (name.starts_with("ManySeeds")) names.insert(name);
  }
  EXPECT_EQ(names, (std::set<std::string>{"ManySeeds_block0", "ManySeeds_block1", "ManySeeds_block2", "ManySeeds_block3"}));
  EXPECT_EQ(detsim::testing::seed_blocks(100), 1u);  // DETSIM_TEST's default: one test, named as written
  EXPECT_EQ(detsim::testing::seed_blocks(251), 2u);
}

// The blocks' slices cover the seeds exactly once, and regressions run in block 0 only.
TEST(DetsimBlocks, BlocksCoverTheSeedsOnce) {
  std::multiset<std::uint64_t> seen;
  const detsim::Program program = [&seen](detsim::EventLoop& loop) { seen.insert(loop.scheduler().seed()); };
  const std::string regressions = "detsim-blocks-regressions.txt";
  fs::remove(regressions);
  detsim::append_regression(regressions, {"Blocks", 5000, "random"}, "planted");
  for (std::uint64_t block = 0; block < 4; ++block) {
    detsim::sweep(program, {.name = "Blocks", .seeds = 1000, .regression_file = regressions, .read_environment = false,
                            .shard = detsim::Shard{block, 4}});
  }
  fs::remove(regressions);
  std::multiset<std::uint64_t> expected;
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) expected.insert(seed);
  expected.insert(5000);
  EXPECT_EQ(seen, expected);
}

// The property form: a RapidCheck input and a generated schedule together.
RC_GTEST_PROP(DetsimProperty, AwaitedIncrementsAddUpUnderAnySchedule, (std::uint8_t workers)) {
  const int count = 1 + workers % 6;
  const auto choices = *detsim::gen::schedule();
  detsim::testing::check_schedule(
      [count]() -> detsim::Task<void> {
        int counter = 0;
        auto& loop = detsim::get_running_loop();
        for (int i = 0; i < count; ++i) co_await loop.create_task(increment(counter, i % 3));
        DETSIM_CHECK_EQ(counter, count);
      },
      choices, {.name = "DetsimProperty"});
}

}  // namespace
