// detsim::BoundedScheduler: schedules with a bounded number of preemptions
// or delays, as CHESS (Musuvathi, Qadeer, "Iterative Context Bounding for
// Systematic Testing of Multithreaded Programs", PLDI 2007) and delay
// bounding (Emmi, Qadeer, Rakamaric, POPL 2011) count them.
//
// The default order of a decision ranks its candidates: first the
// candidates of the actor (actor.hpp) that ran at the previous decision,
// if it is still ready (it yielded, or its sleep ended), then the others in
// ready-queue order. Taking rank r costs
//   - BoundKind::preemptions: 1 if r > 0 and the previous actor is ready (it
//     was switched away from while it could go on), else 0;
//   - BoundKind::delays: r (every candidate skipped is one delay).
// A schedule's cost is the sum over its decisions; the bound caps it. The
// previous actor is the one chosen at the previous decision: a lone
// candidate run in between (no decision) does not change it here; explore()
// (run/explore.hpp), which watches every step, uses the task that ran last.
//
// Bug finding: most concurrency bugs need few preemptions (CHESS found
// nearly all with 2); exhausting the schedules within a small bound is what
// explore() does. This scheduler maps a seed to one schedule within the
// bound, so a seed sweep walks them too ("dfs:<bound>", "dfs-delay:<bound>"
// from DETSIM_SCHEDULER): the seed, read as a mixed-radix number, gives the
// rank at each decision, least significant digit first - at a decision with
// m ranks within the remaining budget, rank = seed mod m, and the seed
// becomes seed / m; once it is 0 every decision takes rank 0. Seed 0 is the
// default schedule, small seeds deviate early; every schedule within the
// bound is some seed's, but seeds past the space's size repeat schedules.
// For exhaustive search use explore(), which also reduces.
//
// "dfs-path:<i>-<i>-..." replays a list of ready-queue indices (then 0s):
// how explore() names each run it makes, so its traces rebuild.
//
// Determinism contract: picks are a function of the spec, seed and the
// candidates' actors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "detsim/scheduling/scheduler.hpp"

namespace detsim {

enum class BoundKind : std::uint8_t { preemptions, delays };

// The ranks of a decision: order[r] is the ready-queue index of rank r.
struct BoundOrder {
  std::vector<std::uint32_t> order;
  bool previous_ready = false;  // the previous actor is among the candidates (at rank 0)
};
BoundOrder bound_order(ReadyCandidates ready, std::uint64_t previous_actor);
// What taking rank `rank` costs.
constexpr std::uint32_t bound_cost(BoundKind kind, std::uint32_t rank, bool previous_ready) noexcept {
  if (kind == BoundKind::delays) return rank;
  return rank > 0 && previous_ready ? 1 : 0;
}
// How many ranks cost at most `budget` (ranks are ordered by cost).
std::uint32_t ranks_within(BoundKind kind, const BoundOrder& order, std::uint32_t budget) noexcept;

class BoundedScheduler final : public Scheduler {
 public:
  BoundedScheduler(BoundKind kind, std::uint32_t bound, std::uint64_t seed);

  using Scheduler::pick;
  bool reads_candidates() const noexcept override { return true; }
  std::size_t pick(ReadyCandidates ready) override;
  std::string name() const override;  // "dfs:<bound>" or "dfs-delay:<bound>"
  std::uint64_t seed() const override { return seed_; }
  std::unique_ptr<Scheduler> clone_fresh() const override;
  std::uint32_t spent() const noexcept { return spent_; }

 private:
  BoundKind kind_;
  std::uint32_t bound_;
  std::uint64_t seed_;
  std::uint64_t digits_;  // what is left of the seed
  std::uint32_t spent_ = 0;
  std::uint64_t previous_actor_ = 0;
};

// Replays ready-queue indices, then 0s; name "dfs-path:<i>-<i>-...".
class PathScheduler final : public Scheduler {
 public:
  explicit PathScheduler(std::vector<std::uint32_t> indices, std::uint64_t seed = 0);
  using Scheduler::pick;
  std::size_t pick(ReadyCandidates ready) override;
  std::string name() const override;
  std::uint64_t seed() const override { return seed_; }
  std::unique_ptr<Scheduler> clone_fresh() const override;

 private:
  std::vector<std::uint32_t> indices_;  // without trailing zeros
  std::uint64_t seed_;
  std::size_t position_ = 0;
};

}  // namespace detsim
