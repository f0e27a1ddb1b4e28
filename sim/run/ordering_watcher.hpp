// OrderingWatcher: the orderings of conflicting steps a run made, for its
// coverage (run/coverage.hpp says what an ordering is). Shared by
// run_simulation and the seed sweep's workers. Private to sim/run.
//
// It watches the loop's step events (as a LoopObserver) and reads the run's
// AccessLog, which must be open (AccessScope) with task_access_actor as its
// actor while the run goes. After the run, for_each_ordering() walks the
// site pairs (with repeats); a site's file is the `const char*` of its
// std::source_location, so a caller may dedupe by pointer cheaply but must
// order by text.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "detsim/base/access.hpp"
#include "detsim/base/detail/assert.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/run/coverage.hpp"

namespace detsim::detail {

// The running task's id, as an AccessLog's actor (0 outside a task).
std::uint64_t task_access_actor() noexcept;

struct StepSite {
  const char* file = nullptr;
  std::uint32_t line = 0;
};

class OrderingWatcher final : public LoopObserver {
 public:
  explicit OrderingWatcher(const AccessLog& accesses) : accesses_(accesses) {}
  // Told of steps only (event_kinds()): the loop skips it for every other event.
  std::uint32_t event_kinds() const noexcept override { return event_kind_bit(EventKind::step); }
  void on_event(const Event& event) override {
    DETSIM_ASSERT(event.kind == EventKind::step);
    if (steps_.empty()) steps_.reserve(64);
    steps_.push_back(Step{event.task, {event.site.file_name(), event.site.line()}, accesses_.accesses.size()});
  }
  // Forgets the steps seen, keeping their storage (a worker's next seed).
  void clear() noexcept { steps_.clear(); }

  // Calls add(earlier, later) for each ordering of the run, in step order:
  // with declared accesses, each access that conflicts with the latest
  // earlier one by another task; without, consecutive steps of two tasks.
  template <class Add>
  void for_each_ordering(Add add) const;
  // The run's orderings as text, "file:line" pairs.
  std::set<SitePair> orderings() const;

 private:
  struct Step {
    std::uint64_t task;
    StepSite site;
    std::size_t first_access;  // index in the access log of its first declaration
  };
  const AccessLog& accesses_;
  std::vector<Step> steps_;
};

template <class Add>
void OrderingWatcher::for_each_ordering(Add add) const {
  const std::vector<Access>& accesses = accesses_.accesses;
  if (accesses.empty()) {
    for (std::size_t i = 1; i < steps_.size(); ++i) {
      if (steps_[i].task != steps_[i - 1].task) add(steps_[i - 1].site, steps_[i].site);
    }
    return;
  }
  if (steps_.empty()) return;
  // The step of each access: the last step that began at or before it.
  std::vector<std::size_t> step_of(accesses.size(), 0);
  for (std::size_t a = 0, step = 0; a < accesses.size(); ++a) {
    while (step + 1 < steps_.size() && steps_[step + 1].first_access <= a) ++step;
    step_of[a] = step;
  }
  for (std::size_t a = 0; a < accesses.size(); ++a) {
    for (std::size_t b = a; b-- > 0;) {
      if (accesses[b].actor != accesses[a].actor && conflict(accesses[b], accesses[a])) {
        add(steps_[step_of[b]].site, steps_[step_of[a]].site);
        break;
      }
    }
  }
}

}  // namespace detsim::detail
