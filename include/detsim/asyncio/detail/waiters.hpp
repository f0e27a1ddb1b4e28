// Internal: what every primitive of the toolkit keeps of its waiters, and
// its binding to one loop (asyncio's _LoopBoundMixin).
#pragma once

#include <algorithm>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "detsim/asyncio/task_info.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/future.hpp"

namespace detsim::asyncio::detail {

// One waiter: the future its task awaits (asyncio keeps the future alone) and
// the task, for introspection.
struct Waiter {
  Future<void> future;
  TaskInfo task;
};

// asyncio's deque of waiter futures, in arrival order: wake-ups go to the
// front first, which is the fairness asyncio promises.
class Waiters {
 public:
  // A new pending future for the running task, appended last.
  Future<void> add(EventLoop& loop) {
    Future<void> future = loop.create_future<void>();
    entries_.push_back(Waiter{future, current_task_info()});
    return future;
  }
  // Removes `future` if it is still listed (asyncio's deque.remove, which a
  // waiter does for itself once it resumes); false if it was not.
  bool remove(const Future<void>& future) noexcept {
    auto found = std::find_if(entries_.begin(), entries_.end(),
                              [&](const Waiter& waiter) { return waiter.future == future; });
    if (found == entries_.end()) return false;
    entries_.erase(found);
    return true;
  }
  // Queue's _wakeup_next: pops waiters from the front until one that is not
  // done, and wakes it; false if none was left.
  bool pop_and_wake_first() {
    while (!entries_.empty()) {
      Future<void> future = std::move(entries_.front().future);
      entries_.pop_front();
      if (!future.done()) {
        future.set_result();
        return true;
      }
    }
    return false;
  }
  // Pops every waiter, waking those not done (Queue::shutdown).
  void pop_and_wake_all() {
    while (pop_and_wake_first()) {
    }
  }

  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  std::deque<Waiter>& entries() noexcept { return entries_; }
  const std::deque<Waiter>& entries() const noexcept { return entries_; }
  std::vector<TaskInfo> tasks() const {
    std::vector<TaskInfo> tasks;
    tasks.reserve(entries_.size());
    for (const Waiter& waiter : entries_) tasks.push_back(waiter.task);
    return tasks;
  }

 private:
  std::deque<Waiter> entries_;
};

// asyncio's _LoopBoundMixin: a primitive belongs to the first loop that
// waits on it; waiting from another loop is a RuntimeError
// ("detsim.asyncio.wrong_loop"), as in asyncio.
class LoopBinding {
 public:
  EventLoop& loop(std::string_view kind, std::string_view name);

 private:
  EventLoop* loop_ = nullptr;
};

// "Lock 'db'" or "Lock" for an unnamed one: how errors name a primitive.
std::string describe(std::string_view kind, std::string_view name);

}  // namespace detsim::asyncio::detail
