// detsim replay TRACE: re-runs the trace's scenario (its header's program)
// under the trace's recorded decisions. Prints "reproduced" and exits 0 when
// the new run makes the recorded events (a recorded failure fails again, the
// same way); else prints the first divergence, with both events' sites, and
// exits 1. A truncated trace (no footer, or a last line cut short) is
// incomplete input: the replay still runs and says how far it matched, but
// it cannot confirm the whole run, so it exits 2 with a message naming the
// file and where it was cut (1 if the recorded part itself diverged). The
// new run's trace is written next to the old one (TRACE.replay.jsonl), never
// over it.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/run_report.hpp"
#include "detsim/cli/main.hpp"
#include "detsim/run/simulation.hpp"
#include "detsim/trace/divergence.hpp"

namespace detsim::cli {
namespace {

// The new run made every recorded event, in order (and perhaps more).
bool reproduced_prefix(const Trace& recorded, const Trace& replayed) {
  if (replayed.events.size() < recorded.events.size()) return false;
  Trace prefix = replayed;
  prefix.events.resize(recorded.events.size());
  return !first_divergence(recorded, prefix).has_value();
}

// Where the file was cut, as a user needs it to find the rest.
std::string truncation_of(const std::string& path, const Trace& recorded) {
  if (recorded.cut_line != 0) {
    return path + " is truncated: its line " + std::to_string(recorded.cut_line) +
           " is cut short (the file was cut while it was written or copied)";
  }
  return path + " is truncated: it ends without a footer line after event " +
         std::to_string(recorded.events.size()) + " (the run was cut short)";
}

int replay_command(const std::string& path) {
  const Trace recorded = read_trace(path);  // TraceError: missing, malformed, ...
  const Scenario* scenario = find_scenario(recorded.header.program);
  if (!scenario) {
    throw UsageError(path + " is a trace of '" + recorded.header.program +
                     "', which is not a scenario of this program (`" + invocation() + " list` shows them)");
  }
  SimulationOptions options;
  options.name = scenario->name;
  options.replay_path = path;
  options.read_environment = false;
  options.report_rerun_commands = false;
  const auto started = std::chrono::steady_clock::now();
  const SimulationResult result = run_simulation(scenario->program, options);
  const std::chrono::duration<double> real = std::chrono::steady_clock::now() - started;

  const Outcome recorded_outcome = recorded.footer ? recorded.footer->outcome : Outcome::ok;
  const bool reproduced = result.digest == recorded.digest() && result.outcome == recorded_outcome &&
                          result.trace.events.size() == recorded.events.size();
  std::cout << "replaying " << path << " (" << recorded.events.size() << " events, "
            << (recorded.footer ? std::string(to_string(recorded_outcome)) : std::string("truncated")) << ")\n";
  if (reproduced) {
    std::cout << "reproduced: the same " << recorded.events.size() << " events, digest "
              << format_digest(result.digest) << "\n";
    print_run(std::cout, *scenario, result, real.count(), false);
    return exit_ok;
  }
  if (recorded.truncated && reproduced_prefix(recorded, result.trace)) {
    // A trace cut short (a crash, a full disk) records decisions up to its
    // cut: the replay followed all of them, then had none left. That is all
    // a replay can check, and less than a whole run: bad input, not a pass.
    std::cout << "reproduced the " << recorded.events.size() << " recorded events; the replay stopped where the file ends\n";
    if (!result.trace_path.empty()) std::cout << "  new run's trace: " << result.trace_path << "\n";
    throw UsageError(truncation_of(path, recorded) + ": the replay matched its " +
                     std::to_string(recorded.events.size()) +
                     " recorded events but cannot check the rest of the run; replay a complete trace");
  }
  // run_simulation reports a divergence as the replay's failure message.
  std::cout << "diverged: " << result.message << "\n";
  if (!result.trace_path.empty()) std::cout << "  new run's trace: " << result.trace_path << "\n";
  return exit_failed;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  CLI::App* replay = app.add_subcommand("replay", "Re-run a trace's scenario under its recorded decisions: reproduced, or where it diverged");
  replay->add_option("trace", *path, "A trace file (JSON Lines) that `run` or `sweep` wrote")->required();
  replay->callback([path, &exit_code] { exit_code = replay_command(*path); });
}

}  // namespace detsim::cli
