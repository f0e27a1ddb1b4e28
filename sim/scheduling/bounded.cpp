#include "detsim/scheduling/bounded.hpp"

#include "detsim/base/errors.hpp"
#include "detsim/base/detail/assert.hpp"
#include "detsim/scheduling/actor.hpp"

namespace detsim {

BoundOrder bound_order(ReadyCandidates ready, std::uint64_t previous_actor) {
  BoundOrder result;
  result.order.reserve(ready.size());
  for (std::size_t i = 0; i < ready.size(); ++i) {
    if (previous_actor != 0 && actor_of(ready.candidate(i)) == previous_actor) {
      result.order.push_back(static_cast<std::uint32_t>(i));
      result.previous_ready = true;
      break;  // one candidate of the actor leads; its others follow in queue order
    }
  }
  for (std::size_t i = 0; i < ready.size(); ++i) {
    if (!result.previous_ready || i != result.order.front()) result.order.push_back(static_cast<std::uint32_t>(i));
  }
  DETSIM_ASSERT_EQ(result.order.size(), ready.size());
  return result;
}

std::uint32_t ranks_within(BoundKind kind, const BoundOrder& order, std::uint32_t budget) noexcept {
  std::uint32_t ranks = 0;
  while (ranks < order.order.size() && bound_cost(kind, ranks, order.previous_ready) <= budget) ++ranks;
  return ranks;
}

BoundedScheduler::BoundedScheduler(BoundKind kind, std::uint32_t bound, std::uint64_t seed)
    : kind_(kind), bound_(bound), seed_(seed), digits_(seed) {}

std::size_t BoundedScheduler::pick(ReadyCandidates ready) {
  const BoundOrder order = bound_order(ready, previous_actor_);
  const std::uint32_t ranks = ranks_within(kind_, order, bound_ - spent_);
  DETSIM_ASSERT(ranks >= 1);  // rank 0 is always free
  const auto rank = static_cast<std::uint32_t>(digits_ % ranks);
  digits_ /= ranks;
  spent_ += bound_cost(kind_, rank, order.previous_ready);
  const std::uint32_t index = order.order[rank];
  previous_actor_ = actor_of(ready.candidate(index));
  return index;
}

std::string BoundedScheduler::name() const {
  return std::string(kind_ == BoundKind::preemptions ? "dfs:" : "dfs-delay:") + std::to_string(bound_);
}

std::unique_ptr<Scheduler> BoundedScheduler::clone_fresh() const {
  return std::make_unique<BoundedScheduler>(kind_, bound_, seed_);
}

PathScheduler::PathScheduler(std::vector<std::uint32_t> indices, std::uint64_t seed)
    : indices_(std::move(indices)), seed_(seed) {
  while (!indices_.empty() && indices_.back() == 0) indices_.pop_back();
}

std::size_t PathScheduler::pick(ReadyCandidates ready) {
  const std::uint32_t index = position_ < indices_.size() ? indices_[position_] : 0;
  ++position_;
  // A path replayed against another program: a clear error, not a wrong pick.
  if (index >= ready.size()) {
    throw Error("detsim.scheduler.path", "dfs-path: decision " + std::to_string(position_) + " takes index " +
                                             std::to_string(index) + " but only " + std::to_string(ready.size()) +
                                             " callbacks are ready");
  }
  return index;
}

std::string PathScheduler::name() const {
  std::string text = "dfs-path:";
  if (indices_.empty()) return text + "0";
  for (std::size_t i = 0; i < indices_.size(); ++i) {
    if (i > 0) text += '-';
    text += std::to_string(indices_[i]);
  }
  return text;
}

std::unique_ptr<Scheduler> PathScheduler::clone_fresh() const { return std::make_unique<PathScheduler>(indices_, seed_); }

}  // namespace detsim
