// detsim sweep SCENARIO [--seeds A..B] [--for DURATION] [--jobs N] [--isolate]
//   [--stop-on-first] [--shard I/N | --shard-count N] [--scheduler SPEC]
//   [--out report.jsonl] [--trace-dir DIR] [--no-shrink] [--quiet]
// detsim merge REPORT.jsonl... [--out merged.jsonl]
//
// sweep runs the seeds on `--jobs` worker processes (seed_sweep.hpp), shows
// progress on stderr (a bar on a terminal, a line every few seconds
// otherwise), then prints the report as a table (sweep_report.hpp): failures
// grouped by bug, each group's first and shortest seed with its trace and
// rerun command, its shrunk reproducer; determinism leaks; then the coverage
// (distinct schedules, orderings of conflicting steps, the plateau, and each
// DETSIM_SOMETIMES / DETSIM_REACHABLE point with the seeds it held in).
// --out writes the JSON Lines report that merge reads; merge prints the
// shards' coverage as one (their union). Exit 1 if any seed failed or leaked.
//
// The shard comes from --shard, else from SLURM_ARRAY_TASK_ID and
// SLURM_ARRAY_TASK_COUNT (Slurm arrays), else from JOB_COMPLETION_INDEX with
// --shard-count (Kubernetes Indexed Jobs).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "detsim/cli/main.hpp"
#include "detsim/run/seed_sweep.hpp"
#include "detsim/run/sweep_report.hpp"
#include "detsim/scheduling/registry.hpp"

namespace detsim::cli {
namespace {

struct SweepArguments {
  std::string scenario;
  std::string seeds;
  std::string duration;
  unsigned jobs = 0;
  bool isolate = false;
  bool stop_on_first = false;
  std::string shard;
  std::uint64_t shard_count = 0;
  std::string scheduler{default_scheduler_spec};
  std::string out;
  std::string trace_dir;
  bool no_shrink = false;
  bool quiet = false;
};

// "90s", "10m", "2h", "500ms": a real-time budget.
std::chrono::milliseconds parse_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  const std::uint64_t scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000 : 0;
  if (digits == 0 || digits > 9 || scale == 0) {
    throw UsageError("--for: '" + text + "' is not a duration (a whole number and a unit: 500ms, 90s, 10m, 2h)");
  }
  return std::chrono::milliseconds(std::stoull(text.substr(0, digits)) * scale);
}

std::optional<std::string> environment_variable(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::optional<std::string>(value) : std::nullopt;
}

std::string format_seconds(double seconds) {
  char text[32];
  if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.0fs", seconds);
  } else if (seconds < 3600) {
    std::snprintf(text, sizeof text, "%.0fm%02.0fs", std::floor(seconds / 60), std::fmod(seconds, 60));
  } else {
    std::snprintf(text, sizeof text, "%.0fh%02.0fm", std::floor(seconds / 3600), std::fmod(seconds / 60, 60));
  }
  return text;
}

// Progress on stderr: a bar redrawn in place on a terminal, else a plain
// line at most every five seconds.
class ProgressDisplay {
 public:
  ProgressDisplay(bool quiet, std::optional<std::chrono::milliseconds> budget)
      : quiet_(quiet), terminal_(::isatty(STDERR_FILENO) == 1), budget_(budget) {}

  void operator()(const SweepProgress& progress) {
    if (quiet_) return;
    const double interval = terminal_ ? 0.1 : 5.0;
    if (progress.phase == "done") {
      if (terminal_ && drawn_) std::cerr << "\r\033[K" << std::flush;
      return;
    }
    if (progress.elapsed_seconds - last_ < interval) return;
    last_ = progress.elapsed_seconds;
    const double rate = progress.elapsed_seconds > 0 ? static_cast<double>(progress.done) / progress.elapsed_seconds : 0;
    double fraction = progress.total > 0 ? static_cast<double>(progress.done) / static_cast<double>(progress.total) : 0;
    double remaining = rate > 0 ? static_cast<double>(progress.total - progress.done) / rate : 0;
    if (budget_) {
      const double budget_seconds = static_cast<double>(budget_->count()) / 1000;
      if (budget_seconds - progress.elapsed_seconds < remaining) {
        remaining = std::max(0.0, budget_seconds - progress.elapsed_seconds);
        fraction = std::max(fraction, progress.elapsed_seconds / budget_seconds);
      }
    }
    char line[256];
    std::snprintf(line, sizeof line, "%s %llu/%llu seeds, %.0f seeds/s, %llu failing, %llu bug(s), ETA %s",
                  progress.phase.c_str(), static_cast<unsigned long long>(progress.done),
                  static_cast<unsigned long long>(progress.total), rate,
                  static_cast<unsigned long long>(progress.failures), static_cast<unsigned long long>(progress.groups),
                  progress.phase == "sweep" ? format_seconds(remaining).c_str() : "-");
    if (terminal_) {
      const int width = 24;
      const int filled = static_cast<int>(std::min(1.0, fraction) * width);
      std::cerr << "\r\033[K[" << std::string(static_cast<std::size_t>(filled), '#')
                << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << line << std::flush;
      drawn_ = true;
    } else {
      std::cerr << "detsim: " << line << "\n";
    }
  }

 private:
  bool quiet_;
  bool terminal_;
  std::optional<std::chrono::milliseconds> budget_;
  double last_ = 0;  // the first line after one interval
  bool drawn_ = false;
};

void write_report_file(const std::string& path, const SeedSweepReport& report) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw UsageError("--out: cannot open '" + path + "' for writing");
  write_sweep_report(out, report);
  out.close();
  if (!out) throw UsageError("--out: could not write '" + path + "'");
}

int exit_code_of(const SeedSweepReport& report) {
  return report.failures.empty() && report.leaks.empty() ? exit_ok : exit_failed;
}

int sweep_command(const SweepArguments& arguments) {
  const Scenario& scenario = require_scenario(arguments.scenario);
  SeedSweepOptions options;
  options.name = scenario.name;
  if (!arguments.duration.empty()) options.time_budget = parse_duration(arguments.duration);
  if (!arguments.seeds.empty()) {
    const auto range = parse_seed_range(arguments.seeds, "--seeds");
    options.seeds = detsim::SeedRange{range.first, range.count()};
  } else {
    // A time budget alone: seeds from 1 until it runs out.
    options.seeds = options.time_budget ? detsim::SeedRange{1, UINT64_MAX - 1} : detsim::SeedRange{1, 1000};
  }
  if (!arguments.shard.empty()) {
    options.shard = parse_shard(arguments.shard);
  } else {
    options.shard = shard_from_environment(environment_variable,
                                           arguments.shard_count ? std::optional(arguments.shard_count) : std::nullopt);
  }
  options.jobs = arguments.jobs;
  options.isolate = arguments.isolate;
  options.stop_on_first = arguments.stop_on_first;
  options.shrink = !arguments.no_shrink;
  options.trace_dir = arguments.trace_dir;
  if (!options.trace_dir.empty()) {
    // Made here, so that a trace that cannot be written is never mistaken
    // for a seed that behaves differently when rerun alone.
    std::error_code error;
    std::filesystem::create_directories(options.trace_dir, error);
    if (error) throw UsageError("cannot create --trace-dir '" + options.trace_dir + "': " + error.message());
  }
  options.simulation.scheduler = arguments.scheduler;
  // The coverage block shows them: a plateau in orderings is how a user
  // sees more seeds stop helping. Their watch of every event costs about a
  // tenth of a small seed (callgrind, lost-update: 159k -> 176k
  // instructions a seed, points and folding included).
  options.simulation.record_orderings = true;
  const std::string program = invocation();
  options.seed_command = [&](std::uint64_t seed) {
    return program + " run " + scenario.name + " --seed " + std::to_string(seed) + " --scheduler " +
           concrete_scheduler_spec(arguments.scheduler, seed);
  };
  options.schedule_command = [&](const std::string& schedule) {
    return program + " run " + scenario.name + " --schedule " + schedule;
  };
  options.on_progress = ProgressDisplay(arguments.quiet, options.time_budget);
  const SeedSweepReport report = seed_sweep(scenario.program, options);
  if (!arguments.out.empty()) write_report_file(arguments.out, report);
  std::cout << format_sweep_table(report);
  if (!report.groups.empty()) {
    const FailureGroup& first = report.groups.front();
    std::cout << "\nfirst failure: seed " << first.first_seed << ": " << first.first_message << "\n";
    if (!first.first_trace.empty()) std::cout << "  trace: " << first.first_trace << "\n";
    std::cout << "  rerun: " << options.seed_command(first.first_seed) << "\n";
  }
  if (!arguments.out.empty()) std::cout << "report: " << arguments.out << "\n";
  return exit_code_of(report);
}

int merge_command(const std::vector<std::string>& inputs, const std::string& out) {
  std::vector<SeedSweepReport> reports;
  for (const std::string& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot open the sweep report '" + path + "'");
    reports.push_back(read_sweep_report(in, path));
  }
  const SeedSweepReport merged = merge_reports(reports);
  if (!out.empty()) write_report_file(out, merged);
  std::cout << "merged " << reports.size() << " report(s)\n" << format_sweep_table(merged);
  char line[160];
  std::snprintf(line, sizeof line, "overall: %.0f seeds/s on the slowest shard's clock, %.0f seeds/s per worker-second\n",
                merged.elapsed_seconds > 0 ? static_cast<double>(merged.seeds_run) / merged.elapsed_seconds : 0.0,
                merged.worker_seconds > 0 ? static_cast<double>(merged.seeds_run) / merged.worker_seconds : 0.0);
  std::cout << line;
  if (!merged.complete()) {
    std::cout << "incomplete: " << merged.range.count - merged.seeds_run << " seed(s) of "
              << merged.range.to_string() << " did not run (a shard missing or stopped early)\n";
  }
  return exit_code_of(merged);
}

}  // namespace

void add_sweep_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<SweepArguments>();
  CLI::App* sweep = app.add_subcommand(
      "sweep", "Run a scenario under many seeds on all cores; group failures by bug and shrink each to a reproducer");
  sweep->add_option("scenario", arguments->scenario, "The scenario (see `list`)")->required();
  sweep->add_option("--seeds", arguments->seeds, "The seeds, A..B (default 1..1000; with --for, from 1 on)");
  sweep->add_option("--for", arguments->duration, "A real-time budget: 500ms, 90s, 10m, 2h");
  sweep->add_option("--jobs,-j", arguments->jobs, "Worker processes (default: the machine's cores)");
  sweep->add_flag("--isolate", arguments->isolate, "Run every seed in a fresh process");
  sweep->add_flag("--stop-on-first", arguments->stop_on_first, "Stop at the lowest failing seed");
  sweep->add_option("--shard", arguments->shard,
                    "Run only slice I of N of the seeds (I/N); default from SLURM_ARRAY_TASK_ID/_COUNT or "
                    "JOB_COMPLETION_INDEX");
  sweep->add_option("--shard-count", arguments->shard_count, "N, for a shard index from JOB_COMPLETION_INDEX");
  sweep->add_option("--scheduler", arguments->scheduler, "A scheduler spec: swarm (default), random, pct:3, ...");
  sweep->add_option("--out", arguments->out, "Write the report as JSON Lines (for `merge` and machines)");
  sweep->add_option("--trace-dir", arguments->trace_dir, "Where traces go (default: DETSIM_TRACE_DIR or .)");
  sweep->add_flag("--no-shrink", arguments->no_shrink, "Do not shrink the failure groups");
  sweep->add_flag("--quiet,-q", arguments->quiet, "No progress on stderr");
  sweep->callback([arguments, &exit_code] { exit_code = sweep_command(*arguments); });

  auto inputs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  CLI::App* merge = app.add_subcommand("merge", "Combine the --out reports of a sweep's shards into one report");
  merge->add_option("reports", *inputs, "The shards' JSON Lines reports")->required();
  merge->add_option("--out", *out, "Write the merged report as JSON Lines");
  merge->callback([inputs, out, &exit_code] { exit_code = merge_command(*inputs, *out); });
}

}  // namespace detsim::cli
