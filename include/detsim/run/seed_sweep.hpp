// detsim::seed_sweep: many seeds of one program on every core, failures
// grouped by bug, each group shrunk to a minimal reproducer.
//
// What it does, in order:
//  1. Splits the seed range (after --shard, seed_range.hpp) into chunks whose
//     bounds depend only on the range, and runs each chunk in a forked worker
//     process, `jobs` at a time. A worker runs its seeds in order
//     (SeedRunner), keeping each seed's outcome, digest (sweep_seed_digest:
//     its schedule digest, with a failure's outcome and message) and steps,
//     and its coverage (the DETSIM_SOMETIMES and DETSIM_REACHABLE points,
//     and with simulation.record_orderings the orderings of conflicting
//     steps), and sends the results back over a pipe: the coverage as sets
//     keyed by first seed (sweep_coverage.hpp), never as counts, so that
//     the parent's union is exact. With `isolate`, every seed runs in a
//     process of its own, forked afresh.
//  2. Merges the chunks in seed order: the failing seeds, their groups
//     (failure_groups.hpp), the coverage, and the sweep digest, a sum over
//     seeds of a hash of (seed, sweep_seed_digest) that two sweeps share
//     exactly when every seed ran the same schedule to the same outcome and
//     message (seed_runner.hpp), whatever the jobs or shards.
//  3. Runs each group's first and shortest seed again alone, in a fresh
//     process, writing their traces, and compares: a seed whose outcome or
//     digest differs alone is a determinism leak (static state carried from
//     an earlier seed of its worker), reported by seed. The first
//     `leak_check_seeds` failing seeds are checked the same way.
//  4. Shrinks each group from its shortest seed (shrink.hpp), in a fresh
//     process per group, writing the shrunk run's trace.
//
// Determinism contract: for a program that keeps the Program contract, the
// report's failures, groups, digests, coverage and reproducers are the same for every
// `jobs` and `isolate`, and the union of N shards' reports equals the
// unsharded one (merge_reports, sweep_report.hpp). Only the elapsed time,
// and how far a time budget got, depend on the machine. A time budget or
// stop_on_first ends the sweep after a prefix of the range: with
// stop_on_first, up to and including the lowest failing seed.
//
// The parent process never runs the program itself: every fork starts from
// its untouched state. Call seed_sweep from a single-threaded process (fork).
//
// Example:
//   detsim::SeedSweepOptions options{.name = "lost_update", .seeds = {1, 100000}, .jobs = 2};
//   detsim::SeedSweepReport report = detsim::seed_sweep(program, options);
//   for (const auto& group : report.groups) std::cout << group.signature.to_string() << "\n";
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "detsim/run/failure_groups.hpp"
#include "detsim/run/seed_range.hpp"
#include "detsim/run/simulation.hpp"
#include "detsim/run/sweep_coverage.hpp"

namespace detsim {

struct SweepProgress {
  std::uint64_t done = 0;   // seeds run
  std::uint64_t total = 0;  // seeds in the range (after sharding)
  std::uint64_t failures = 0;
  std::uint64_t groups = 0;  // distinct bugs so far
  double elapsed_seconds = 0;
  std::string phase;  // "sweep", "rerun", "shrink"
};

struct SeedSweepOptions {
  std::string name;                 // the program's name: traces, reports
  SeedRange seeds{1, 1000};
  std::optional<Shard> shard;       // run only this slice of `seeds`
  unsigned jobs = 0;                // worker processes; 0: the machine's cores
  bool isolate = false;             // a fresh process per seed
  bool stop_on_first = false;
  std::optional<std::chrono::milliseconds> time_budget;  // real time; stops starting chunks
  bool shrink = true;
  std::uint64_t shrink_max_runs = 2000;
  std::uint64_t leak_check_seeds = 32;  // failing seeds (beyond the groups') re-run alone
  std::string trace_dir;            // where traces go; empty: DETSIM_TRACE_DIR or "."
  SimulationOptions simulation;     // scheduler, limits, debug; name and seed are set per run
  // Rerun commands for the report. Defaults: "DETSIM_SEED=<seed>
  // DETSIM_SCHEDULER=<spec> <command>" and "DETSIM_SCHEDULE=<schedule>
  // <command>", with simulation.command; <spec> is what the scheduler ran
  // as for that seed (concrete_scheduler_spec: under the default, swarm, the
  // strategy it drew), so the command says which strategy ran.
  std::function<std::string(std::uint64_t seed)> seed_command;
  std::function<std::string(const std::string& schedule)> schedule_command;
  std::function<void(const SweepProgress&)> on_progress;  // in the calling process
};

// A failing seed whose run differs when run alone in a fresh process.
struct DeterminismLeak {
  std::uint64_t seed = 0;
  std::string in_sweep;  // outcome and digest in the sweep: "failed 1a2b...: message"
  std::string alone;     // the same, run alone
  std::string describe() const;
  friend bool operator==(const DeterminismLeak&, const DeterminismLeak&) = default;
};

struct SeedSweepReport {
  std::string name;
  std::string scheduler;
  SeedRange range;                // the seeds assigned (after sharding)
  std::optional<Shard> shard;
  std::uint64_t seeds_run = 0;    // range.first .. range.first + seeds_run - 1 ran
  std::uint64_t digest = 0;       // the sweep digest (see above)
  double elapsed_seconds = 0;     // real time, workers included
  double worker_seconds = 0;      // real time summed over workers' chunks
  unsigned jobs = 1;
  bool isolate = false;
  std::vector<SeedFailure> failures;  // seed order
  std::vector<FailureGroup> groups;   // by first seed
  std::vector<DeterminismLeak> leaks;
  SweepCoverage coverage;             // over the seeds run (sweep_coverage.hpp)
  bool complete() const noexcept { return seeds_run == range.count; }
};

SeedSweepReport seed_sweep(const Program& program, SeedSweepOptions options);

// The sweep digest's term for one seed (exposed for merge and tests).
std::uint64_t sweep_digest_term(std::uint64_t seed, std::uint64_t run_digest) noexcept;

}  // namespace detsim
