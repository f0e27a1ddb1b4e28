// SeedCoverage: a sweep worker's coverage, recorded seed after seed, and its
// wire form (worker -> parent). Private to sim/run; seed_sweep.cpp uses it.
//
// Per seed it opens what run_simulation opens around a run (the run's
// CoverageLog and AccessLog on this thread, so DETSIM_SOMETIMES and
// declare_access record, and a scheduler that reads declared accesses sees
// the same log as under run_simulation) and, if orderings are recorded, an
// OrderingWatcher on the loop. What it keeps is cheap to fold per seed: the
// log is kept from seed to seed with its counts zeroed (no string built per
// seed), digests go to a vector, orderings to a map keyed by site pointers;
// take() turns them into text once, for the chunk.
//
//   SeedCoverage coverage(/*record_orderings=*/true);
//   SeedRunner runner(coverage.watching(program), options);
//   for (seed ...) coverage.record(seed, [&] { return runner.run(seed); });
//   SweepCoverage chunk = coverage.take();
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "detsim/base/access.hpp"
#include "detsim/base/coverage.hpp"
#include "detsim/core/program.hpp"
#include "detsim/run/sweep_coverage.hpp"
#include "run/fork_pool.hpp"
#include "run/ordering_watcher.hpp"

namespace detsim::detail {

class SeedCoverage {
 public:
  explicit SeedCoverage(bool record_orderings);
  SeedCoverage(const SeedCoverage&) = delete;
  SeedCoverage& operator=(const SeedCoverage&) = delete;

  // `program`, with this recorder's watcher on its loop while it runs (when
  // orderings are recorded). The result refers to this recorder.
  Program watching(Program program);

  // Runs `run` (one seed; it returns something with a `digest`) with this
  // seed's logs open, and folds what it recorded. Returns run's result.
  template <class Run>
  auto record(std::uint64_t seed, Run run) {
    start_seed();
    std::optional<decltype(run())> result;
    {
      const CoverageScope points_scope{points_};
      const AccessScope access_scope{accesses_};
      result.emplace(run());
    }
    finish_seed(seed, result->digest);
    return std::move(*result);
  }

  // The coverage of the seeds recorded so far.
  SweepCoverage take();

 private:
  void start_seed() noexcept;
  void finish_seed(std::uint64_t seed, std::uint64_t digest);

  using SiteKey = std::tuple<const char*, std::uint32_t, const char*, std::uint32_t>;
  bool record_orderings_;
  CoverageLog points_;  // kept across seeds; counts zeroed after each
  AccessLog accesses_;
  OrderingWatcher watcher_;
  std::uint64_t seeds_ = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> schedules_;  // (digest, seed), in seed order
  std::map<SiteKey, std::uint64_t> orderings_;                       // -> first seed
  SweepCoverage coverage_;                                           // its points
};

// A SweepCoverage over the wire, and back (into `coverage`, merged).
void write_coverage(WireWriter& out, const SweepCoverage& coverage);
void read_coverage(WireReader& in, SweepCoverage& coverage);

}  // namespace detsim::detail
