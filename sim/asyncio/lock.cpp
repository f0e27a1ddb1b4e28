#include "detsim/asyncio/lock.hpp"

#include <algorithm>
#include <exception>

#include "detsim/base/errors.hpp"

namespace detsim::asyncio {

Coroutine<bool> Lock::acquire() {
  // Free, and nobody (but cancelled waiters) queued: take it without a
  // scheduling point. A waiter woken but not yet resumed still counts as
  // queued: that is the anti-barging rule.
  const bool only_cancelled_waiters = std::all_of(
      waiters_.entries().begin(), waiters_.entries().end(),
      [](const detail::Waiter& waiter) { return waiter.future.cancelled(); });
  if (!locked_ && only_cancelled_waiters) {
    take();
    co_return true;
  }
  Future<void> waiter = waiters_.add(binding_.loop("Lock", name_));
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
  take();
  co_return true;
}

Coroutine<Held<Lock>> Lock::hold() {
  co_await acquire();
  co_return Held<Lock>(*this);
}

void Lock::release() {
  if (!locked_) {
    throw RuntimeError("detsim.lock.not_acquired", detail::describe("Lock", name_) + " is not acquired");
  }
  locked_ = false;
  holders_.clear();
  wake_up_first();
}

void Lock::take() {
  locked_ = true;
  holders_.clear();
  TaskInfo holder = current_task_info();
  if (holder.task_id != 0) holders_.push_back(std::move(holder));
}

void Lock::wake_up_first() {
  if (waiters_.empty()) return;
  Future<void>& first = waiters_.entries().front().future;
  if (!first.done()) first.set_result();
}

}  // namespace detsim::asyncio
