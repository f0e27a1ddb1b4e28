// detsim::asyncio::LockOrderGraph: potential deadlocks found in runs that did
// not deadlock, as ThreadSanitizer's lock-order checker finds them.
//
// Each loop keeps a graph of lock orders. When a task acquires lock B while
// holding lock A, the graph gets the edge A -> B, with where A and B were
// acquired. If B already reaches A (B -> ... -> A, recorded earlier, maybe
// by other tasks at other times), the two orders are inverted: some schedule
// lets one task hold A and wait for B while another holds B and waits for A.
// That is reported even if this run's tasks never overlapped, so one seed
// finds what a deadlock-hunting sweep might need thousands for.
//
// The locks of the asyncio toolkit call acquired() once a task holds one and
// released() when it lets go; a user's own lock may do the same.
//
// How a report surfaces: by default the graph halts the run
// (EventLoop::halt) with a PotentialDeadlockError, id
// "detsim.potential_deadlock", naming both pairs of sites: a failure in the
// test integration. set_halts(false), or DETSIM_LOCK_ORDER=off in the
// environment (read when a loop's graph is created), only records the
// inversions (inversions()). Each pair of locks is reported once per loop.
//
// Invariants: held locks are tracked per task id (0 outside any task); a lock
// is released by whichever task holds it (asyncio lets any task release a
// Lock); acquiring a lock the task already holds adds no edge.
//
// Determinism contract: lock ids come from the graph's counter
// (new_lock_id), tasks are keyed by task id, edges are searched in id order
// (ordered maps, breadth first, so the path reported is the shortest and the
// first by ids); no address and no unordered container takes part. The same
// program and seed give the same reports.
//
// Example (a lock's acquire and release):
//   auto& graph = detsim::asyncio::LockOrderGraph::of(detsim::get_running_loop());
//   if (id_ == 0) id_ = graph.new_lock_id();      // once, when the lock first meets the loop
//   ... once the running task holds the lock:
//   graph.acquired(id_, "Lock 'accounts'", site);  // may halt the run: an inversion
//   ... on release:
//   graph.released(id_);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detsim/base/source_location.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/loop_extension.hpp"

namespace detsim::asyncio {

// One lock acquired while another was held: the order held -> acquired.
struct LockOrderEdge {
  std::uint64_t held_lock = 0;
  std::string held_name;
  SourceLocation held_site{};      // where the held lock was acquired
  std::uint64_t acquired_lock = 0;
  std::string acquired_name;
  SourceLocation acquired_site{};  // where the second lock was acquired
  std::uint64_t task_id = 0;
  std::string task_name;           // "" outside any task
};

// An edge that closes a cycle of lock orders, and the earlier path it
// inverts (one edge for two locks: A -> B earlier, now B -> A).
struct LockOrderInversion {
  LockOrderEdge closing;
  std::vector<LockOrderEdge> established;
  // "'t2' (task 2) acquired Lock 'a' at f.cpp:40 while holding Lock 'b'
  //  (acquired at f.cpp:39), but 't1' (task 1) acquired Lock 'b' at
  //  f.cpp:31 while holding Lock 'a' (acquired at f.cpp:30): ..."
  std::string describe() const;
};

class LockOrderGraph final : public LoopExtension {
 public:
  // The graph of `loop`, created on first use (halting unless
  // DETSIM_LOCK_ORDER=off); destroyed with the loop.
  static LockOrderGraph& of(EventLoop& loop);
  explicit LockOrderGraph(EventLoop& loop);

  // A new lock id (1, 2, ...): a lock takes one when it first meets the loop.
  std::uint64_t new_lock_id() noexcept { return ++lock_counter_; }

  // The running task now holds lock `lock_id` (named `name` in reports, e.g.
  // "Lock 'accounts'"), acquired at `site`. Records an edge from each lock
  // the task already holds; an edge that closes a cycle is an inversion:
  // recorded, and the run halted if halts(). Returns true if it found one.
  bool acquired(std::uint64_t lock_id, std::string_view name, SourceLocation site = SourceLocation::current());
  // The holder of `lock_id` let it go (no-op if no task holds it).
  void released(std::uint64_t lock_id) noexcept;

  bool halts() const noexcept { return halts_; }
  void set_halts(bool halts) noexcept { halts_ = halts; }
  // Every inversion found on this loop, in the order found.
  const std::vector<LockOrderInversion>& inversions() const noexcept { return inversions_; }
  std::size_t edge_count() const noexcept { return edges_.size(); }

 private:
  struct Held {
    std::uint64_t lock_id = 0;
    std::string name;
    SourceLocation site{};
  };
  // The shortest path of edges from `from` to `to` (first by lock ids), or
  // empty if there is none.
  std::vector<LockOrderEdge> path(std::uint64_t from, std::uint64_t to) const;

  EventLoop& loop_;
  bool halts_;
  std::uint64_t lock_counter_ = 0;
  std::map<std::uint64_t, std::vector<Held>> held_by_task_;  // task id -> locks, in acquisition order
  std::map<std::pair<std::uint64_t, std::uint64_t>, LockOrderEdge> edges_;  // (held, acquired)
  std::vector<LockOrderInversion> inversions_;
};

}  // namespace detsim::asyncio
