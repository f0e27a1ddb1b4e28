// detsim run SCENARIO [--seed S] [--scheduler SPEC] [--schedule STRING] [--trace FILE]:
// one run; its outcome, digest, steps, virtual time and speed. A failing
// run prints its report (what failed, where its trace is, how to replay it)
// and exits 1.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/run_report.hpp"
#include "detsim/cli/main.hpp"
#include "detsim/run/simulation.hpp"
#include "detsim/scheduling/registry.hpp"

namespace detsim::cli {
namespace {

struct RunArguments {
  std::string scenario;
  std::string seed = "1";
  std::string scheduler{default_scheduler_spec};
  std::string schedule;
  std::string trace;
};

int run_command(const RunArguments& arguments) {
  const Scenario& scenario = require_scenario(arguments.scenario);
  SimulationOptions options;
  options.name = scenario.name;
  options.seed = parse_seed(arguments.seed, "--seed");
  options.scheduler = arguments.scheduler;
  options.schedule = arguments.schedule;
  options.trace_path = arguments.trace;
  // The command line says what to run: DETSIM_SEED and friends do not
  // override it, and the report's rerun commands are this program's.
  options.read_environment = false;
  options.report_rerun_commands = false;
  const auto started = std::chrono::steady_clock::now();
  const SimulationResult result = run_simulation(scenario.program, options);
  const std::chrono::duration<double> real = std::chrono::steady_clock::now() - started;
  print_run(std::cout, scenario, result, real.count());
  return result.ok() ? exit_ok : exit_failed;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<RunArguments>();
  CLI::App* run = app.add_subcommand("run", "Run a scenario once, under one seed, and say how it went");
  run->add_option("scenario", arguments->scenario, "The scenario (see `list`)")->required();
  run->add_option("--seed", arguments->seed, "The seed, a decimal integer (default 1)");
  run->add_option("--scheduler", arguments->scheduler, "A scheduler spec: swarm (default), random, fifo, pct:3, ...");
  run->add_option("--schedule", arguments->schedule, "Replay this schedule string (from a report) instead of a seed");
  run->add_option("--trace", arguments->trace, "Write the run's trace here, pass or fail (a failing run's is always written)");
  run->callback([arguments, &exit_code] { exit_code = run_command(*arguments); });
}

}  // namespace detsim::cli
