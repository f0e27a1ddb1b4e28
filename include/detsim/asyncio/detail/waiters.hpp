// Internal: what every primitive of the toolkit keeps of its waiters, and
// its binding to one loop (asyncio's _LoopBoundMixin).
#pragma once

#include <algorithm>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "detsim/asyncio/task_info.hpp"
#include "detsim/core/primitive_trace.hpp"
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
  Waiters() = default;
  Waiters(const Waiters&) = delete;
  Waiters& operator=(const Waiters&) = delete;
  // A primitive may die while tasks still wait on it (it lived in the frame
  // of a root that finished, leaving them blocked): their futures must stop
  // naming it, or the leaked-task and deadlock reports would read it after
  // it was freed. They then show as awaiting their future.
  ~Waiters() {
    for (Waiter& waiter : entries_) {
      if (!waiter.future.done()) waiter.future.set_wait_target(nullptr);
    }
  }
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
  // done, and wakes it (a `wake` event of `trace`); false if none was left.
  bool pop_and_wake_first(const PrimitiveTrace& trace) {
    while (!entries_.empty()) {
      Waiter waiter = std::move(entries_.front());
      entries_.pop_front();
      if (!waiter.future.done()) {
        wake(waiter, trace);
        return true;
      }
    }
    return false;
  }
  // Pops every waiter, waking those not done (Queue::shutdown).
  void pop_and_wake_all(const PrimitiveTrace& trace) {
    while (pop_and_wake_first(trace)) {
    }
  }
  // Wakes `waiter` (not done), and says so in the trace: a `wake` event of
  // `trace` about the waiter's task, whose cause is what woke it (the
  // caller's CausedBy scope).
  static void wake(Waiter& waiter, const PrimitiveTrace& trace) {
    trace.report_wake(waiter.task.task_id, waiter.task.name);
    waiter.future.set_result();
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
