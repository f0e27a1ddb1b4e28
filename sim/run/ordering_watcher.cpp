#include "run/ordering_watcher.hpp"

#include <string>
#include <tuple>

#include "detsim/core/detail/task_core.hpp"

namespace detsim::detail {

std::uint64_t task_access_actor() noexcept {
  const TaskCore* task = current_task();
  return task ? task->task_id() : 0;
}

std::set<SitePair> OrderingWatcher::orderings() const {
  // Distinct site pairs first, keyed by the sites' (file, line) - the
  // pointer order of that key only dedupes; the result is ordered by the
  // sites' text - so each pair's text is built once.
  using Key = std::tuple<const char*, std::uint32_t, const char*, std::uint32_t>;
  std::set<Key> keys;
  for_each_ordering([&](StepSite earlier, StepSite later) { keys.emplace(earlier.file, earlier.line, later.file, later.line); });
  std::set<SitePair> pairs;
  auto site = [](const char* file, std::uint32_t line) { return std::string(file) + ":" + std::to_string(line); };
  for (const auto& [file_a, line_a, file_b, line_b] : keys) pairs.emplace(site(file_a, line_a), site(file_b, line_b));
  return pairs;
}

}  // namespace detsim::detail
