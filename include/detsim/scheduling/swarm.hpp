// detsim::SwarmScheduler ("swarm"): the default that needs no choice.
//
// No one strategy finds every bug first: Random is good at bugs with many
// short windows, PCT at bugs that need a task kept off for long, POS at
// bugs hidden among many orders of independent steps. Swarm testing (Groce,
// Zhang, Eide, Chen, Regehr, "Swarm Testing", ISSTA 2012) runs each seed
// under its own draw of strategy and parameters, so a sweep of seeds tries
// them all. Per seed, from Random{derive_seed(seed, swarm stream)}:
//   - 7 in 16: "random";
//   - 2 in 16: "pos";
//   - 3 in 16: "pct:2,k=<k>", 4 in 16: "pct:3,k=<k>", k drawn log-uniformly
//     from 4, 8, ..., 128 (PCT's k should be about a run's decision count,
//     which a scheduler cannot know before the run: the spread covers
//     programs from a few decisions to a few hundred).
// No "pct:1": a fixed priority order finds only bugs that one order of
// whole tasks shows, which Random finds as often. The weights are those
// that met both targets of tools/bench/results/exploration.md (every bug
// found, a median within 2x of the best single strategy's) on its 24
// programs - tuned on them, so read them as a starting point, not a law.
// The chosen scheduler is seeded with the run's seed itself.
//
// The default scheduler of run_simulation, the sweeps, DETSIM_TEST and the
// CLI (default_scheduler_spec, registry.hpp).
//
// Spec: "swarm". Its name() is the spec it drew ("pct:2,k=64"), so a
// trace header, a schedule string, a regression entry and a rerun command
// say which strategy ran and rebuild it: make_scheduler(name(), seed())
// makes the scheduler swarm delegates to, which runs the same as swarm
// itself under that seed (swarm adds no decisions of its own). "swarm"
// with the same seed rebuilds it too. swarm_spec(seed) answers the same
// without making a scheduler.
//
// Determinism contract: the choice is a function of the seed alone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "detsim/scheduling/scheduler.hpp"

namespace detsim {

// The spec swarm picks for `seed`.
std::string swarm_spec(std::uint64_t seed);

// Runs make_scheduler(swarm_spec(seed), seed), and names itself by it.
class SwarmScheduler final : public Scheduler {
 public:
  explicit SwarmScheduler(std::uint64_t seed);
  using Scheduler::pick;
  std::size_t pick(ReadyCandidates ready) override { return inner_->pick(ready); }
  bool reads_candidates() const noexcept override { return inner_->reads_candidates(); }
  std::size_t peek(std::size_t ready_count, std::size_t ahead) const noexcept override {
    return inner_->peek(ready_count, ahead);
  }
  std::string name() const override { return inner_->name(); }
  std::uint64_t seed() const override { return seed_; }
  std::unique_ptr<Scheduler> clone_fresh() const override { return std::make_unique<SwarmScheduler>(seed_); }
  // The spec drawn for this seed (the same as name()).
  std::string strategy() const { return inner_->name(); }

 private:
  std::uint64_t seed_;
  std::unique_ptr<Scheduler> inner_;
};

}  // namespace detsim
