// detsim::asyncio::Condition: a condition variable for tasks, as
// asyncio.Condition (CPython 3.11), over a Lock it owns or is given.
//
//   detsim::asyncio::Condition changed("inventory");
//   detsim::Task<void> consumer(Stock& stock) {
//     auto held = co_await changed.hold();
//     co_await changed.wait_for([&] { return stock.count > 0; });
//     --stock.count;
//   }
//   detsim::Task<void> producer(Stock& stock) {
//     auto held = co_await changed.hold();
//     ++stock.count;
//     changed.notify();
//   }
//
// Semantics (asyncio's):
//   - acquire(), release(), locked() and hold() are the lock's.
//   - wait() needs the lock (else RuntimeError "detsim.condition.not_acquired"):
//     it releases it, waits for a notify, then takes the lock again before it
//     returns, even when cancelled: a cancellation while re-acquiring is kept
//     until the lock is held, then thrown (as a plain CancelledError). So the
//     lock is held whenever wait() returns or throws.
//   - wait_for(predicate) calls predicate() (lock held) and waits until it is
//     true; returns its last value.
//   - notify(n) (lock held, else RuntimeError) wakes the first n waiters not
//     already woken, in arrival order; notify_all() all of them. A woken
//     waiter still queues for the lock behind tasks already waiting on it.
//
// Introspection: waiting_tasks() are the tasks in wait() that have not yet
// resumed; lock() is the Lock (its holders and waiters).
//
// In the trace and in deadlock and leak reports, a task in wait() waits on
// "Condition 'name'" (a WaitTarget with no holder: any task may notify);
// notify()/notify_all() are notify events, and each waiter's wake is caused
// by one.
//
// Determinism: no decision is made here; each wake-up goes through the loop.
#pragma once

#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "detsim/asyncio/detail/waiters.hpp"
#include "detsim/asyncio/held.hpp"
#include "detsim/asyncio/lock.hpp"
#include "detsim/asyncio/task_info.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/wait_target.hpp"

namespace detsim::asyncio {

class Condition final : public WaitTarget {
 public:
  // Over a Lock of its own.
  explicit Condition(std::string name = {}) : own_lock_(name), lock_(&own_lock_), name_(std::move(name)) {}
  // Over `lock`, which must outlive the condition (several conditions may
  // share one lock).
  explicit Condition(Lock& lock, std::string name = {}) : lock_(&lock), name_(std::move(name)) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  Coroutine<bool> acquire() { return lock_->acquire(); }
  Coroutine<Held<Lock>> hold() { return lock_->hold(); }
  void release() { lock_->release(); }
  bool locked() const noexcept { return lock_->locked(); }

  // Releases the lock, waits for a notify, takes the lock again; true.
  Coroutine<bool> wait();
  // Waits until predicate() is true; returns its value.
  template <class Predicate>
  auto wait_for(Predicate predicate) -> Coroutine<std::decay_t<std::invoke_result_t<Predicate&>>>;
  // Wakes up to n waiters.
  void notify(std::size_t n = 1) { wake_up(n, "notify"); }
  void notify_all() { wake_up(waiters_.size(), "notify_all"); }

  const std::string& name() const noexcept { return name_; }
  Lock& lock() noexcept { return *lock_; }
  const Lock& lock() const noexcept { return *lock_; }
  std::vector<TaskInfo> waiting_tasks() const { return waiters_.tasks(); }

  // WaitTarget: a task in wait() waits on "Condition 'x'" (in deadlock and
  // leak reports). No task holds it: any task may notify.
  std::string describe() const override { return detail::describe("Condition", name_); }
  const PrimitiveTrace* primitive_trace() const override { return &trace_; }

 private:
  // notify(n), saying `what` in the trace.
  void wake_up(std::size_t n, std::string_view what);

  Lock own_lock_;
  Lock* lock_;
  std::string name_;
  PrimitiveTrace trace_{"Condition", name_};
  detail::Waiters waiters_;
  detail::LoopBinding binding_;
};

template <class Predicate>
auto Condition::wait_for(Predicate predicate) -> Coroutine<std::decay_t<std::invoke_result_t<Predicate&>>> {
  auto result = predicate();
  while (!result) {
    co_await wait();
    result = predicate();
  }
  co_return result;
}

}  // namespace detsim::asyncio
