// detsim-explore-bench: how many runs each exploration strategy needs to
// find each bundled bug (tools/bench/results/exploration.md is its output).
//
// For every program (the bundled scenarios, the SCTBench ports,
// tools/scenarios/sctbench, and the long-stretch programs,
// tools/scenarios/long_stretch) and every strategy (a scheduler spec), and for
// each of --seeds base seeds b = 1, 2, ...: run seeds (b - 1) * cap + 1,
// (b - 1) * cap + 2, ... until a run fails or --cap runs passed. The runs to
// the first failure, over the base seeds, give a median and a 90th
// percentile (a base seed that found nothing counts as more than the cap:
// a percentile that lands there prints as "> cap"). explore() (DFS with a
// preemption bound of 1 and 2, sleep sets on) is deterministic: one number,
// the schedules up to the first failure, and whether it exhausted the bound.
//
// PCT's k (its estimate of a run's decisions) is measured per program: the
// largest decision count of 20 random runs, rounded up to a power of two.
//
// A strategy that finds nothing within the cap in its first 5 base seeds
// (--hopeless-after) is not run on: its row says "found 0/5".
//
// Usage: detsim-explore-bench [--seeds N] [--cap N] [--only NAME,NAME...] [--markdown PATH] [--hopeless-after N]
//                             [--strategies "SPEC SPEC..."] [--no-dfs]
// --strategies takes any scheduler spec, and swarm-weights:<r>-<p>-<a>-<b>
// (swarm with r/16 random, p/16 pos, a/16 pct:2, b/16 pct:3; swarm_weights.cpp).
// Prints one line per cell as it goes; --markdown writes the results table.
// Real clocks are used only to report how long a cell took.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <detsim/run/explore.hpp>
#include <detsim/run/simulation.hpp>
#include <detsim/scheduling/schedule.hpp>

#include <detsim/cli/scenario.hpp>

#include "scenarios/bundled.hpp"
#include "scenarios/long_stretch/long_stretch.hpp"
#include "scenarios/lost_update.hpp"
#include "scenarios/sctbench/sctbench.hpp"

// swarm_weights.cpp: "swarm-weights:<r>-<p>-<a>-<b>", for comparing swarm's weightings.
void register_swarm_weights();
void check_swarm_weights_mirror_swarm();

namespace {

struct Subject {
  std::string name;
  std::string origin;
  detsim::Program program;
};

std::vector<Subject> subjects() {
  std::vector<Subject> all;
  all.push_back({"lost_update", "bundled (tools/scenarios/lost_update.hpp): 2 tasks x 2 increments",
                 detsim::Program([](detsim::EventLoop& loop) {
                   const auto outcome = detsim::scenarios::run_lost_update(loop, 2, 2);
                   DETSIM_CHECK_EQ(outcome.counter, 4);
                 })});
  detsim::scenarios::register_bundled_scenarios();
  for (const detsim::Scenario& scenario : detsim::registered_scenarios()) {
    if (scenario.name.ends_with("-fixed")) continue;  // no bug to find
    all.push_back({scenario.name, "bundled scenario (tools/scenarios/): " + scenario.description, scenario.program});
  }
  for (const auto& port : detsim::sctbench::ports()) all.push_back({port.name, "SCTBench port: " + port.bug, port.program()});
  for (const auto& subject : detsim::long_stretch::programs()) {
    all.push_back({subject.name, "long stretch (tools/scenarios/long_stretch/): " + subject.bug, subject.program()});
  }
  return all;
}

struct Options {
  std::uint64_t seeds = 100;
  std::uint64_t cap = 10'000;
  std::string only;
  std::string markdown;
  std::uint64_t hopeless_after = 5;
  std::string strategies;  // a comma-free list separated by spaces; empty: the standard set
  bool dfs = true;
};

bool run_fails(const Subject& subject, const std::string& spec, std::uint64_t seed) {
  detsim::SimulationOptions options{.name = subject.name, .seed = seed, .scheduler = spec};
  options.read_environment = false;
  options.keep_trace = false;
  return !detsim::run_simulation(subject.program, options).ok();
}

std::uint64_t estimate_steps(const Subject& subject) {
  std::uint64_t most = 1;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    detsim::SimulationOptions options{.name = subject.name, .seed = seed, .scheduler = "random"};
    options.read_environment = false;
    const auto result = detsim::run_simulation(subject.program, options);
    most = std::max<std::uint64_t>(most, detsim::decode_schedule(result.schedule).decisions.size());
  }
  std::uint64_t k = 1;
  while (k < most) k *= 2;
  return k;
}

struct Cell {
  std::string strategy;
  std::uint64_t found = 0;  // base seeds that found the bug within the cap
  std::uint64_t tried = 0;  // base seeds run
  std::uint64_t median = 0;  // 0: more than the cap
  std::uint64_t p90 = 0;
  std::uint64_t runs = 0;
  double seconds = 0;
  std::string note;
};

std::string show(std::uint64_t value, std::uint64_t cap) {
  return value == 0 ? "> " + std::to_string(cap) : std::to_string(value);
}

// The value at quantile q (in percent) of the sorted runs-to-failure, 0 for "> cap".
std::uint64_t quantile(std::vector<std::uint64_t> values, std::uint64_t total, std::uint64_t percent) {
  std::sort(values.begin(), values.end());
  const std::uint64_t rank = (total * percent + 99) / 100;  // 1-based, nearest rank
  return rank <= values.size() ? values[rank - 1] : 0;
}

Cell measure(const Subject& subject, const std::string& strategy, const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  Cell cell{.strategy = strategy};
  std::vector<std::uint64_t> to_failure;
  std::uint64_t bases = options.seeds;
  for (std::uint64_t base = 1; base <= options.seeds; ++base) {
    // A strategy that found nothing in its first hopeless_after base seeds
    // (hopeless_after * cap runs) is not run on: the row says how many it tried.
    if (base > options.hopeless_after && to_failure.empty()) {
      bases = base - 1;
      cell.note = "stopped after " + std::to_string(bases) + " base seeds found nothing";
      break;
    }
    for (std::uint64_t i = 1; i <= options.cap; ++i) {
      ++cell.runs;
      if (run_fails(subject, strategy, (base - 1) * options.cap + i)) {
        to_failure.push_back(i);
        break;
      }
    }
  }
  cell.found = to_failure.size();
  cell.tried = bases;
  cell.median = quantile(to_failure, bases, 50);
  cell.p90 = quantile(to_failure, bases, 90);
  cell.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return cell;
}

Cell measure_dfs(const Subject& subject, std::uint32_t bound, const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  const detsim::ExploreResult result =
      detsim::explore(subject.program, {.name = subject.name, .bound = bound, .max_schedules = options.cap});
  Cell cell{.strategy = "dfs:" + std::to_string(bound) + " (explore)"};
  cell.tried = 1;  // deterministic: one search
  cell.runs = result.runs;
  if (result.failure) {
    cell.found = 1;
    cell.median = cell.p90 = result.schedules_to_failure;
    cell.note = "found";
  } else {
    cell.note = "not found";
  }
  // The whole space within the bound, failures or not: was it exhausted?
  const detsim::ExploreResult space = detsim::explore(
      subject.program,
      {.name = subject.name, .bound = bound, .max_schedules = options.cap, .stop_at_first_failure = false});
  const detsim::ExploreResult unreduced =
      detsim::explore(subject.program, {.name = subject.name, .bound = bound, .reduction = false,
                                        .max_schedules = options.cap, .stop_at_first_failure = false});
  auto size = [](const detsim::ExploreResult& r) {
    return std::to_string(r.schedules) + (r.exhausted ? "" : "+ (cap)");
  };
  cell.note += "; space within the bound: " + size(space) + " schedules with sleep sets (" +
               std::to_string(space.pruned) + " runs pruned), " + size(unreduced) + " without; " +
               (space.exhausted ? "exhausted" : "not exhausted at the cap");
  cell.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return cell;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "detsim-explore-bench: " << flag << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (flag == "--seeds") options.seeds = std::stoull(value());
    else if (flag == "--cap") options.cap = std::stoull(value());
    else if (flag == "--only") options.only = value();
    else if (flag == "--markdown") options.markdown = value();
    else if (flag == "--hopeless-after") options.hopeless_after = std::stoull(value());
    else if (flag == "--strategies") options.strategies = value();
    else if (flag == "--no-dfs") options.dfs = false;
    else {
      std::cerr << "detsim-explore-bench: unknown flag '" << flag
                << "' (usage: [--seeds N] [--cap N] [--only NAME,NAME...] [--markdown PATH] [--hopeless-after N] "
                   "[--strategies \"SPEC SPEC...\"] [--no-dfs])\n";
      std::exit(2);
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  register_swarm_weights();
  check_swarm_weights_mirror_swarm();
  // Failing runs write their traces: keep them out of the way.
  std::filesystem::create_directories("/tmp/detsim-explore-bench");
  ::setenv("DETSIM_TRACE_DIR", "/tmp/detsim-explore-bench", 1);
  std::string table;
  for (const Subject& subject : subjects()) {
    if (!options.only.empty() && ("," + options.only + ",").find("," + subject.name + ",") == std::string::npos) continue;
    const std::uint64_t k = estimate_steps(subject);
    std::vector<Cell> cells;
    const std::string pct_k = ",k=" + std::to_string(k);
    std::vector<std::string> strategies = {"random", "pct:1" + pct_k, "pct:2" + pct_k, "pct:3" + pct_k, "pos", "swarm"};
    if (!options.strategies.empty()) {
      strategies.clear();
      std::istringstream specs(options.strategies);
      for (std::string spec; specs >> spec;) strategies.push_back(spec);
    }
    for (const std::string& strategy : strategies) {
      cells.push_back(measure(subject, strategy, options));
      const Cell& c = cells.back();
      std::cout << subject.name << "\t" << c.strategy << "\tfound " << c.found << "/" << c.tried << "\tmedian "
                << show(c.median, options.cap) << "\tp90 " << show(c.p90, options.cap) << "\t" << c.runs << " runs\t"
                << c.seconds << " s" << std::endl;
    }
    for (std::uint32_t bound : {1u, 2u}) {
      if (!options.dfs) break;
      cells.push_back(measure_dfs(subject, bound, options));
      const Cell& c = cells.back();
      std::cout << subject.name << "\t" << c.strategy << "\t" << show(c.median, options.cap) << "\t" << c.note << "\t"
                << c.seconds << " s" << std::endl;
    }
    table += "\n### " + subject.name + "\n\n" + subject.origin + ". PCT k = " + std::to_string(k) + ".\n\n";
    table += "| strategy | found | median | p90 | runs | notes |\n|---|---|---|---|---|---|\n";
    for (const Cell& c : cells) {
      table += "| " + c.strategy + " | " + std::to_string(c.found) + "/" + std::to_string(c.tried) + " | " +
               show(c.median, options.cap) + " | " + show(c.p90, options.cap) + " | " + std::to_string(c.runs) +
               " | " + c.note + " |\n";
    }
  }
  if (!options.markdown.empty()) {
    std::ofstream out(options.markdown);
    out << table;
    if (!out) {
      std::cerr << "detsim-explore-bench: cannot write " << options.markdown << "\n";
      return 1;
    }
  }
  return 0;
}
