// Replay, schedule strings, divergence reports, the determinism check, diffs
// and reproducing a failure from a user's own binary.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <detsim/detsim.hpp>
#include <detsim/replay/determinism.hpp>
#include <detsim/replay/replay.hpp>
#include <detsim/scheduling/schedule.hpp>
#include <detsim/run/simulation.hpp>
#include <detsim/trace/diff.hpp>
#include <detsim/trace/recorder.hpp>

#include "support/random_program.hpp"
#include "scenarios/lost_update.hpp"

namespace {

namespace fs = std::filesystem;

detsim::Trace record(const detsim::Program& program, std::unique_ptr<detsim::Scheduler> scheduler,
                     const std::string& name = "program") {
  detsim::EventLoop loop{std::move(scheduler)};
  detsim::TraceRecorder recorder{loop, {.program = name}};
  program(loop);
  recorder.finish();
  return recorder.take_trace();
}

// Replays `recorded` with `program`; returns the new trace or throws DivergenceError.
detsim::Trace replay(const detsim::Program& program, const detsim::Trace& recorded, const std::string& name = "program") {
  detsim::EventLoop loop{detsim::ReplayScheduler{detsim::schedule_of(recorded)}};
  detsim::Replayer replayer{loop, recorded, {.program = name}};
  program(loop);
  replayer.finish();
  return replayer.recorder().trace();
}

detsim::Program lost_update(int tasks, int increments) {
  return [=](detsim::EventLoop& loop) { detsim::scenarios::run_lost_update(loop, tasks, increments); };
}

RC_GTEST_PROP(Replay, ReplayOfATraceReproducesItByteForByte, (const random_program::ProgramSpec& spec, std::uint64_t seed)) {
  const detsim::Program program = [&](detsim::EventLoop& loop) { random_program::run(loop, spec); };
  const detsim::Trace recorded = record(program, std::make_unique<detsim::RandomScheduler>(seed));
  const detsim::Trace replayed = replay(program, recorded);
  RC_ASSERT(replayed.footer->digest == recorded.footer->digest);
  RC_ASSERT(detsim::to_jsonl(replayed) == detsim::to_jsonl(recorded));
}

RC_GTEST_PROP(Replay, ScheduleStringRoundTripsToTheSameTrace, (const random_program::ProgramSpec& spec, std::uint64_t seed)) {
  const detsim::Program program = [&](detsim::EventLoop& loop) { random_program::run(loop, spec); };
  const detsim::Trace recorded = record(program, std::make_unique<detsim::RandomScheduler>(seed));
  const std::string line = detsim::encode_schedule(detsim::schedule_of(recorded));
  const detsim::Trace again = record(program, std::make_unique<detsim::ReplayScheduler>(detsim::decode_schedule(line)));
  RC_ASSERT(detsim::to_jsonl(again) == detsim::to_jsonl(recorded));
}

RC_GTEST_PROP(Schedule, DecodeInvertsEncode, (std::vector<std::uint32_t> choices, std::uint64_t seed)) {
  detsim::Schedule schedule{.scheduler = "random", .seed = seed, .decisions = {}};
  for (std::uint32_t choice : choices) schedule.decisions.push_back({choice % 5 == 0 ? 0 : choice, 0});
  RC_ASSERT(detsim::decode_schedule(detsim::encode_schedule(schedule)) == schedule);
}

TEST(Schedule, LongRunsWithFewRealChoicesStayShort) {
  detsim::Schedule schedule{.scheduler = "random", .seed = 7, .decisions = {}};
  schedule.decisions.assign(1'000'000, detsim::Decision{0, 2});
  schedule.decisions[500'000].choice = 1;
  const std::string line = detsim::encode_schedule(schedule);
  EXPECT_LT(line.size(), 40u) << line;
  EXPECT_EQ(line.substr(0, 20), "s1.random.7.1000000.");
}

TEST(Schedule, MalformedStringsAreClearErrors) {
  const std::string good = detsim::encode_schedule({.scheduler = "random", .seed = 3, .decisions = {{1, 2}, {0, 2}, {2, 3}}});
  struct Case {
    std::string text;
    const char* message_part;
  } cases[] = {
      {"", "expected 5 fields"},
      {"s2.random.3.3." + good.substr(good.rfind('.') + 1), "unknown format 's2'"},
      {"s1.random.x.3.AAA", "seed 'x' is not a decimal number"},
      {"s1.random.3.4." + good.substr(good.rfind('.') + 1), "its count says 4"},
      {"s1.random.3.3.A*A", "character '*' is not base64url"},
      {"s1.Random!.3.3.AAA", "bad scheduler name"},
  };
  for (const Case& c : cases) {
    try {
      detsim::decode_schedule(c.text);
      ADD_FAILURE() << c.text << " accepted";
    } catch (const detsim::ScheduleError& error) {
      EXPECT_NE(std::string(error.what()).find(c.message_part), std::string::npos) << error.what();
    }
  }
}

// ---- divergence -----------------------------------------------------------------

TEST(Replay, AgainstADifferentProgramStopsAtTheFirstDivergentEvent) {
  const detsim::Trace recorded = record(lost_update(3, 3), std::make_unique<detsim::RandomScheduler>(4));
  try {
    replay(lost_update(3, 4), recorded);  // one more increment per task
    FAIL() << "a different program replayed without divergence";
  } catch (const detsim::DivergenceError& error) {
    const std::string message = error.what();
    EXPECT_GT(error.seq(), 1u);
    EXPECT_NE(message.find("first divergence at event " + std::to_string(error.seq())), std::string::npos) << message;
    EXPECT_NE(message.find("expected: seq"), std::string::npos) << message;
    EXPECT_NE(message.find("actual:   seq"), std::string::npos) << message;
    EXPECT_NE(message.find("scenarios/lost_update.hpp:"), std::string::npos) << "sites are named: " << message;
  }
}

TEST(Replay, ProgramNameInTheHeaderMustMatch) {
  const detsim::Trace recorded = record(lost_update(2, 2), std::make_unique<detsim::FifoScheduler>(), "bank");
  EXPECT_THROW(replay(lost_update(2, 2), recorded, "shop"), detsim::DivergenceError);
}

TEST(Replay, ChoiceOutOfRangeIsADivergenceNotACrash) {
  const detsim::Trace recorded = record(lost_update(3, 3), std::make_unique<detsim::RandomScheduler>(4));
  detsim::Schedule schedule = detsim::schedule_of(recorded);
  ASSERT_FALSE(schedule.decisions.empty());
  schedule.decisions.front().choice = 99;
  schedule.decisions.front().of = 0;  // as if decoded from an edited string
  detsim::EventLoop loop{detsim::ReplayScheduler{schedule}};
  try {
    detsim::scenarios::run_lost_update(loop, 3, 3);
    FAIL();
  } catch (const detsim::DivergenceError& error) {
    EXPECT_NE(std::string(error.what()).find("recorded choice 99 is out of range"), std::string::npos) << error.what();
  }
}

TEST(Replay, RunNeedingMoreDecisionsThanRecordedDiverges) {
  detsim::Schedule schedule{.scheduler = "random", .seed = 1, .decisions = {{1, 0}}};
  detsim::EventLoop loop{detsim::ReplayScheduler{schedule}};
  try {
    detsim::scenarios::run_lost_update(loop, 3, 3);
    FAIL();
  } catch (const detsim::DivergenceError& error) {
    EXPECT_NE(std::string(error.what()).find("more decisions than the 1 recorded"), std::string::npos) << error.what();
  }
}

TEST(Replay, RunEndingEarlyDiverges) {
  const detsim::Trace recorded = record(lost_update(2, 3), std::make_unique<detsim::FifoScheduler>());
  try {
    replay([](detsim::EventLoop&) {}, recorded);
    FAIL();
  } catch (const detsim::DivergenceError& error) {
    EXPECT_NE(std::string(error.what()).find("(none: the run ended after 0 events)"), std::string::npos) << error.what();
  }
}

TEST(Replay, ADivergenceAfterTheLastRunIsStillOne) {
  const detsim::Trace recorded = record(lost_update(2, 2), std::make_unique<detsim::RandomScheduler>(7));
  // The same program, then one more event with no run to halt.
  const detsim::Program with_an_extra_event = [](detsim::EventLoop& loop) {
    detsim::scenarios::run_lost_update(loop, 2, 2);
    (void)loop.call_soon([] {});
  };
  try {
    replay(with_an_extra_event, recorded);
    FAIL() << "a run with an extra event replayed without divergence";
  } catch (const detsim::DivergenceError& error) {
    EXPECT_EQ(error.seq(), recorded.events.size() + 1) << error.what();
    EXPECT_NE(std::string(error.what()).find("call_soon"), std::string::npos) << error.what();
  }
}

TEST(Reproduce, ADivergenceAtTheLoopsCloseFailsTheReplay) {
  // Recorded without the loop's close (a trace cut after loop_stop, say), so
  // the replay's close event is one the recording does not have.
  const fs::path path = fs::temp_directory_path() / "detsim-no-close.jsonl";
  detsim::write_trace(record(lost_update(2, 2), std::make_unique<detsim::RandomScheduler>(7), "lost_update"),
                      path.string());
  const detsim::SimulationResult result = detsim::run_simulation(
      lost_update(2, 2), {.name = "lost_update", .replay_path = path.string(), .read_environment = false});
  EXPECT_EQ(result.outcome, detsim::Outcome::failed);
  EXPECT_NE(result.message.find("replay diverged"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("loop_close"), std::string::npos) << result.message;
  fs::remove(path);
  fs::remove(path.string() + ".replay.jsonl");
}

TEST(Replay, MovedCodeIsNoDivergence) {
  detsim::Trace recorded = record(lost_update(2, 3), std::make_unique<detsim::RandomScheduler>(9));
  for (detsim::TraceSite& site : recorded.sites) site.line += 3;
  EXPECT_NO_THROW(replay(lost_update(2, 3), recorded));
}

// A trace recorded in debug mode has future_created events; its replay makes
// them too, though the replaying loop was not put in debug mode.
TEST(Replay, PutsTheLoopInTheRecordedDebugMode) {
  const detsim::Program program = [](detsim::EventLoop& loop) {
    auto future = loop.create_future<int>();
    loop.call_soon([future]() mutable { future.set_result(1); });
    EXPECT_EQ(loop.run_until_complete(future), 1);
  };
  detsim::EventLoop loop{detsim::RandomScheduler{5}};
  loop.set_debug(true);
  detsim::TraceRecorder recorder{loop, {.program = "program"}};
  program(loop);
  recorder.finish();
  const detsim::Trace recorded = recorder.take_trace();
  ASSERT_TRUE(recorded.header.debug);
  ASSERT_EQ(recorded.events.at(0).kind, detsim::EventKind::future_created);

  const detsim::Trace replayed = replay(
      [&](detsim::EventLoop& replaying) {
        EXPECT_TRUE(replaying.get_debug());
        program(replaying);
      },
      recorded);
  EXPECT_EQ(replayed.digest(), recorded.digest());
  // Leaving debug mode makes a different run: no future_created.
  EXPECT_THROW(replay(
                   [&](detsim::EventLoop& replaying) {
                     replaying.set_debug(false);
                     program(replaying);
                   },
                   recorded),
               detsim::DivergenceError);
}

// ---- determinism check ------------------------------------------------------------

// Decides by a counter outside the simulation that survives between runs, as
// code that reads the real clock or a global would.
int calls_outside_the_simulation = 0;

detsim::Task<void> leaky_worker() {
  ++calls_outside_the_simulation;
  co_await detsim::yield();
  if (calls_outside_the_simulation % 2 == 0) co_await detsim::yield();  // differs between runs
}

TEST(DeterminismCheck, NamesTheFirstDivergentEventOfANondeterministicProgram) {
  const detsim::Program program = [](detsim::EventLoop& loop) { loop.run_until_complete(leaky_worker()); };
  const detsim::DeterminismReport report = detsim::check_determinism(program, detsim::RandomScheduler{5});
  ASSERT_FALSE(report.deterministic);
  EXPECT_NE(report.first_digest, report.second_digest);
  ASSERT_TRUE(report.divergence);
  const std::string text = report.describe();
  EXPECT_NE(text.find("first divergence at event " + std::to_string(report.divergence->seq)), std::string::npos) << text;
  EXPECT_NE(text.find("expected: seq"), std::string::npos) << text;
  EXPECT_NE(text.find("tests/run/replay_test.cpp:"), std::string::npos) << "names the site: " << text;
}

TEST(DeterminismCheck, PassesForADeterministicProgram) {
  const auto report = detsim::check_determinism(lost_update(3, 5), detsim::RandomScheduler{5});
  EXPECT_TRUE(report.deterministic) << report.describe();
  EXPECT_EQ(report.first_digest, report.second_digest);
}

TEST(DeterminismCheck, IsAnOptionOfRunSimulation) {
  const fs::path directory = fs::temp_directory_path() / "detsim-determinism-option";
  fs::create_directories(directory);
  ::setenv("DETSIM_TRACE_DIR", directory.c_str(), 1);
  const auto result = detsim::run_simulation(
      [](detsim::EventLoop& loop) { loop.run_until_complete(leaky_worker()); },
      {.name = "leaky", .seed = 3, .check_determinism = true, .read_environment = false});
  ::unsetenv("DETSIM_TRACE_DIR");
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.message.find("nondeterministic"), std::string::npos) << result.message;
  EXPECT_TRUE(fs::exists(result.trace_path)) << result.report;
  fs::remove_all(directory);
}

// ---- diff ----------------------------------------------------------------------------

TEST(TraceDiff, ReportsFirstDivergenceAndWhatEachRunDidAfter) {
  const detsim::Trace a = record(lost_update(2, 3), std::make_unique<detsim::RandomScheduler>(1));
  const detsim::Trace b = record(lost_update(2, 3), std::make_unique<detsim::RandomScheduler>(2));
  const detsim::TraceDiff diff = detsim::diff_traces(a, b);
  ASSERT_FALSE(diff.same());
  const std::string text = diff.describe();
  EXPECT_NE(text.find("first divergence at event"), std::string::npos) << text;
  EXPECT_NE(text.find("from there on"), std::string::npos) << text;
  EXPECT_TRUE(detsim::diff_traces(a, a).same());

  const detsim::Trace longer = record(lost_update(2, 4), std::make_unique<detsim::FifoScheduler>());
  const detsim::Trace shorter = record(lost_update(2, 3), std::make_unique<detsim::FifoScheduler>());
  const detsim::TraceDiff by_length = detsim::diff_traces(longer, shorter);
  ASSERT_FALSE(by_length.after_divergence.empty());
  EXPECT_NE(by_length.describe().find("only in first: "), std::string::npos) << by_length.describe();
}

// ---- reproducing from a user's binary ----------------------------------------------------

detsim::Task<void> racy_transfer(int& balance) {
  const int seen = balance;
  co_await detsim::yield();
  balance = seen - 60;
}

detsim::Task<void> overdraft_check() {
  int balance = 100;
  auto& loop = detsim::get_running_loop();
  auto first = loop.create_task(racy_transfer(balance), "first");
  auto second = loop.create_task(racy_transfer(balance), "second");
  co_await first;
  co_await second;
  if (balance == 40) throw std::logic_error("lost update: balance is 40, expected -20");
}

TEST(Reproduce, FailureReportsReplayCommandsThatReproduceIt) {
  const fs::path directory = fs::temp_directory_path() / "detsim-reproduce";
  fs::remove_all(directory);
  fs::create_directories(directory);
  ::setenv("DETSIM_TRACE_DIR", directory.c_str(), 1);
  detsim::SimulationOptions options{.name = "overdraft", .scheduler = "fifo", .command = "./my_tests", .read_environment = false};
  const auto failed = detsim::run_simulation(overdraft_check, options);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.report.find("replay:   DETSIM_REPLAY=" + failed.trace_path + " ./my_tests"), std::string::npos) << failed.report;
  EXPECT_NE(failed.report.find("DETSIM_SCHEDULE=" + failed.schedule), std::string::npos) << failed.report;

  // What the printed commands do: the same binary, with the variable set.
  ::setenv("DETSIM_REPLAY", failed.trace_path.c_str(), 1);
  const auto replayed = detsim::run_simulation(overdraft_check, {.name = "overdraft"});
  ::unsetenv("DETSIM_REPLAY");
  EXPECT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.message, failed.message);
  EXPECT_EQ(replayed.digest, failed.digest);

  ::setenv("DETSIM_SCHEDULE", failed.schedule.c_str(), 1);
  const auto rescheduled = detsim::run_simulation(overdraft_check, {.name = "overdraft"});
  ::unsetenv("DETSIM_SCHEDULE");
  EXPECT_EQ(rescheduled.digest, failed.digest);
  ::unsetenv("DETSIM_TRACE_DIR");
  fs::remove_all(directory);
}

detsim::Task<void> overdraft_check_after_a_future() {
  auto& loop = detsim::get_running_loop();
  auto future = loop.create_future<int>();
  loop.call_soon([future]() mutable { future.set_result(1); });
  co_await future;
  co_await overdraft_check();
}

// DETSIM_DEBUG=1 records where futures were created; both printed commands
// reproduce that run exactly.
TEST(Reproduce, DebugModeRunsReproduceInDebugMode) {
  const auto overdraft_check = overdraft_check_after_a_future;
  const fs::path directory = fs::temp_directory_path() / "detsim-reproduce-debug";
  fs::remove_all(directory);
  fs::create_directories(directory);
  ::setenv("DETSIM_TRACE_DIR", directory.c_str(), 1);
  ::setenv("DETSIM_DEBUG", "1", 1);
  const auto failed = detsim::run_simulation(overdraft_check, {.name = "overdraft", .scheduler = "fifo"});
  ::unsetenv("DETSIM_DEBUG");
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.trace.header.debug);
  EXPECT_NE(failed.report.find("or:       DETSIM_DEBUG=1 DETSIM_SCHEDULE="), std::string::npos) << failed.report;
  // (Another name: its trace must not replace the one replayed below.)
  const auto undebugged = detsim::run_simulation(overdraft_check, {.name = "plain", .scheduler = "fifo"});
  EXPECT_NE(undebugged.digest, failed.digest);  // fewer events

  ::setenv("DETSIM_REPLAY", failed.trace_path.c_str(), 1);
  const auto replayed = detsim::run_simulation(overdraft_check, {.name = "overdraft", .check_determinism = true});
  ::unsetenv("DETSIM_REPLAY");
  EXPECT_EQ(replayed.message, failed.message);  // not "nondeterministic"
  EXPECT_EQ(replayed.digest, failed.digest);

  ::setenv("DETSIM_DEBUG", "1", 1);
  ::setenv("DETSIM_SCHEDULE", failed.schedule.c_str(), 1);
  const auto rescheduled = detsim::run_simulation(overdraft_check, {.name = "overdraft"});
  ::unsetenv("DETSIM_SCHEDULE");
  ::unsetenv("DETSIM_DEBUG");
  EXPECT_EQ(rescheduled.digest, failed.digest);
  ::unsetenv("DETSIM_TRACE_DIR");
  fs::remove_all(directory);
}

TEST(Reproduce, ReplayingATraceOfAnotherProgramIsAClearError) {
  const fs::path path = fs::temp_directory_path() / "detsim-other-program.jsonl";
  detsim::write_trace(record(lost_update(2, 2), std::make_unique<detsim::FifoScheduler>(), "lost_update"), path.string());
  // Input errors (wrong file, wrong program) are thrown; failures of the program are results.
  try {
    detsim::run_simulation(overdraft_check, {.name = "overdraft", .replay_path = path.string(), .read_environment = false});
    FAIL();
  } catch (const detsim::DivergenceError& error) {
    EXPECT_NE(std::string(error.what()).find(path.string() + ":1: field 'program': the trace was recorded for "
                                             "program 'lost_update', not 'overdraft'"),
              std::string::npos)
        << error.what();
  }
  fs::remove(path);
}

TEST(Reproduce, AProgramNameThatIsNotUtf8ReplaysUnderItsOwnName) {
  const fs::path path = fs::temp_directory_path() / "detsim-not-utf8.jsonl";
  const std::string name = "bank\xff";  // recorded as "bank" and U+FFFD
  const detsim::SimulationResult recorded = detsim::run_simulation(
      lost_update(2, 2), {.name = name, .seed = 3, .trace_path = path.string(), .read_environment = false});
  ASSERT_EQ(recorded.outcome, detsim::Outcome::ok) << recorded.message;
  const detsim::SimulationResult replayed = detsim::run_simulation(
      lost_update(2, 2), {.name = name, .replay_path = path.string(), .read_environment = false});
  EXPECT_EQ(replayed.outcome, detsim::Outcome::ok) << replayed.message;
  EXPECT_EQ(replayed.digest, recorded.digest);
  fs::remove(path);
  fs::remove(path.string() + ".replay.jsonl");
}

TEST(Reproduce, ReplayingABadFileIsATraceErrorNamingTheFile) {
  const fs::path path = fs::temp_directory_path() / "detsim-bad.jsonl";
  { std::ofstream(path) << "{\"type\":\"header\",\"format\":\"detsim-trace\",\"version\":7}\n"; }
  try {
    detsim::run_simulation(overdraft_check, {.name = "overdraft", .replay_path = path.string(), .read_environment = false});
    FAIL();
  } catch (const detsim::TraceError& error) {
    EXPECT_NE(std::string(error.what()).find(path.string() + ":1: field 'version'"), std::string::npos) << error.what();
  }
  fs::remove(path);
}

}  // namespace
