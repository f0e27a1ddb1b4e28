// detsim::WaitTarget: what a blocked task waits on, named, so that a deadlock
// report can say "Lock 'accounts', held by 'transfer-2' (task 2)" instead of
// "awaits future 7".
//
// A synchronization primitive (a Lock, a Semaphore, a Queue, an Event) hands
// each waiter a Future to await. Before awaiting it, the primitive attaches
// itself to that future with Future::set_wait_target(this). From then on:
//   - DeadlockError (nothing ready, no timer pending) lists every blocked
//     task with what it waits on, by describe(), and with the holder_ids()
//     named; and, if the waits form a cycle, the cycle;
//   - check_wait_cycle(target) (called by the primitive as a task starts
//     waiting) halts the run with a DeadlockError the moment a wait closes a
//     cycle, even while other tasks (a heartbeat, a timer) keep the loop busy
//     and the plain deadlock check would never fire.
//
// The wait-for graph: a task that awaits another task waits for that task; a
// task that awaits a future with a wait target waits for the target's
// holders (none for an Event or an empty Queue: no one can be blamed).
//
// Invariants: a target outlives every pending future it is attached to (a
// primitive owns its waiters' futures, so it does); holder_ids() names tasks by
// task id, and only tasks still alive on the loop are followed.
//
// Determinism contract: reports walk tasks in task-id order and holders in
// ascending id order; no address, no unordered container takes part. The
// same program and seed give the same report, byte for byte.
//
// Cost: attaching a target allocates the future's rarely-used part (plain
// futures never pay); check_wait_cycle walks the holders' own waits, so it
// costs the length of the chain of waits it follows times the live tasks.
//
// Example (a lock, in its acquire):
//   class Lock final : public detsim::WaitTarget {
//     std::string describe() const override { return "Lock '" + name_ + "'"; }
//     std::vector<std::uint64_t> holder_ids() const override { return {owner_}; }
//     ...
//     auto waiter = loop.create_future<void>();
//     waiter.set_wait_target(this);
//     detsim::check_wait_cycle(*this, site);   // halts the run if this wait closes a cycle
//     co_await waiter;
//   };
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "detsim/base/source_location.hpp"
#include "detsim/core/primitive_trace.hpp"

namespace detsim {

class WaitTarget {
 public:
  virtual ~WaitTarget() = default;
  // What the target is, for a person: "Lock 'accounts'", "Queue 'jobs'
  // (empty)", "Event 'ready'".
  virtual std::string describe() const = 0;
  // The ids (Task::task_id, detail::current_task()->task_id()) of the tasks
  // that hold the target and whose release would let a waiter on; empty if
  // no task holds it (an Event, an empty Queue). Any order: reports sort it.
  virtual std::vector<std::uint64_t> holder_ids() const { return {}; }
  // How the target shows in traces (detsim/core/primitive_trace.hpp), or
  // null: a wait on a target that has one is a `wait` event, and a task left
  // blocked on it names it in its `task_leaked` event.
  virtual const PrimitiveTrace* primitive_trace() const { return nullptr; }

 protected:
  WaitTarget() = default;
  WaitTarget(const WaitTarget&) = default;
  WaitTarget& operator=(const WaitTarget&) = default;
};

// Called by a primitive when the running task is about to wait on `target`
// (after attaching it to the task's waiter future, before the co_await):
// follows the wait-for graph from target.holder_ids(); if it leads back to the
// running task, the wait closes a cycle that nothing can break, and the
// running loop is halted (EventLoop::halt) with a DeadlockError
// ("detsim.loop.wait_cycle") naming each task of the cycle, what it holds,
// what it waits on and where (the sites of the waits; `site` for this one).
// The run ends after the running step, at the virtual time the cycle closed.
// Returns true if it found a cycle (halting only if the loop's
// wait_cycle_halts(), the default). Outside a task: does nothing, false.
bool check_wait_cycle(const WaitTarget& target, SourceLocation site = SourceLocation::current());

}  // namespace detsim
