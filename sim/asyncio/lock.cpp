#include "detsim/asyncio/lock.hpp"

#include <algorithm>
#include <exception>

#include "detsim/asyncio/lock_order.hpp"
#include "detsim/base/errors.hpp"
#include "core/loop_core.hpp"
#include "detsim/core/event_loop.hpp"

namespace detsim::asyncio {

Coroutine<bool> Lock::acquire(SourceLocation site) {
  // Free, and nobody (but cancelled waiters) queued: take it without a
  // scheduling point. A waiter woken but not yet resumed still counts as
  // queued: that is the anti-barging rule.
  const bool only_cancelled_waiters = std::all_of(
      waiters_.entries().begin(), waiters_.entries().end(),
      [](const detail::Waiter& waiter) { return waiter.future.cancelled(); });
  if (!locked_ && only_cancelled_waiters) {
    take(site);
    co_return true;
  }
  Future<void> waiter = waiters_.add(binding_.loop("Lock", name_));
  // Named for deadlock reports; a wait that closes a cycle of tasks holding
  // what the others wait for ends the run now, not when the loop runs dry.
  waiter.set_wait_target(this, site);
  check_wait_cycle(*this, site);
  try {
    co_await waiter;
  } catch (...) {
    waiters_.remove(waiter);
    // Woken (the lock is free and was ours), then cancelled before our step:
    // the next waiter gets the turn instead.
    if (!locked_) wake_up_first();
    throw;
  }
  waiters_.remove(waiter);
  take(site);
  co_return true;
}

Coroutine<Held<Lock>> Lock::hold(SourceLocation site) {
  co_await acquire(site);
  co_return Held<Lock>(*this);
}

void Lock::release() {
  if (!locked_) {
    throw RuntimeError("detsim.lock.not_acquired", detail::describe("Lock", name_) + " is not acquired");
  }
  locked_ = false;
  holders_.clear();
  // The wake-up of the next waiter is caused by this release.
  const CausedBy cause(trace_.report(EventKind::release));
  // With no loop running (a guard destroyed as its loop closes) the graph
  // is not told: the loop that kept it is going away.
  EventLoop* running = ::detsim::detail::running_loop_slot();
  if (lock_order_id_ != 0 && running != nullptr) LockOrderGraph::of(*running).released(lock_order_id_);
  wake_up_first();
}

void Lock::take(SourceLocation site) {
  locked_ = true;
  holders_.clear();
  trace_.report(EventKind::acquire, {}, site);
  TaskInfo holder = current_task_info();
  if (holder.task_id == 0) return;
  holders_.push_back(std::move(holder));
  // Lock-order inversions are found from runs that did not deadlock.
  LockOrderGraph& order = LockOrderGraph::of(get_running_loop());
  if (lock_order_id_ == 0) lock_order_id_ = order.new_lock_id();
  order.acquired(lock_order_id_, describe(), site);
}

std::string Lock::describe() const { return detail::describe("Lock", name_); }

std::vector<std::uint64_t> Lock::holder_ids() const {
  std::vector<std::uint64_t> ids;
  for (const TaskInfo& holder : holders_) ids.push_back(holder.task_id);
  return ids;
}

void Lock::wake_up_first() {
  if (waiters_.empty()) return;
  detail::Waiter& first = waiters_.entries().front();
  if (!first.future.done()) detail::Waiters::wake(first, trace_);
}

}  // namespace detsim::asyncio
