#include "detsim/asyncio/semaphore.hpp"

#include <algorithm>
#include <string>

#include "detsim/base/errors.hpp"

namespace detsim::asyncio {

Semaphore::Semaphore(std::int64_t value, std::string name) : Semaphore(value, std::move(name), "Semaphore") {}

Semaphore::Semaphore(std::int64_t value, std::string name, const char* kind)
    : kind_(kind), name_(std::move(name)), value_(value) {
  if (value < 0) {
    throw ValueError("detsim.semaphore.negative_value",
                     detail::describe(kind_, name_) + ": initial value must be >= 0, not " + std::to_string(value));
  }
}

bool Semaphore::locked() const noexcept {
  if (value_ == 0) return true;
  return std::any_of(waiters_.entries().begin(), waiters_.entries().end(),
                     [](const detail::Waiter& waiter) { return !waiter.future.cancelled(); });
}

Coroutine<bool> Semaphore::acquire() {
  if (!locked()) {
    --value_;
    holders_.push_back(current_task_info());
    trace_.report(EventKind::acquire);
    co_return true;
  }
  Future<void> waiter = waiters_.add(binding_.loop(kind_, name_));
  waiter.set_wait_target(this);  // named, with its holders, in deadlock reports
  try {
    co_await waiter;
  } catch (...) {
    waiters_.remove(waiter);
    // Handed a permit (woken), then cancelled before our step: give it back
    // and let the next waiter have it.
    if (!waiter.cancelled()) {
      ++value_;
      wake_up_next();
    }
    throw;
  }
  waiters_.remove(waiter);
  holders_.push_back(current_task_info());
  trace_.report(EventKind::acquire);
  // Permits left over (several releases before our step): pass one on.
  if (value_ > 0) wake_up_next();
  co_return true;
}

Coroutine<Held<Semaphore>> Semaphore::hold() {
  co_await acquire();
  co_return Held<Semaphore>(*this);
}

void Semaphore::release() {
  ++value_;
  forget_one_holder();
  const CausedBy cause(trace_.report(EventKind::release));
  wake_up_next();
}

void Semaphore::wake_up_next() {
  for (detail::Waiter& waiter : waiters_.entries()) {
    if (!waiter.future.done()) {
      --value_;
      detail::Waiters::wake(waiter, trace_);
      return;
    }
  }
}

void Semaphore::forget_one_holder() {
  if (holders_.empty()) return;
  const TaskInfo releasing = current_task_info();
  auto own = std::find_if(holders_.begin(), holders_.end(),
                          [&](const TaskInfo& holder) { return holder.task_id == releasing.task_id; });
  holders_.erase(own != holders_.end() ? own : holders_.begin());
}

BoundedSemaphore::BoundedSemaphore(std::int64_t value, std::string name)
    : Semaphore(value, std::move(name), "BoundedSemaphore"), bound_(value) {}

void BoundedSemaphore::release() {
  if (value() >= bound_) {
    throw ValueError("detsim.semaphore.over_released",
                     detail::describe(kind_, name()) + " released too many times");
  }
  Semaphore::release();
}

Coroutine<Held<BoundedSemaphore>> BoundedSemaphore::hold() {
  co_await acquire();
  co_return Held<BoundedSemaphore>(*this);
}

std::string Semaphore::describe() const { return detail::describe(kind_, name_); }

std::vector<std::uint64_t> Semaphore::holder_ids() const {
  std::vector<std::uint64_t> ids;
  for (const TaskInfo& holder : holders_) {
    if (holder.task_id != 0) ids.push_back(holder.task_id);
  }
  return ids;
}

}  // namespace detsim::asyncio
