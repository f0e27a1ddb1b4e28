#include "detsim/scheduling/pct.hpp"

#include <algorithm>

#include "detsim/base/detail/assert.hpp"
#include "detsim/scheduling/actor.hpp"

namespace detsim {

namespace {
// Initial priorities live above every priority a change point gives (those
// are < depth <= 64), starved actors below them all (0 is "unseen").
constexpr std::uint64_t initial_floor = std::uint64_t{1} << 32;
constexpr std::uint64_t starved = 1;
}  // namespace

PctScheduler::PctScheduler(std::uint32_t depth, std::uint64_t steps, std::uint64_t seed)
    : depth_(depth), steps_(steps), seed_(seed), random_(seed) {
  DETSIM_ASSERT(depth >= 1 && depth <= 64);
  DETSIM_ASSERT(steps >= 1);
  for (std::uint32_t i = 1; i < depth_; ++i) change_points_.push_back(random_.in_range(1, steps_));
  std::sort(change_points_.begin(), change_points_.end());
}

std::uint64_t PctScheduler::priority(std::uint64_t actor) const noexcept {
  const auto found = priorities_.find(actor);
  return found == priorities_.end() ? 0 : found->second;
}

std::size_t PctScheduler::highest(ReadyCandidates ready, const std::vector<std::uint64_t>& actors) const {
  std::size_t best = 0;
  for (std::size_t i = 1; i < ready.size(); ++i) {
    // Equal priorities only between candidates of one actor: the oldest first.
    if (priorities_.at(actors[i]) > priorities_.at(actors[best])) best = i;
  }
  return best;
}

std::size_t PctScheduler::pick(ReadyCandidates ready) {
  ++decisions_;
  actors_.clear();
  for (std::size_t i = 0; i < ready.size(); ++i) {
    const std::uint64_t actor = actor_of(ready.candidate(i));
    actors_.push_back(actor);
    // Distinct with overwhelming probability; a tie would only favour the lower index.
    if (!priorities_.contains(actor)) priorities_.emplace(actor, initial_floor + random_.below(std::uint64_t{1} << 62));
  }
  std::size_t best = highest(ready, actors_);
  while (next_change_ < change_points_.size() && change_points_[next_change_] == decisions_) {
    // The (i+1)-th change point in order gives priority depth - i (d..2):
    // the later, the lower, all below the initial ones and above `starved`.
    priorities_[actors_[best]] = depth_ - next_change_;
    ++next_change_;
    best = highest(ready, actors_);
  }
  streak_ = actors_[best] == last_actor_ ? streak_ + 1 : 1;
  last_actor_ = actors_[best];
  if (streak_ > starvation_limit) {
    priorities_[actors_[best]] = starved;
    streak_ = 0;
    best = highest(ready, actors_);
  }
  return best;
}

std::string PctScheduler::name() const { return "pct:" + std::to_string(depth_) + ",k=" + std::to_string(steps_); }

std::unique_ptr<Scheduler> PctScheduler::clone_fresh() const {
  return std::make_unique<PctScheduler>(depth_, steps_, seed_);
}

}  // namespace detsim
