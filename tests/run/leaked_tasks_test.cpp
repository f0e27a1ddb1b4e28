// Leaked waiters: tasks still blocked when the root of a run finishes are
// listed in the result and the trace with what they wait on; an option
// (SimulationOptions::fail_on_leaked_tasks, DETSIM_FAIL_ON_LEAKS,
// DETSIM_TEST_NO_LEAKS) makes them a failure. Also: a trace with primitive
// events replays byte for byte.
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <detsim/asyncio.hpp>
#include <detsim/detsim.hpp>
#include <detsim/testing.hpp>

namespace detsim {
// How GoogleTest shows a LeakedTask in a failure.
inline void PrintTo(const LeakedTask& task, std::ostream* out) {
  *out << "{" << task.task_id << ", \"" << task.name << "\", \"" << task.waits_on << "\"}";
}
}  // namespace detsim

namespace {

namespace asyncio = detsim::asyncio;
namespace fs = std::filesystem;
using detsim::EventKind;

struct Leaky {
  asyncio::Lock accounts{"accounts"};
  asyncio::Queue<int> jobs{0, "jobs"};
  asyncio::Condition changed{"changed"};
  asyncio::Event never{"never"};
};

detsim::Task<void> hold_forever(Leaky& state) {
  co_await state.accounts.acquire();
  co_await state.never.wait();
}

detsim::Task<void> transfer(Leaky& state) { co_await state.accounts.acquire(); }

detsim::Task<void> worker(Leaky& state) { (void)co_await state.jobs.get(); }

detsim::Task<void> watcher(Leaky& state) {
  co_await state.changed.acquire();
  co_await state.changed.wait();
}

// Starts four tasks that block for good, and returns.
detsim::Task<void> leaky_root(Leaky& state) {
  auto& loop = detsim::get_running_loop();
  (void)loop.create_task(hold_forever(state), "holder");
  (void)loop.create_task(transfer(state), "transfer-2");
  (void)loop.create_task(worker(state), "worker");
  (void)loop.create_task(watcher(state), "watcher");
  co_await detsim::yield();
  co_await detsim::yield();
}

detsim::Program leaky_program() {
  return [](detsim::EventLoop& loop) {
    Leaky state;
    loop.run_until_complete(leaky_root(state));
  };
}

const std::vector<detsim::LeakedTask> expected_leaks = {
    {2, "holder", "waits on Event 'never'"},
    {3, "transfer-2", "waits on Lock 'accounts', held by 'holder' (task 2)"},
    {4, "worker", "waits on Queue 'jobs' (empty)"},
    {5, "watcher", "waits on Condition 'changed'"},
};

detsim::SimulationOptions fifo_options() {
  return {.name = "leaky", .scheduler = "fifo", .read_environment = false};
}

TEST(LeakedTasks, AreListedWithWhatTheyWaitOnButDoNotFailByDefault) {
  const detsim::SimulationResult result = detsim::run_simulation(leaky_program(), fifo_options());
  ASSERT_TRUE(result.ok()) << result.report;
  EXPECT_EQ(result.leaked_tasks, expected_leaks);
  // And in the trace, one task_leaked event each, naming the primitive.
  std::vector<std::string> leaked;
  for (const detsim::TraceEvent& event : result.trace.events) {
    if (event.kind != EventKind::task_leaked) continue;
    std::string line = std::string(result.trace.string_at(event.name)) + ": " +
                       std::string(result.trace.string_at(event.detail));
    if (event.primitive) {
      line += " [" + std::string(result.trace.string_at(event.primitive_type)) + " " +
              std::string(result.trace.string_at(event.primitive_name)) + "]";
    }
    leaked.push_back(line);
  }
  EXPECT_EQ(leaked, (std::vector<std::string>{
                        "holder: waits on Event 'never' [Event never]",
                        "transfer-2: waits on Lock 'accounts', held by 'holder' (task 2) [Lock accounts]",
                        "worker: waits on Queue 'jobs' (empty) [Queue jobs]",
                        "watcher: waits on Condition 'changed' [Condition changed]",
                    }));
}

TEST(LeakedTasks, TheOptionMakesThemAFailureWhoseReportAndTraceNameThem) {
  const fs::path directory = fs::temp_directory_path() / "detsim-leaked-tasks";
  fs::create_directories(directory);
  detsim::SimulationOptions options = fifo_options();
  options.fail_on_leaked_tasks = true;
  options.trace_path = (directory / "leaky.jsonl").string();
  const detsim::SimulationResult result = detsim::run_simulation(leaky_program(), options);
  EXPECT_EQ(result.outcome, detsim::Outcome::leaked_tasks);
  EXPECT_EQ(result.message,
            "4 task(s) still blocked when the root finished: 'holder' (task 2) waits on Event 'never'; "
            "'transfer-2' (task 3) waits on Lock 'accounts', held by 'holder' (task 2); 'worker' (task 4) waits on "
            "Queue 'jobs' (empty); 'watcher' (task 5) waits on Condition 'changed'");
  EXPECT_NE(result.report.find("simulation 'leaky' leaked_tasks under seed"), std::string::npos) << result.report;
  EXPECT_NE(result.report.find("\n  leaked:   'worker' (task 4) waits on Queue 'jobs' (empty)\n"), std::string::npos)
      << result.report;
  // The trace on disk is whole, and says why the run failed.
  const detsim::Trace written = detsim::read_trace(options.trace_path, {.allow_truncated = false});
  EXPECT_EQ(written.footer->outcome, detsim::Outcome::leaked_tasks);
  EXPECT_EQ(written.footer->message, result.message);
  fs::remove_all(directory);
}

TEST(LeakedTasks, TheEnvironmentVariableTurnsTheOptionOn) {
  detsim::Options settings;
  settings.fail_on_leaks = true;
  detsim::set_options_override(settings);
  detsim::SimulationOptions options = fifo_options();
  options.read_environment = true;
  const detsim::SimulationResult result = detsim::run_simulation(leaky_program(), options);
  detsim::set_options_override({});
  EXPECT_EQ(result.outcome, detsim::Outcome::leaked_tasks) << result.report;
  EXPECT_EQ(detsim::apply_environment(fifo_options(), settings).fail_on_leaked_tasks, true);
}

detsim::Task<void> tidy_root() {
  asyncio::Queue<int> jobs(0, "jobs");
  auto& loop = detsim::get_running_loop();
  auto consumer = loop.create_task([](asyncio::Queue<int>& queue) -> detsim::Task<void> {
    (void)co_await queue.get();
  }(jobs));
  co_await jobs.put(1);
  co_await consumer;
}

TEST(LeakedTasks, ARunWithoutLeaksPassesWithTheOptionOn) {
  detsim::SimulationOptions options = fifo_options();
  options.fail_on_leaked_tasks = true;
  const detsim::SimulationResult result = detsim::run_simulation(tidy_root, options);
  EXPECT_TRUE(result.ok()) << result.report;
  EXPECT_TRUE(result.leaked_tasks.empty());
}

// What DETSIM_TEST_NO_LEAKS runs: a sweep that fails on the first seed.
TEST(LeakedTasks, ASweepWithTheOptionFailsAsATest) {
  detsim::SweepOptions options{.seeds = 3, .read_environment = false};
  options.regression_file = "";
  options.simulation.fail_on_leaked_tasks = true;
  EXPECT_NONFATAL_FAILURE(detsim::testing::run_sweep(leaky_program(), options), "leaked_tasks under seed");
}

DETSIM_TEST_NO_LEAKS(LeakedTasks, DetsimTestNoLeaksPassesATidyBody) { co_await tidy_root(); }

// ---- replay of a trace with primitive events -------------------------------------

std::string file_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(LeakedTasks, ARecordedTraceWithPrimitiveEventsReplaysByteForByte) {
  const fs::path directory = fs::temp_directory_path() / "detsim-leaked-replay";
  fs::create_directories(directory);
  detsim::SimulationOptions options{.name = "leaky", .seed = 5, .read_environment = false};
  options.trace_path = (directory / "leaky.jsonl").string();
  const detsim::SimulationResult recorded = detsim::run_simulation(leaky_program(), options);
  ASSERT_TRUE(recorded.ok()) << recorded.report;
  detsim::SimulationOptions replay{.name = "leaky", .read_environment = false};
  replay.replay_path = options.trace_path;
  replay.trace_path = (directory / "replayed.jsonl").string();
  const detsim::SimulationResult replayed = detsim::run_simulation(leaky_program(), replay);
  ASSERT_TRUE(replayed.ok()) << replayed.report;
  const std::string original = file_text(options.trace_path);
  EXPECT_NE(original.find("\"kind\":\"task_leaked\""), std::string::npos);
  EXPECT_NE(original.find("\"kind\":\"wait\""), std::string::npos);
  EXPECT_EQ(file_text(replay.trace_path), original);
  fs::remove_all(directory);
}

}  // namespace
