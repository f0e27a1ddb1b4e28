#include "detsim/scheduling/pos.hpp"

#include <algorithm>

#include "detsim/scheduling/actor.hpp"

namespace detsim {

// The accesses declared since the last pick: those of the event run last
// (and of any lone candidates run after it), each credited to its actor.
void PosScheduler::absorb_declared_accesses() {
  last_accesses_.clear();
  const AccessLog* log = open_access_log();
  if (log != log_) {
    log_ = log;
    log_position_ = 0;
  }
  if (log_ == nullptr) return;
  std::map<std::uint64_t, std::vector<Access>> by_actor;
  for (; log_position_ < log_->accesses.size(); ++log_position_) {
    const Access& access = log_->accesses[log_position_];
    by_actor[access.actor].push_back(access);
    if (access.actor == last_actor_) last_accesses_.push_back(access);
  }
  for (auto& [actor, accesses] : by_actor) previous_step_[actor] = std::move(accesses);
}

bool PosScheduler::races_with_last(const Pending& pending) const {
  if (pending.site != 0 && pending.site == last_site_) return true;
  const auto previous = previous_step_.find(pending.key.first);
  if (previous == previous_step_.end()) return false;
  for (const Access& mine : previous->second) {
    for (const Access& theirs : last_accesses_) {
      if (conflict(mine, theirs)) return true;
    }
  }
  return false;
}

std::size_t PosScheduler::pick(ReadyCandidates ready) {
  absorb_declared_accesses();
  std::map<Key, std::uint64_t> still_pending;
  std::size_t best = 0;
  std::uint64_t best_priority = 0;
  std::uint64_t best_site = 0;
  for (std::size_t i = 0; i < ready.size(); ++i) {
    const Candidate candidate = ready.candidate(i);
    Pending pending{.key = Key{actor_of(candidate), candidate.kind},
                    .site = candidate.site.line() == 0 ? 0 : site_hash(candidate.site)};
    const auto known = priorities_.find(pending.key);
    const bool fresh = known == priorities_.end() || still_pending.contains(pending.key) || races_with_last(pending);
    // Priorities start at 1: 0 marks "none yet" in best_priority.
    pending.priority = fresh ? 1 + random_.below(std::uint64_t{1} << 62) : known->second;
    still_pending[pending.key] = pending.priority;
    if (pending.priority > best_priority) {
      best = i;
      best_priority = pending.priority;
      best_site = pending.site;
    }
  }
  // The event run now leaves the pending set: its actor's next step is a new event.
  const Candidate chosen = ready.candidate(best);
  still_pending.erase(Key{actor_of(chosen), chosen.kind});
  priorities_ = std::move(still_pending);
  last_actor_ = actor_of(chosen);
  last_site_ = best_site;
  return best;
}

std::unique_ptr<Scheduler> PosScheduler::clone_fresh() const { return std::make_unique<PosScheduler>(seed_); }

}  // namespace detsim
