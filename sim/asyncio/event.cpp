#include "detsim/asyncio/event.hpp"

namespace detsim::asyncio {

void Event::set() {
  if (value_) return;
  value_ = true;
  // Every waiter's wake-up is caused by this set.
  const CausedBy cause(trace_.report(EventKind::notify, "set"));
  for (detail::Waiter& waiter : waiters_.entries()) {
    if (!waiter.future.done()) detail::Waiters::wake(waiter, trace_);
  }
}

Coroutine<bool> Event::wait() {
  if (value_) co_return true;
  Future<void> waiter = waiters_.add(binding_.loop("Event", name_));
  waiter.set_wait_target(this);  // named in deadlock reports
  try {
    co_await waiter;
  } catch (...) {
    waiters_.remove(waiter);
    throw;
  }
  waiters_.remove(waiter);
  co_return true;
}

}  // namespace detsim::asyncio
