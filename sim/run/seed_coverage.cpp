#include "run/seed_coverage.hpp"

#include <algorithm>
#include <string>

#include "detsim/base/errors.hpp"
#include "detsim/core/event_loop.hpp"

namespace detsim::detail {

SeedCoverage::SeedCoverage(bool record_orderings)
    : record_orderings_(record_orderings), accesses_{.accesses = {}, .actor = &task_access_actor}, watcher_(accesses_) {
  coverage_.set_orderings_recorded(record_orderings);
}

Program SeedCoverage::watching(Program program) {
  if (!record_orderings_) return program;
  return [this, program = std::move(program)](EventLoop& loop) {
    // Off the loop when the program is done, thrown or not (run_program
    // closes the loop after; closing runs no step).
    struct Watch {
      EventLoop& loop;
      OrderingWatcher& watcher;
      Watch(EventLoop& l, OrderingWatcher& w) : loop(l), watcher(w) { loop.add_observer(watcher); }
      ~Watch() { loop.remove_observer(watcher); }
      Watch(const Watch&) = delete;
      Watch& operator=(const Watch&) = delete;
    } watch{loop, watcher_};
    program(loop);
  };
}

void SeedCoverage::start_seed() noexcept {
  accesses_.accesses.clear();
  watcher_.clear();
}

void SeedCoverage::finish_seed(std::uint64_t seed, std::uint64_t digest) {
  ++seeds_;
  schedules_.emplace_back(digest, seed);
  for (auto& [name, point] : points_) {
    if (point.evaluations == 0) continue;  // a point of an earlier seed only
    coverage_.add_point_of_run(seed, name, point);
    point.evaluations = 0;
    point.held = 0;
  }
  if (!record_orderings_) return;
  // Seeds come in increasing order: an ordering's first seed is where it is
  // first inserted.
  watcher_.for_each_ordering([&](StepSite earlier, StepSite later) {
    orderings_.try_emplace(SiteKey{earlier.file, earlier.line, later.file, later.line}, seed);
  });
}

SweepCoverage SeedCoverage::take() {
  SweepCoverage coverage = std::move(coverage_);
  coverage.add_seeds(seeds_);
  std::sort(schedules_.begin(), schedules_.end());
  for (const auto& [digest, seed] : schedules_) coverage.add_schedule(digest, seed);
  auto site = [](const char* file, std::uint32_t line) { return std::string(file) + ":" + std::to_string(line); };
  // Two keys may name one site text (a header's file name in two
  // translation units): add_ordering keeps the smaller first seed.
  for (const auto& [key, seed] : orderings_) {
    const auto& [file_a, line_a, file_b, line_b] = key;
    coverage.add_ordering({site(file_a, line_a), site(file_b, line_b)}, seed);
  }
  coverage_ = SweepCoverage{};
  coverage_.set_orderings_recorded(record_orderings_);
  seeds_ = 0;
  schedules_.clear();
  orderings_.clear();
  return coverage;
}

void write_coverage(WireWriter& out, const SweepCoverage& coverage) {
  out.number(coverage.seeds()).number(coverage.orderings_recorded() ? 1 : 0);
  out.number(coverage.schedules().size());
  for (const auto& [digest, first_seed] : coverage.schedules()) out.number(digest).number(first_seed);
  out.number(coverage.orderings().size());
  for (const auto& [ordering, first_seed] : coverage.orderings()) {
    out.text(ordering.first).text(ordering.second).number(first_seed);
  }
  out.number(coverage.points().size());
  for (const auto& [name, point] : coverage.points()) {
    out.text(name).number(static_cast<std::uint64_t>(point.kind)).text(point.site).number(point.first_seed);
    out.number(point.seeds_evaluated).number(point.seeds_held);
    out.number(point.first_held_seed ? 1 : 0).number(point.first_held_seed.value_or(0));
    out.number(point.evaluations).number(point.held);
  }
}

void read_coverage(WireReader& in, SweepCoverage& coverage) {
  // Straight into `coverage` (the add_ functions keep the first seeds, as
  // merge does), but for the seeds and the orderings flag, merged as a part.
  SweepCoverage counts;
  counts.add_seeds(in.number());
  counts.set_orderings_recorded(in.number() == 1);
  coverage.merge(counts);
  for (std::uint64_t n = in.number(); n > 0; --n) {
    const std::uint64_t digest = in.number();
    coverage.add_schedule(digest, in.number());
  }
  for (std::uint64_t n = in.number(); n > 0; --n) {
    SitePair ordering{in.text(), in.text()};
    coverage.add_ordering(ordering, in.number());
  }
  for (std::uint64_t n = in.number(); n > 0; --n) {
    const std::string name = in.text();
    SweepCoveragePoint point;
    const std::uint64_t kind = in.number();
    if (kind > static_cast<std::uint64_t>(CoverageKind::reachable)) {
      throw Error("detsim.sweep.wire", "a worker's coverage names no such point kind");
    }
    point.kind = static_cast<CoverageKind>(kind);
    point.site = in.text();
    point.first_seed = in.number();
    point.seeds_evaluated = in.number();
    point.seeds_held = in.number();
    const bool held = in.number() == 1;
    const std::uint64_t first_held = in.number();
    if (held) point.first_held_seed = first_held;
    point.evaluations = in.number();
    point.held = in.number();
    coverage.add_point(name, point);
  }
}

}  // namespace detsim::detail
