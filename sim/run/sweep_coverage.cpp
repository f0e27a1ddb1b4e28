#include "detsim/run/sweep_coverage.hpp"

#include <algorithm>

namespace detsim {

namespace {

// Keeps the smaller first seed of an element seen in two places.
template <class Map, class Key>
void keep_first(Map& map, const Key& key, std::uint64_t first_seed) {
  auto [found, added] = map.try_emplace(key, first_seed);
  if (!added) found->second = std::min(found->second, first_seed);
}

template <class Map>
std::optional<std::uint64_t> largest_first_seed(const Map& map) {
  std::optional<std::uint64_t> last;
  for (const auto& [key, first_seed] : map) last = std::max(last.value_or(first_seed), first_seed);
  return last;
}

std::optional<std::uint64_t> earliest(std::optional<std::uint64_t> a, std::optional<std::uint64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

const char* coverage_macro_name(CoverageKind kind) noexcept {
  return kind == CoverageKind::sometimes ? "DETSIM_SOMETIMES" : "DETSIM_REACHABLE";
}

void SweepCoverage::add_run(std::uint64_t seed, std::uint64_t digest, const RunCoverage& run) {
  ++seeds_;
  add_schedule(digest, seed);
  for (const SitePair& ordering : run.orderings) add_ordering(ordering, seed);
  for (const auto& [name, point] : run.points) add_point_of_run(seed, name, point);
}

void SweepCoverage::add_schedule(std::uint64_t digest, std::uint64_t first_seed) {
  keep_first(schedules_, digest, first_seed);
}

void SweepCoverage::add_ordering(const SitePair& ordering, std::uint64_t first_seed) {
  keep_first(orderings_, ordering, first_seed);
}

void SweepCoverage::add_point(std::string_view name, const SweepCoveragePoint& point) {
  auto found = points_.find(name);
  if (found == points_.end()) {
    points_.emplace(std::string(name), point);
    return;
  }
  SweepCoveragePoint& total = found->second;
  // A name asserted at several sites is one point: its site and kind are
  // those of the first seed that evaluated it, whichever part came first.
  if (point.first_seed < total.first_seed) {
    total.kind = point.kind;
    total.site = point.site;
    total.first_seed = point.first_seed;
  }
  total.seeds_evaluated += point.seeds_evaluated;
  total.seeds_held += point.seeds_held;
  total.first_held_seed = earliest(total.first_held_seed, point.first_held_seed);
  total.evaluations += point.evaluations;
  total.held += point.held;
}

void SweepCoverage::add_point_of_run(std::uint64_t seed, std::string_view name, const CoveragePoint& run_point) {
  const bool held = run_point.held > 0;
  if (auto found = points_.find(name); found != points_.end() && found->second.first_seed <= seed) {
    // The common case in a sweep (seeds in increasing order): no site text.
    SweepCoveragePoint& total = found->second;
    ++total.seeds_evaluated;
    total.evaluations += run_point.evaluations;
    total.held += run_point.held;
    if (held) {
      ++total.seeds_held;
      total.first_held_seed = earliest(total.first_held_seed, seed);
    }
    return;
  }
  add_point(name, SweepCoveragePoint{.kind = run_point.kind,
                                     .site = run_point.file + ":" + std::to_string(run_point.line),
                                     .first_seed = seed,
                                     .seeds_evaluated = 1,
                                     .seeds_held = held ? 1u : 0u,
                                     .first_held_seed = held ? std::optional(seed) : std::nullopt,
                                     .evaluations = run_point.evaluations,
                                     .held = run_point.held});
}

void SweepCoverage::merge(const SweepCoverage& other) {
  if (seeds_ == 0) {
    orderings_recorded_ = other.orderings_recorded_;
  } else if (other.seeds_ > 0) {
    orderings_recorded_ = orderings_recorded_ && other.orderings_recorded_;
  }
  seeds_ += other.seeds_;
  for (const auto& [digest, first_seed] : other.schedules_) add_schedule(digest, first_seed);
  for (const auto& [ordering, first_seed] : other.orderings_) add_ordering(ordering, first_seed);
  for (const auto& [name, point] : other.points_) add_point(name, point);
}

std::vector<std::string> SweepCoverage::unreached() const {
  std::vector<std::string> names;
  for (const auto& [name, point] : points_) {
    if (point.seeds_held == 0) names.push_back(name);  // a std::map: by name
  }
  return names;
}

std::optional<std::uint64_t> SweepCoverage::last_new_schedule() const { return largest_first_seed(schedules_); }

std::optional<std::uint64_t> SweepCoverage::last_new_ordering() const { return largest_first_seed(orderings_); }

std::optional<std::uint64_t> SweepCoverage::last_new_point() const {
  std::optional<std::uint64_t> last;
  for (const auto& [name, point] : points_) {
    if (point.first_held_seed) last = std::max(last.value_or(*point.first_held_seed), *point.first_held_seed);
  }
  return last;
}

}  // namespace detsim
