// detsim::RunCoverage and detsim::CoverageReport: what a sweep explored, so a
// user can see when more seeds stop helping.
//
// Every run_simulation records a RunCoverage (SimulationResult::coverage):
//   - points: the DETSIM_SOMETIMES / DETSIM_REACHABLE evaluations of the run
//     (detsim/base/coverage.hpp), by name;
//   - orderings (only when SimulationOptions::record_orderings asks for
//     them - for a sweep, in its SweepOptions::simulation - as they cost a
//     watch of every event; empty otherwise): the distinct orders of
//     conflicting steps, by site pair. When
//     the run declared accesses (detsim/base/access.hpp), each access that
//     conflicts with an earlier one by another task adds the pair
//     "<site of that task's step> -> <site of this step>" (the latest such
//     earlier access only). A run that declared nothing falls back to
//     consecutive steps of two different tasks. A site is "file:line" of
//     where the step resumed (its create_task, yield, sleep or await).
//
// A CoverageReport folds runs in the order given (a sweep's order), and
// answers:
//   - distinct_schedules(): distinct trace digests (two runs with one digest
//     made the same events);
//   - distinct_orderings(): the union of the runs' orderings (0 if none
//     recorded them);
//   - unreached(): the SOMETIMES and REACHABLE points that never held in any
//     run, though evaluated in some (a point no run ever evaluated is not
//     known to the report: name it with expect()). Sorted by name;
//   - the plateau: the run at which the last new schedule, ordering or point
//     appeared; plateaued(window) is true when none appeared in the last
//     `window` runs.
// describe() renders all of it as text for a CLI or a test log:
//
//   coverage: 200 runs, 57 distinct schedules, 9 orderings of conflicting steps
//     last new schedule at run 181, last new ordering at run 44, last new point at run 3
//     never held: DETSIM_SOMETIMES "both inside" (bank.cpp:40)
//
// Determinism contract: the report is a function of the runs added and
// their order; sets and maps are ordered by value, never by address.
//
// Example:
//   detsim::CoverageReport report;
//   for (std::uint64_t seed = 1; seed <= 100; ++seed)
//     report.add(detsim::run_simulation(program, {.name = "bank", .seed = seed}));
//   std::cout << report.describe();
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "detsim/base/coverage.hpp"

namespace detsim {

using SitePair = std::pair<std::string, std::string>;  // earlier step's site, later step's site

struct RunCoverage {
  CoverageLog points;
  std::set<SitePair> orderings;
  friend bool operator==(const RunCoverage&, const RunCoverage&) = default;
};

class CoverageReport {
 public:
  // Folds one run: its digest and coverage.
  void add(std::uint64_t digest, const RunCoverage& coverage);
  template <class Result>
    requires requires(const Result& r) { r.digest; r.coverage; }
  void add(const Result& result) {
    add(result.digest, result.coverage);
  }
  // Names a point that should be reached, so it is reported even if no run
  // ever evaluated it.
  void expect(std::string name, CoverageKind kind = CoverageKind::sometimes);

  std::uint64_t runs() const noexcept { return runs_; }
  std::uint64_t distinct_schedules() const noexcept { return digests_.size(); }
  std::uint64_t distinct_orderings() const noexcept { return orderings_.size(); }
  const std::set<SitePair>& orderings() const noexcept { return orderings_; }
  const CoverageLog& points() const noexcept { return points_; }
  std::vector<std::string> unreached() const;
  // 1-based run numbers; 0 if never.
  std::uint64_t last_new_schedule() const noexcept { return last_new_schedule_; }
  std::uint64_t last_new_ordering() const noexcept { return last_new_ordering_; }
  std::uint64_t last_new_point() const noexcept { return last_new_point_; }
  bool plateaued(std::uint64_t window) const noexcept;
  std::string describe() const;

 private:
  std::uint64_t runs_ = 0;
  std::set<std::uint64_t> digests_;
  std::set<SitePair> orderings_;
  CoverageLog points_;
  std::uint64_t last_new_schedule_ = 0;
  std::uint64_t last_new_ordering_ = 0;
  std::uint64_t last_new_point_ = 0;
};

}  // namespace detsim
