#include "detsim/asyncio/condition.hpp"

#include <exception>

#include "detsim/base/errors.hpp"

namespace detsim::asyncio {

Coroutine<bool> Condition::wait() {
  if (!locked()) {
    throw RuntimeError("detsim.condition.not_acquired",
                       "cannot wait on un-acquired lock of " + detail::describe("Condition", name_));
  }
  release();
  std::exception_ptr failure;
  Future<void> waiter = waiters_.add(binding_.loop("Condition", name_));
  waiter.set_wait_target(this);  // "Condition 'x'" in deadlock and leak reports
  try {
    co_await waiter;
  } catch (...) {
    failure = std::current_exception();
  }
  waiters_.remove(waiter);
  // Whatever happened, the caller gets the lock back before we return or
  // throw; cancellations while re-acquiring are held back until then.
  bool cancelled = false;
  for (;;) {
    try {
      co_await acquire();
      break;
    } catch (const CancelledError&) {
      cancelled = true;
    }
  }
  if (cancelled) throw CancelledError();
  if (failure) std::rethrow_exception(failure);
  co_return true;
}

void Condition::wake_up(std::size_t n, std::string_view what) {
  if (!locked()) {
    throw RuntimeError("detsim.condition.not_acquired",
                       "cannot notify on un-acquired lock of " + detail::describe("Condition", name_));
  }
  // The waiters' wake-ups are caused by this notify.
  const CausedBy cause(trace_.report(EventKind::notify, what));
  std::size_t woken = 0;
  for (detail::Waiter& waiter : waiters_.entries()) {
    if (woken >= n) break;
    if (!waiter.future.done()) {
      ++woken;
      detail::Waiters::wake(waiter, trace_);
    }
  }
}

}  // namespace detsim::asyncio
