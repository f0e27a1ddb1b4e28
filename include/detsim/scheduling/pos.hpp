// detsim::PosScheduler: partial order sampling (Yuan, Yang, Gu, "Partial
// Order Aware Concurrency Sampling", CAV 2018).
//
// Random choice samples interleavings; many interleavings are one partial
// order (they differ only in the order of independent steps), so partial
// orders with many interleavings are over-sampled. POS gives every pending
// event (a ready step or callback) a random priority when it becomes ready,
// always runs the pending event of the highest priority, and, after running
// event e, draws fresh priorities for the pending events that race with e.
// An event that races with nothing keeps its priority, so the order of
// independent events stops mattering to the draw.
//
// What "races with" means here, as far as detsim can see (an event is a
// ready candidate: its actor, kind and site, actor.hpp), pending event p
// races with the event e just run when either
//   - they resume from the same site (both at one yield, one acquire, one
//     queue get: the same point in the code, likely the same state next), or
//   - the accesses e declared while it ran (detsim/base/access.hpp, read
//     from the open AccessLog) conflict with those that p's actor declared in
//     its previous step (a task tends to touch next what it touched last).
// Without declarations only the first applies. Both are heuristics (POS's
// sampling stays valid with any race relation; a better one samples partial
// orders more uniformly), not soundness conditions.
//
// Spec: "pos" (no parameters).
//
// Determinism contract: one priority is drawn from Random{seed} per new
// pending event and per re-drawn one, in ready-queue order, so picks are a
// function of the seed, the candidates seen and the declared accesses.
//
// Example:
//   detsim::EventLoop loop{std::make_unique<detsim::PosScheduler>(seed)};
//   // or DETSIM_SCHEDULER=pos
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "detsim/base/access.hpp"
#include "detsim/base/random.hpp"
#include "detsim/scheduling/scheduler.hpp"

namespace detsim {

class PosScheduler final : public Scheduler {
 public:
  explicit PosScheduler(std::uint64_t seed) : seed_(seed), random_(seed) {}

  using Scheduler::pick;
  bool reads_candidates() const noexcept override { return true; }
  std::size_t pick(ReadyCandidates ready) override;
  std::string name() const override { return "pos"; }
  std::uint64_t seed() const override { return seed_; }
  std::unique_ptr<Scheduler> clone_fresh() const override;

 private:
  // A pending event's identity: one per actor and kind (a task has one ready step).
  using Key = std::pair<std::uint64_t, CandidateKind>;
  struct Pending {
    Key key;
    std::uint64_t site = 0;  // site_hash, 0 when the site is unknown
    std::uint64_t priority = 0;
  };
  void absorb_declared_accesses();
  bool races_with_last(const Pending& pending) const;

  std::uint64_t seed_;
  Random random_;
  std::map<Key, std::uint64_t> priorities_;  // pending event -> priority
  std::uint64_t last_actor_ = 0;
  std::uint64_t last_site_ = 0;
  std::vector<Access> last_accesses_;                         // those of the event run last
  std::map<std::uint64_t, std::vector<Access>> previous_step_;  // actor -> its last step's accesses
  const AccessLog* log_ = nullptr;
  std::size_t log_position_ = 0;
};

}  // namespace detsim
