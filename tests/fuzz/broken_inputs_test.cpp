// The checked-in broken inputs (broken/cases.json), each run as the command
// line runs it, through the library: a trace replayed as `detsim replay`
// does (under the
// case's scenario: lost-update if it names none), a schedule string as
// `detsim run SCENARIO --schedule` does. (cli_exit and cli_message, where a
// case has them, are for check_cli.py.) Each
// gets its exact message and exit code (0 ok, 1 the run failed or diverged,
// 2 bad input: the exception detsim::main turns into "detsim: error: ...").
// broken/check_cli.py holds the detsim binary to the same cases.
//
// DETSIM_UPDATE_BROKEN=1 writes the actual exit codes and messages into
// cases.json instead (after broken/make_broken.py remade the files): review
// the diff before committing it.
#include <cstdlib>
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

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) text.replace(at, from.size(), to);
  return text;
}

TEST(BrokenInputs, EachGetsItsMessageAndExitCode) {
  detsim::scenarios::register_bundled_scenarios();
  // Replays write their traces beside the file replayed: copies, in a
  // directory of the test's own.
  const fs::path work = fs::temp_directory_path() / "detsim-broken-inputs";
  fs::remove_all(work);
  fs::create_directories(work);
  detsim::set_options_override({.trace_dir = work.string()});
  const fs::path broken = DETSIM_BROKEN_DIR;
  nlohmann::ordered_json cases = nlohmann::ordered_json::parse(std::ifstream(broken / "cases.json"));
  const bool update = std::getenv("DETSIM_UPDATE_BROKEN") != nullptr;
  ASSERT_GE(cases.size(), 14u);
  for (nlohmann::ordered_json& c : cases) {
    const std::string name = c.at("name");
    // The scenario that replays the trace or the schedule.
    const detsim::Scenario* scenario = detsim::find_scenario(c.value("scenario", "lost-update"));
    ASSERT_NE(scenario, nullptr) << name;
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
    if (update) {
      c["exit"] = answer.exit_code;
      c["message"] = replace_all(answer.message, file, "{file}");
      continue;
    }
    EXPECT_EQ(answer.exit_code, c.at("exit").get<int>()) << name << ": " << answer.message;
    // Sites name their function as the compiler spells it: "f()" under g++,
    // "f" under clang (detsim/base/source_location.hpp); the messages quote
    // sites of the recorded trace and of the run, so compare without "()".
    EXPECT_EQ(replace_all(answer.message, "())", ")"), replace_all(replace_all(c.at("message"), "{file}", file), "())", ")"))
        << name;
  }
  if (update) std::ofstream(broken / "cases.json") << cases.dump(1) << "\n";
  detsim::set_options_override({});
  fs::remove_all(work);
}

}  // namespace
