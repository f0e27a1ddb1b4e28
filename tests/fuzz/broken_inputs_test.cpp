// The checked-in broken inputs (broken/cases.json), each run as the command
// line runs it, through the library: a trace replayed as `detsim replay`
// does, a schedule string as `detsim run lost-update --schedule` does. Each
// gets its exact message and exit code (0 ok, 1 the run failed or diverged,
// 2 bad input: the exception detsim::main turns into "detsim: error: ...").
// broken/check_cli.py holds the detsim binary to the same cases.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <detsim/base/options.hpp>
#include <detsim/cli/scenario.hpp>
#include <detsim/run/simulation.hpp>

#include "scenarios/bundled.hpp"

namespace {

namespace fs = std::filesystem;

struct Answer {
  int exit_code = 0;
  std::string message;
};

Answer run_as_the_cli_does(const detsim::Scenario& scenario, detsim::SimulationOptions options) {
  options.name = scenario.name;
  options.read_environment = false;
  try {
    const detsim::SimulationResult result = detsim::run_simulation(scenario.program, options);
    return {result.ok() ? 0 : 1, result.message};
  } catch (const std::exception& error) {
    return {2, error.what()};
  }
}

std::string with_file(std::string text, const std::string& file) {
  for (std::size_t at; (at = text.find("{file}")) != std::string::npos;) text.replace(at, 6, file);
  return text;
}

TEST(BrokenInputs, EachGetsItsMessageAndExitCode) {
  detsim::scenarios::register_bundled_scenarios();
  const detsim::Scenario* scenario = detsim::find_scenario("lost-update");
  ASSERT_NE(scenario, nullptr);
  // Replays write their traces beside the file replayed: copies, in a
  // directory of the test's own.
  const fs::path work = fs::temp_directory_path() / "detsim-broken-inputs";
  fs::remove_all(work);
  fs::create_directories(work);
  detsim::set_options_override({.trace_dir = work.string()});
  const fs::path broken = DETSIM_BROKEN_DIR;
  const nlohmann::json cases = nlohmann::json::parse(std::ifstream(broken / "cases.json"));
  ASSERT_GE(cases.size(), 14u);
  for (const nlohmann::json& c : cases) {
    const std::string name = c.at("name");
    detsim::SimulationOptions options;
    std::string file;
    if (c.contains("file")) {
      file = (work / c.at("file").get<std::string>()).string();
      fs::copy_file(broken / c.at("file").get<std::string>(), file, fs::copy_options::overwrite_existing);
      options.replay_path = file;
    } else {
      options.schedule = c.at("schedule");
    }
    const Answer answer = run_as_the_cli_does(*scenario, options);
    EXPECT_EQ(answer.exit_code, c.at("exit").get<int>()) << name << ": " << answer.message;
    EXPECT_EQ(answer.message, with_file(c.at("message"), file)) << name;
  }
  detsim::set_options_override({});
  fs::remove_all(work);
}

}  // namespace
