// detsim::PctScheduler: probabilistic concurrency testing (Burckhardt,
// Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with
// Probabilistic Guarantees of Finding Bugs", ASPLOS 2010).
//
// Uniform random choice rarely keeps one task off the processor for long:
// the chance falls geometrically with the stretch. PCT instead runs by
// priority: each actor (a task, or the callbacks of one site: actor.hpp)
// gets a random priority the first time it is a candidate, and every pick
// takes the ready candidate of the highest priority. So one task runs as
// long as it can, and the others wait however long that is. At d-1 change
// points, drawn uniformly from the decisions 1..k, the actor about to be
// picked drops to a priority below every initial one (a later change point
// drops lower than an earlier one), and another task takes over at exactly
// that point.
//
// The guarantee, for a detsim program: let n be the number of actors that
// are ever candidates of a decision, and k an upper bound on the run's
// decisions (picks among two or more ready callbacks; a lone candidate is
// no decision). A bug of depth d - one that shows whenever d given ordering
// constraints between steps hold (an ordering bug is depth 1 or 2: "B's step
// runs before A's", "A's two steps straddle B's") - shows in one run of
// PctScheduler(d, k, seed) with probability at least 1 / (n * k^(d-1)),
// over the seeds. The bound holds when k is at least the run's decision
// count (a change point past the end never fires) and a step is the unit of
// atomicity, as in detsim: a task runs unpreempted from one await to the
// next. Where k is unknown, estimate it from one run (its trace's decision
// count) and round up.
//
// Starvation guard: priority scheduling starves a task that spins (yields
// in a loop until a lower-priority task acts; PCT assumes no spinning). After
// `starvation_limit` consecutive decisions won by one actor while others
// waited, that actor drops below every priority (a change point that no
// bound counts). A program that never spins never meets it.
//
// Spec: "pct:<d>" or "pct:<d>,k=<k>" (d in [1, 64], k in [1, 2^32],
// default k = 100); name() answers "pct:<d>,k=<k>".
//
// Determinism contract: priorities and change points are drawn from
// Random{seed} in a fixed order (change points first, then one priority per
// actor at its first appearance), so the picks are a function of the seed,
// d, k and the candidates seen.
//
// Example:
//   detsim::EventLoop loop{std::make_unique<detsim::PctScheduler>(3, 200, seed)};
//   // or from anywhere a spec goes: DETSIM_SCHEDULER=pct:3,k=200
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "detsim/base/random.hpp"
#include "detsim/scheduling/scheduler.hpp"

namespace detsim {

class PctScheduler final : public Scheduler {
 public:
  static constexpr std::uint64_t default_steps = 100;
  static constexpr std::uint64_t starvation_limit = 1024;

  PctScheduler(std::uint32_t depth, std::uint64_t steps, std::uint64_t seed);

  using Scheduler::pick;
  bool reads_candidates() const noexcept override { return true; }
  std::size_t pick(ReadyCandidates ready) override;
  std::string name() const override;
  std::uint64_t seed() const override { return seed_; }
  std::unique_ptr<Scheduler> clone_fresh() const override;

  std::uint32_t depth() const noexcept { return depth_; }
  std::uint64_t steps() const noexcept { return steps_; }
  // The decisions (1-based) at which a priority drops, ascending.
  const std::vector<std::uint64_t>& change_points() const noexcept { return change_points_; }
  // The current priority of an actor (actor.hpp), 0 if it has not been seen.
  std::uint64_t priority(std::uint64_t actor) const noexcept;

 private:
  std::size_t highest(ReadyCandidates ready, const std::vector<std::uint64_t>& actors) const;

  std::uint32_t depth_;
  std::uint64_t steps_;
  std::uint64_t seed_;
  Random random_;
  std::vector<std::uint64_t> change_points_;
  std::size_t next_change_ = 0;
  std::uint64_t decisions_ = 0;
  std::map<std::uint64_t, std::uint64_t> priorities_;  // actor -> priority
  std::uint64_t last_actor_ = 0;
  std::uint64_t streak_ = 0;  // consecutive decisions won by last_actor_
  std::vector<std::uint64_t> actors_;  // scratch: the actors of this pick's candidates
};

}  // namespace detsim
