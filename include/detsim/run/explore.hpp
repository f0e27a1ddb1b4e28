// detsim::explore: bounded exhaustive search over a program's schedules.
//
// Depth-first over the scheduling decisions (picks among two or more ready
// callbacks), one run per schedule, each run replaying the path to the
// decision it changes and then taking the default order (bounded.hpp: the
// task that ran last goes on if it can, else the oldest ready callback).
// Schedules are bounded by preemptions or delays (BoundKind); with
// `iterative`, the bound grows 0, 1, ..., bound and pass c runs only the
// schedules of cost exactly c (as CHESS does), so cheap bugs come first.
//
// Reduction: sleep sets (Godefroid, 1996). After the subtree of decision
// node s taking step t is explored, t "sleeps" in s's later subtrees for as
// long as only steps independent of t run; a node where every candidate
// within the bound sleeps is redundant, and its run stops at once (counted
// in `pruned`, not in `schedules`). Without a bound, every explored complete
// schedule is a different Mazurkiewicz trace, and every trace is explored.
// Soundness conditions:
//   - independence comes from declared accesses (detsim/base/access.hpp):
//     two steps are independent only if they are steps of different tasks,
//     both declared at least one access, and no two of their accesses
//     conflict. A step that declares nothing, and any plain callback,
//     depends on everything, so an undeclared program is explored without
//     reduction. A step that declares must declare all its interactions;
//   - steps are deterministic given the state (detsim's contract);
//   - with a bound, sleep sets can skip a schedule within the bound whose
//     only equivalent within the bound was put to sleep (the known
//     interaction of sleep sets with context bounds, CHESS section 4):
//     `exhausted` then means "every schedule within the bound, up to that
//     caveat". reduction = false has no caveat.
//
// Prefix reuse: a run replays its prefix (stateless model checking, as
// CHESS and every SCT tool for real code): coroutine frames cannot be
// copied, so a schedule costs its whole length, not its suffix. What is
// reused is the bookkeeping: the path's nodes, their sleep and done sets.
//
// Draws: every run gives the program's own draws (loop.random(), seeded
// from the scheduler's seed) the same seed, simulation.seed: explore
// enumerates the schedules of the program as that seed's draws make it. A
// bug that needs other draws (a timeout that only some jitter reaches) is
// not in that space: explore under other seeds, or sample with a strategy.
//
// Output: schedules run, runs pruned, whether the space within the bound was
// exhausted (false when max_schedules stopped it), the first failure (its
// report and trace from a rerun under "dfs-path:<indices>", a spec that
// rebuilds it: DETSIM_SCHEDULER=dfs-path:... or DETSIM_SCHEDULE reproduce
// it), and a CoverageReport over the runs.
//
// Determinism contract: the enumeration order is a function of the program
// and the options. A program whose replayed prefix meets other candidates
// than it recorded (it is not deterministic) makes explore throw
// detsim::Error "detsim.explore.nondeterministic", naming the run and the
// decision.
//
// Example:
//   detsim::ExploreResult result = detsim::explore(program, {.name = "bank", .bound = 2});
//   std::cout << result.schedules << (result.exhausted ? " (all)" : "") << "\n";
//   if (result.failure) std::cerr << result.failure->report;
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "detsim/run/coverage.hpp"
#include "detsim/run/simulation.hpp"
#include "detsim/scheduling/bounded.hpp"

namespace detsim {

struct ExploreOptions {
  std::string name;
  BoundKind bound_kind = BoundKind::preemptions;
  std::uint32_t bound = 2;
  bool iterative = true;      // bounds 0..bound in turn, each pass running only its new schedules
  bool reduction = true;      // sleep sets
  std::uint64_t max_schedules = 10'000;  // stop after this many complete schedules
  bool stop_at_first_failure = true;
  SimulationOptions simulation;  // limits, command, seed of the program's draws, ...; the scheduler is explore's
};

struct ExploreResult {
  std::uint64_t schedules = 0;  // complete runs counted as schedules (new ones, with iterative)
  std::uint64_t runs = 0;       // every run, pruned and re-run ones included
  std::uint64_t pruned = 0;     // runs stopped as redundant by the reduction
  bool exhausted = false;       // the whole space within the bound was explored
  std::uint64_t schedules_to_failure = 0;  // schedules run up to and including the first failing one
  std::optional<SimulationResult> failure;
  CoverageReport coverage;
};

ExploreResult explore(const Program& program, ExploreOptions options = {});

}  // namespace detsim
