// detsim::SweepCoverage: what a seed sweep explored, kept by seed so that
// the coverage of workers and of shards merges exactly.
//
// CoverageReport (run/coverage.hpp) folds runs in one process, in order.
// A seed sweep runs its seeds in chunks on worker processes, and in shards
// on other machines, then merges them; counts alone would not merge (a
// schedule seen by two shards is one schedule, not two). So SweepCoverage
// keeps the sets themselves, each element with the first seed it appeared
// in:
//   - schedules: every distinct seed digest (a sweep's: sweep_seed_digest,
//     seed_runner.hpp) -> the first seed that made it;
//   - orderings: every distinct ordering of conflicting steps (a site pair,
//     RunCoverage::orderings) -> the first seed that made it; empty unless
//     the sweep recorded orderings (SimulationOptions::record_orderings);
//   - points: every DETSIM_SOMETIMES / DETSIM_REACHABLE point evaluated in
//     some seed -> in how many seeds it was evaluated and held, and the
//     first seed of each.
// The plateau is derived, never stored: the last new schedule is the
// largest first seed among the schedules (likewise orderings, and points
// by the first seed they held in). So merge() is a union of sets with the
// minimum first seed and a sum of per-seed counts: exact, commutative and
// associative for coverage of disjoint seeds, whatever the order of
// chunks, the number of jobs or the shards. Merging coverage of
// overlapping seeds counts those seeds twice: seed_sweep and
// merge_reports never do (merge_reports refuses overlapping shards).
//
// A point no seed ever evaluated (a DETSIM_REACHABLE in a branch never
// taken) is not known to the coverage: only points evaluated at least once
// are listed, and those that never held are the ones unreached() names.
//
// Determinism contract: every member is an ordered map keyed by value
// (digest, site text, point name), never by address; the coverage is a
// function of the (seed, run) pairs folded, not of their order.
//
// Example:
//   detsim::SweepCoverage coverage;
//   for (std::uint64_t seed = 1; seed <= 100; ++seed) {
//     const auto run = detsim::run_simulation(program, {.name = "bank", .seed = seed});
//     coverage.add_run(seed, detsim::sweep_seed_digest(run.schedule_digest, run.outcome, run.message),
//                      run.coverage);
//   }
//   coverage.merge(other_shard.coverage);  // seeds 101..200
//   std::cout << coverage.distinct_schedules() << " schedules, last new at seed "
//             << coverage.last_new_schedule().value_or(0) << "\n";
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detsim/base/coverage.hpp"
#include "detsim/run/coverage.hpp"

namespace detsim {

// One point over a sweep's seeds.
struct SweepCoveragePoint {
  CoverageKind kind = CoverageKind::sometimes;
  std::string site;                // "file:line" where it was evaluated in `first_seed`
  std::uint64_t first_seed = 0;    // the first seed that evaluated it
  std::uint64_t seeds_evaluated = 0;
  std::uint64_t seeds_held = 0;    // seeds in which it held at least once
  std::optional<std::uint64_t> first_held_seed;  // none: it never held
  std::uint64_t evaluations = 0;   // over all seeds
  std::uint64_t held = 0;          // evaluations that held, over all seeds
  friend bool operator==(const SweepCoveragePoint&, const SweepCoveragePoint&) = default;
};

class SweepCoverage {
 public:
  // Folds one seed's run: its digest and the points and orderings it recorded.
  void add_run(std::uint64_t seed, std::uint64_t digest, const RunCoverage& run);
  // A seed that ran but left no coverage (its process crashed): counted in
  // seeds() only.
  void add_seed_without_coverage() noexcept { ++seeds_; }

  // The parts of add_run, for a caller that folds a run piece by piece (the
  // sweep's workers) or reads coverage back (sweep_report.cpp). Each keeps
  // the smaller first seed; add_point's counts add up.
  void add_seeds(std::uint64_t count) noexcept { seeds_ += count; }
  void add_schedule(std::uint64_t digest, std::uint64_t first_seed);
  void add_ordering(const SitePair& ordering, std::uint64_t first_seed);
  void add_point(std::string_view name, const SweepCoveragePoint& point);
  // One seed's evaluations of one point, as its run's CoverageLog holds them.
  void add_point_of_run(std::uint64_t seed, std::string_view name, const CoveragePoint& run_point);
  // Whether the orderings were recorded (false: distinct_orderings() is not
  // known and reads 0). Merged coverage has them only if every part had.
  void set_orderings_recorded(bool recorded) noexcept { orderings_recorded_ = recorded; }

  // The union of this and `other`, which must cover other seeds.
  void merge(const SweepCoverage& other);

  std::uint64_t seeds() const noexcept { return seeds_; }
  std::uint64_t distinct_schedules() const noexcept { return schedules_.size(); }
  std::uint64_t distinct_orderings() const noexcept { return orderings_.size(); }
  bool orderings_recorded() const noexcept { return orderings_recorded_; }
  const std::map<std::uint64_t, std::uint64_t>& schedules() const noexcept { return schedules_; }
  const std::map<SitePair, std::uint64_t>& orderings() const noexcept { return orderings_; }
  const std::map<std::string, SweepCoveragePoint, std::less<>>& points() const noexcept { return points_; }
  // The points that never held, by name.
  std::vector<std::string> unreached() const;
  // The plateau: the seed of the last new schedule, ordering, or point
  // first held; none if there was none.
  std::optional<std::uint64_t> last_new_schedule() const;
  std::optional<std::uint64_t> last_new_ordering() const;
  std::optional<std::uint64_t> last_new_point() const;

  friend bool operator==(const SweepCoverage&, const SweepCoverage&) = default;

 private:
  std::uint64_t seeds_ = 0;
  bool orderings_recorded_ = false;
  std::map<std::uint64_t, std::uint64_t> schedules_;
  std::map<SitePair, std::uint64_t> orderings_;
  std::map<std::string, SweepCoveragePoint, std::less<>> points_;
};

// "DETSIM_SOMETIMES" or "DETSIM_REACHABLE".
const char* coverage_macro_name(CoverageKind kind) noexcept;

}  // namespace detsim
