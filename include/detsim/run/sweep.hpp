// detsim::sweep: run one program under many seeds, regressions first.
//
// Seeds first_seed, first_seed + 1, ... are run in order until one fails or
// `seeds` have passed. Before them, every seed recorded for this program in
// the regression file is re-run, so a bug found once stays found (the idea of
// Hypothesis's example database and proptest's regression files).
//
// Regression file: plain text, one failing case per line, appended on each
// new failure and meant to be committed:
//
//   # detsim regressions: seeds that failed once, re-run first on every run.
//   Bank.NoOverdraft seed=42 scheduler=random # lost update: balance is 40
//
// A line is "<name> seed=<n> scheduler=<name>", then optionally " # " and the
// message of the failure (for people; ignored when read). Lines starting with
// '#' and blank lines are ignored.
//
// The scheduler is SimulationOptions::scheduler: by default "swarm"
// (default_scheduler_spec, scheduling/registry.hpp), whose runs record, and
// whose regression entries name, the strategy drawn for their seed
// ("scheduler=pct:3,k=16"): an entry rebuilds its run whatever the default.
//
// Environment variables (override the options):
//   DETSIM_SEEDS=n               how many seeds to sweep
//   DETSIM_FIRST_SEED=n          the first seed of the sweep
//   DETSIM_REGRESSIONS=path      the regression file ("" disables it)
//   and run_simulation's: DETSIM_SEED (one seed, no sweep), DETSIM_SCHEDULER,
//   DETSIM_REPLAY / DETSIM_SCHEDULE (one replay, no sweep), DETSIM_TRACE_DIR,
//   DETSIM_CHECK_DETERMINISM, DETSIM_DEBUG.
//
// Example:
//   auto result = detsim::sweep(program, {.name = "Bank.NoOverdraft", .seeds = 500});
//   if (result.failure) std::cerr << result.failure->report;
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "detsim/run/seed_range.hpp"
#include "detsim/run/coverage.hpp"
#include "detsim/run/simulation.hpp"

namespace detsim {

struct SweepOptions {
  std::string name;  // identifies the program in the regression file and traces
  std::uint64_t seeds = 100;
  std::uint64_t first_seed = 1;
  std::string regression_file = "detsim-regressions.txt";  // empty: none
  SimulationOptions simulation;  // scheduler, limits, command, ...; name and seed are set per run
  bool read_environment = true;
  // Run only this slice of the seeds (after DETSIM_SEEDS/DETSIM_FIRST_SEED,
  // see detsim/run/seed_range.hpp), as one of several blocks that together
  // cover them once (DETSIM_TEST's seed blocks, spread by GoogleTest's
  // sharding and ctest -j). Regression seeds, and a single DETSIM_SEED /
  // DETSIM_REPLAY / DETSIM_SCHEDULE case, run in slice 0 only.
  std::optional<Shard> shard;
};

struct SweepResult {
  std::uint64_t runs = 0;                     // runs made, regressions included
  std::vector<std::uint64_t> regression_seeds;  // regression seeds re-run first
  std::optional<SimulationResult> failure;    // the first failing run, if any
  CoverageReport coverage;                    // over every run made (run/coverage.hpp)
};

SweepResult sweep(const Program& program, SweepOptions options = {});

struct RegressionEntry {
  std::string name;
  std::uint64_t seed = 0;
  std::string scheduler;
};
// The entries of `path` for `name`, in file order (none if the file is missing).
std::vector<RegressionEntry> read_regressions(const std::string& path, const std::string& name);
// Appends an entry unless the file already has it. Safe when several
// processes append to one file at once (ctest -j, parallel sweeps): each
// append holds an exclusive flock while it checks and writes, so every entry
// is written once, whole.
void append_regression(const std::string& path, const RegressionEntry& entry, const std::string& message);

}  // namespace detsim
