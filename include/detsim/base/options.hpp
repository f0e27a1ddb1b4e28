// detsim::Options: every DETSIM_* setting, read in one place.
//
// The environment is how a user steers a test binary without rebuilding it
// (DETSIM_SEED=7 ./bank_test); a command line will be the other way. Both
// land here: options_from_environment() reads every variable, a command line
// sets an override, and current_options() is the two merged (the override
// wins, field by field). Nothing else in detsim reads DETSIM_* variables.
//
// The variables (empty counts as unset, except where said):
//   DETSIM_SEED=n                one seed (run_simulation; a sweep runs just it)
//   DETSIM_SCHEDULER=spec        a scheduler spec: "swarm" (the default,
//                                scheduling/registry.hpp), "random", "pct:3", ...
//   DETSIM_REPLAY=path.jsonl     replay a recorded trace
//   DETSIM_SCHEDULE=s1....       replay a schedule string
//   DETSIM_CHECK_DETERMINISM=1   run each case twice and compare ("0": off)
//   DETSIM_DEBUG=1               the loop's debug mode ("0": off)
//   DETSIM_TRACE_DIR=dir         where failing runs' traces go (default ".")
//   DETSIM_SOURCE_ROOT=dir       sites in traces are relative to it
//   DETSIM_SEEDS=n               how many seeds a sweep runs
//   DETSIM_FIRST_SEED=n          a sweep's first seed
//   DETSIM_REGRESSIONS=path      the regression file; set but empty: none
//   DETSIM_LOCK_ORDER=off        a lock-order inversion does not halt the run
//                                (asyncio/lock_order.hpp; "0" too; default on)
//   DETSIM_FAIL_ON_LEAKS=1       a run that ends with tasks still blocked fails
//                                (run/simulation.hpp; "0": off, the default)
//
// Invariants: a malformed number is an Error ("detsim.environment") naming
// the variable and its value, never a silent default.
//
// Determinism contract: options are read outside any simulation, before a
// run starts; they choose which run happens (seed, scheduler, replay), never
// how a given run unfolds.
//
// Example:
//   detsim::Options from_flags;
//   from_flags.seed = 42;                        // e.g. parsed from --seed 42
//   detsim::set_options_override(from_flags);
//   detsim::current_options().seed;              // 42, whatever DETSIM_SEED says
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace detsim {

struct Options {
  std::optional<std::uint64_t> seed;           // DETSIM_SEED
  std::optional<std::string> scheduler;        // DETSIM_SCHEDULER
  std::optional<std::string> replay_path;      // DETSIM_REPLAY
  std::optional<std::string> schedule;         // DETSIM_SCHEDULE
  std::optional<bool> check_determinism;       // DETSIM_CHECK_DETERMINISM
  std::optional<bool> debug;                   // DETSIM_DEBUG
  std::optional<std::string> trace_dir;        // DETSIM_TRACE_DIR
  std::optional<std::string> source_root;      // DETSIM_SOURCE_ROOT
  std::optional<std::uint64_t> seeds;          // DETSIM_SEEDS
  std::optional<std::uint64_t> first_seed;     // DETSIM_FIRST_SEED
  std::optional<std::string> regression_file;  // DETSIM_REGRESSIONS ("" = no file)
  std::optional<bool> lock_order;              // DETSIM_LOCK_ORDER ("off"/"0": false)
  std::optional<bool> fail_on_leaks;           // DETSIM_FAIL_ON_LEAKS
  friend bool operator==(const Options&, const Options&) = default;
};

// The DETSIM_* variables of this process's environment. Throws Error if one
// is malformed.
Options options_from_environment();

// `below` with every field that `above` sets replaced by `above`'s.
Options overlay(Options below, const Options& above);

// Settings that win over the environment from now on (a command line's);
// an empty Options removes the override. Not thread-safe: set it before
// starting runs.
void set_options_override(Options override_options);

// overlay(options_from_environment(), the override).
Options current_options();

// Single settings of current_options(), each reading its own variable alone:
// for code that runs once per run or per loop (a trace recorder, a loop's
// lock-order graph), where reading and parsing every variable would cost
// each seed of a sweep, and a malformed variable it does not use would fail it.
std::optional<std::string> current_source_root();
std::optional<std::string> current_trace_dir();
std::optional<bool> current_lock_order();

}  // namespace detsim
