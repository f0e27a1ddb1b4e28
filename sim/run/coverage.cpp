#include "detsim/run/coverage.hpp"

#include <algorithm>

namespace detsim {

void CoverageReport::add(std::uint64_t digest, const RunCoverage& coverage) {
  ++runs_;
  if (digests_.insert(digest).second) last_new_schedule_ = runs_;
  for (const SitePair& pair : coverage.orderings) {
    if (orderings_.insert(pair).second) last_new_ordering_ = runs_;
  }
  for (const auto& [name, point] : coverage.points) {
    auto [known, added] = points_.try_emplace(name, point);
    if (added) {
      if (point.held > 0) last_new_point_ = runs_;
      continue;
    }
    CoveragePoint& total = known->second;
    if (total.file.empty()) {  // expected, now seen
      total.file = point.file;
      total.line = point.line;
    }
    if (total.held == 0 && point.held > 0) last_new_point_ = runs_;
    total.evaluations += point.evaluations;
    total.held += point.held;
  }
}

void CoverageReport::expect(std::string name, CoverageKind kind) {
  points_.try_emplace(std::move(name), CoveragePoint{.kind = kind});
}

std::vector<std::string> CoverageReport::unreached() const {
  std::vector<std::string> names;
  for (const auto& [name, point] : points_) {
    if (point.held == 0) names.push_back(name);  // a std::map: sorted
  }
  return names;
}

bool CoverageReport::plateaued(std::uint64_t window) const noexcept {
  const std::uint64_t last = std::max({last_new_schedule_, last_new_ordering_, last_new_point_});
  return runs_ >= window && runs_ - last >= window;
}

std::string CoverageReport::describe() const {
  std::string text = "coverage: " + std::to_string(runs_) + " runs, " + std::to_string(distinct_schedules()) +
                     " distinct schedules, " + std::to_string(distinct_orderings()) +
                     " orderings of conflicting steps\n";
  auto at = [](std::uint64_t run) { return run == 0 ? std::string("never") : "run " + std::to_string(run); };
  text += "  last new schedule at " + at(last_new_schedule_) + ", last new ordering at " + at(last_new_ordering_) +
          ", last new point at " + at(last_new_point_) + "\n";
  for (const auto& [name, point] : points_) {
    if (point.held > 0) continue;
    const char* macro = point.kind == CoverageKind::sometimes ? "DETSIM_SOMETIMES" : "DETSIM_REACHABLE";
    const std::string where =
        point.file.empty() ? std::string("never evaluated") : point.file + ":" + std::to_string(point.line);
    text += "  never held: " + std::string(macro) + " \"" + name + "\" (" + where + ", evaluated " +
            std::to_string(point.evaluations) + " times)\n";
  }
  return text;
}

}  // namespace detsim
