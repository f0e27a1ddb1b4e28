// detsim::asyncio::Lock: a mutual-exclusion lock for tasks, as asyncio.Lock
// (CPython 3.11).
//
//   detsim::asyncio::Lock lock("accounts");
//   detsim::Task<void> transfer(Bank& bank) {
//     auto held = co_await lock.hold();   // or co_await lock.acquire(); ... lock.release();
//     bank.move(10);
//   }
//
// Semantics (asyncio's):
//   - acquire() takes a free lock at once, with no scheduling point, unless
//     tasks are waiting for it (cancelled ones aside): then it queues behind
//     them. So a release does not let a newcomer barge in front of the
//     waiter it woke: the woken waiter owns the next turn, and takes the lock
//     when its step runs.
//   - Waiters are served first come, first served. release() wakes the first
//     waiter (its wake-up is a call_soon, a scheduler decision); it does not
//     suspend. Releasing an unlocked lock is a RuntimeError
//     ("detsim.lock.not_acquired"). Any task may release, as in asyncio: the
//     lock is not owned by a task.
//   - A waiter cancelled before it took the lock leaves the queue; if it had
//     already been woken (the lock is free and was promised to it), it passes
//     the wake-up on to the next waiter, so no waiter is left stuck behind a
//     free lock.
//
// Introspection (for deadlock reports): holders() is the task that acquired
// the lock (empty when unlocked or released from outside any task),
// waiting_tasks() the tasks queued in acquire(), in arrival order.
//
// In the trace (detsim/core/primitive_trace.hpp): acquire, release, a blocked
// acquire's wait, and the wake of the waiter a release hands the lock to,
// caused by that release.
//
// Determinism: no decision is made here; each wake-up goes through the loop,
// so the scheduler orders the woken task among the ready ones.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "detsim/asyncio/detail/waiters.hpp"
#include "detsim/asyncio/held.hpp"
#include "detsim/asyncio/task_info.hpp"
#include "detsim/base/source_location.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/wait_target.hpp"

namespace detsim::asyncio {

class Lock final : public WaitTarget {
 public:
  explicit Lock(std::string name = {}) : name_(std::move(name)) {}
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  // Waits for the lock and takes it; returns true (asyncio's value). `site`
  // names the acquisition in deadlock and lock-order reports.
  Coroutine<bool> acquire(SourceLocation site = SourceLocation::current());
  // acquire(), then a guard that releases in its destructor.
  Coroutine<Held<Lock>> hold(SourceLocation site = SourceLocation::current());
  // Frees the lock and wakes the first waiter; RuntimeError if unlocked.
  void release();
  bool locked() const noexcept { return locked_; }

  const std::string& name() const noexcept { return name_; }
  std::span<const TaskInfo> holders() const noexcept { return holders_; }
  std::vector<TaskInfo> waiting_tasks() const { return waiters_.tasks(); }

  // WaitTarget: what a deadlock report says of a task waiting here.
  std::string describe() const override;
  std::vector<std::uint64_t> holder_ids() const override;
  const PrimitiveTrace* primitive_trace() const override { return &trace_; }

 private:
  void take(SourceLocation site);
  void wake_up_first();

  std::string name_;
  PrimitiveTrace trace_{"Lock", name_};
  bool locked_ = false;
  detail::Waiters waiters_;
  std::vector<TaskInfo> holders_;  // 0 or 1
  detail::LoopBinding binding_;
  std::uint64_t lock_order_id_ = 0;  // in the loop's LockOrderGraph; 0 until first taken in a task
};

}  // namespace detsim::asyncio
