// Replays from untrusted input: a schedule string with decisions to spare, a
// replay that fails again, a trace file cut short. Each is reported as what
// it is, and no replay writes over the failure it replays.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include <detsim/base/options.hpp>
#include <detsim/run/simulation.hpp>
#include <detsim/scheduling/schedule.hpp>
#include <detsim/trace/trace.hpp>

#include "scenarios/lost_update.hpp"

namespace {

namespace fs = std::filesystem;

void lost_update(detsim::EventLoop& loop) { detsim::scenarios::run_lost_update(loop, 2, 2); }

void fails_after_lost_update(detsim::EventLoop& loop) {
  lost_update(loop);
  throw std::runtime_error("planted failure");
}

std::string contents(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Failure traces go to a directory of the test's own while it runs.
class ReplayInput : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("detsim-replay-input-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    detsim::set_options_override({.trace_dir = directory_.string()});
  }
  void TearDown() override {
    detsim::set_options_override({});
    fs::remove_all(directory_);
  }
  fs::path directory_;
};

detsim::SimulationResult run(const detsim::Program& program, detsim::SimulationOptions options) {
  options.name = "lost_update";
  options.read_environment = false;
  options.keep_trace = true;
  return detsim::run_simulation(program, std::move(options));
}

TEST_F(ReplayInput, LeftoverScheduleDecisionsFailTheReplay) {
  const detsim::SimulationResult recorded = run(lost_update, {.seed = 5});
  ASSERT_TRUE(recorded.ok()) << recorded.message;
  detsim::Schedule longer = detsim::decode_schedule(recorded.schedule);
  const std::size_t used = longer.decisions.size();
  ASSERT_GT(used, 0u);
  longer.decisions.resize(used + 3);
  const detsim::SimulationResult replayed = run(lost_update, {.schedule = detsim::encode_schedule(longer)});
  EXPECT_EQ(replayed.outcome, detsim::Outcome::failed);
  EXPECT_EQ(replayed.message, "[detsim.replay.divergence] replay diverged: the run took " + std::to_string(used) + " of the schedule's " +
                                  std::to_string(used + 3) +
                                  " decisions (is the schedule string from another program or version?)");
  // The schedule as given replays silently.
  EXPECT_TRUE(run(lost_update, {.schedule = recorded.schedule}).ok());
}

TEST_F(ReplayInput, AFailingReplayOfAScheduleKeepsTheOriginalTrace) {
  const detsim::SimulationResult original = run(fails_after_lost_update, {.seed = 5});
  ASSERT_EQ(original.outcome, detsim::Outcome::failed);
  ASSERT_EQ(original.trace_path, (directory_ / "detsim-lost_update-seed5.jsonl").string());
  const std::string original_text = contents(original.trace_path);
  ASSERT_FALSE(original_text.empty());

  const detsim::SimulationResult replayed = run(fails_after_lost_update, {.schedule = original.schedule});
  EXPECT_EQ(replayed.outcome, detsim::Outcome::failed);
  EXPECT_EQ(replayed.trace_path, original.trace_path + ".replay.jsonl");
  EXPECT_TRUE(fs::exists(replayed.trace_path));
  EXPECT_EQ(contents(original.trace_path), original_text);
}

TEST_F(ReplayInput, ATraceCutMidLineIsReportedAsTruncatedNotAsARunThatEndedEarly) {
  const fs::path whole = directory_ / "whole.jsonl";
  ASSERT_TRUE(run(lost_update, {.seed = 5, .trace_path = whole.string()}).ok());
  const std::string text = contents(whole);
  const fs::path cut = directory_ / "cut.jsonl";
  std::ofstream(cut, std::ios::binary) << text.substr(0, text.size() * 2 / 3);
  const detsim::Trace read = detsim::read_trace(cut.string());
  const std::size_t kept = read.events.size();
  ASSERT_GT(kept, 0u);
  // The line cut short is the one after the header, the sites and events kept.
  const auto whole_lines = static_cast<std::size_t>(std::count(text.begin(), text.begin() + text.size() * 2 / 3, '\n'));
  EXPECT_EQ(read.cut_line, whole_lines + 1);

  const detsim::SimulationResult replayed = run(lost_update, {.replay_path = cut.string()});
  EXPECT_EQ(replayed.outcome, detsim::Outcome::failed);
  EXPECT_EQ(replayed.message, "[detsim.replay.divergence] the recorded trace is truncated: its line " +
                                  std::to_string(read.cut_line) + " is cut short, after event " + std::to_string(kept) +
                                  " (the file was cut while it was written or copied); the replay matched every "
                                  "recorded event up to there");
}

}  // namespace
