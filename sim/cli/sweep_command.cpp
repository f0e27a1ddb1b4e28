// detsim sweep SCENARIO --seeds A..B [--scheduler SPEC] [--stop-on-first]
// [--out failures.jsonl]: the scenario under every seed of the range, in
// order, one after another. Prints the first failure's report (its trace,
// schedule, and the command that replays it) and a summary; exits 1 if any
// seed failed. --out writes one JSON line per failing seed.
//
// This is the minimal, sequential form. The sweeps work (parallel jobs,
// shards, merge) replaces it in this file, keeping these flags.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/run_report.hpp"
#include "detsim/cli/main.hpp"
#include "detsim/run/simulation.hpp"

namespace detsim::cli {
namespace {

struct SweepArguments {
  std::string scenario;
  std::string seeds;
  std::string scheduler = "random";
  bool stop_on_first = false;
  std::string out;
};

std::string json_string(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      quoted += escaped;
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

std::string failure_line(const Scenario& scenario, const SimulationResult& result) {
  return "{\"scenario\":" + json_string(scenario.name) + ",\"seed\":" + std::to_string(result.seed) +
         ",\"scheduler\":" + json_string(result.scheduler) + ",\"outcome\":" + json_string(to_string(result.outcome)) +
         ",\"message\":" + json_string(result.message) + ",\"digest\":" + json_string(format_digest(result.digest)) +
         ",\"schedule\":" + json_string(result.schedule) + ",\"trace\":" + json_string(result.trace_path) + "}\n";
}

int sweep_command(const SweepArguments& arguments) {
  const Scenario& scenario = require_scenario(arguments.scenario);
  const SeedRange range = parse_seed_range(arguments.seeds, "--seeds");
  std::ofstream out;
  if (!arguments.out.empty()) {
    out.open(arguments.out, std::ios::binary | std::ios::trunc);
    if (!out) throw UsageError("--out: cannot write " + arguments.out);
  }
  std::uint64_t runs = 0, failures = 0;
  std::string failed_seeds;
  const auto started = std::chrono::steady_clock::now();
  for (std::uint64_t seed = range.first;; ++seed) {
    SimulationOptions options;
    options.name = scenario.name;
    options.seed = seed;
    options.scheduler = arguments.scheduler;
    options.read_environment = false;
    options.report_rerun_commands = false;
    options.keep_trace = false;  // a passing seed keeps only its digest
    const auto run_started = std::chrono::steady_clock::now();
    const SimulationResult result = run_simulation(scenario.program, options);
    ++runs;
    if (!result.ok()) {
      if (failures == 0) {
        const std::chrono::duration<double> real = std::chrono::steady_clock::now() - run_started;
        print_run(std::cout, scenario, result, real.count());
      }
      ++failures;
      if (failures <= 20) failed_seeds += (failed_seeds.empty() ? "" : " ") + std::to_string(seed);
      if (out) out << failure_line(scenario, result);
      if (arguments.stop_on_first) break;
    }
    if (seed == range.last) break;
  }
  const std::chrono::duration<double> real = std::chrono::steady_clock::now() - started;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f", real.count());
  std::cout << "swept " << scenario.name << " over " << runs << " seed" << (runs == 1 ? "" : "s") << " ("
            << arguments.scheduler << ") in " << seconds << " s: ";
  if (failures == 0) {
    std::cout << "all passed\n";
  } else {
    std::cout << failures << " failed (seeds " << failed_seeds << (failures > 20 ? " ..." : "") << ")\n";
  }
  if (out && !out.flush()) throw UsageError("--out: writing " + arguments.out + " failed");
  return failures == 0 ? exit_ok : exit_failed;
}

}  // namespace

void add_sweep_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<SweepArguments>();
  CLI::App* sweep = app.add_subcommand("sweep", "Run a scenario under a range of seeds; report the first failure");
  sweep->add_option("scenario", arguments->scenario, "The scenario (see `list`)")->required();
  sweep->add_option("--seeds", arguments->seeds, "The seeds, A..B inclusive (e.g. 1..1000)")->required();
  sweep->add_option("--scheduler", arguments->scheduler, "A scheduler spec: random (default), fifo, pct:3, ...");
  sweep->add_flag("--stop-on-first", arguments->stop_on_first, "Stop at the first failing seed");
  sweep->add_option("--out", arguments->out, "Write one JSON line per failing seed here");
  sweep->callback([arguments, &exit_code] { exit_code = sweep_command(*arguments); });
}

}  // namespace detsim::cli
