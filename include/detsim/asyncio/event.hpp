// detsim::asyncio::Event: a flag tasks can wait for, as asyncio.Event
// (CPython 3.11). Not detsim::Event, the observer's trace event.
//
//   detsim::asyncio::Event ready("config loaded");
//   detsim::Task<void> worker() { co_await ready.wait(); ... }
//   ... ready.set();     // wakes every waiter, in the order they came
//
// Semantics (asyncio's): the flag starts false. wait() returns true at once,
// with no scheduling point, if the flag is set; else it waits until set().
// set() wakes every waiter (each a call_soon, in arrival order) and later
// wait()s do not block until clear(). A waiter woken by set() returns true
// even if clear() ran before its step. A cancelled waiter leaves the list.
//
// Introspection: waiting_tasks() are the tasks in wait() (a woken waiter
// stays listed until its step runs).
//
// In the trace (detsim/core/primitive_trace.hpp): a wait's wait, set() as a
// notify "set", and each waiter's wake, caused by the set.
//
// Determinism: no decision is made here; the scheduler orders the woken
// tasks.
#pragma once

#include <string>
#include <vector>

#include "detsim/asyncio/detail/waiters.hpp"
#include "detsim/asyncio/task_info.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/wait_target.hpp"

namespace detsim::asyncio {

class Event final : public WaitTarget {
 public:
  explicit Event(std::string name = {}) : name_(std::move(name)) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  bool is_set() const noexcept { return value_; }
  // Sets the flag and wakes every waiter; nothing if already set.
  void set();
  // Resets the flag: later wait()s block until the next set().
  void clear() noexcept { value_ = false; }
  // Waits until the flag is set; returns true (asyncio's value).
  Coroutine<bool> wait();

  const std::string& name() const noexcept { return name_; }
  std::vector<TaskInfo> waiting_tasks() const { return waiters_.tasks(); }
  // WaitTarget: "Event 'ready'" in deadlock reports.
  std::string describe() const override { return detail::describe("Event", name_); }
  const PrimitiveTrace* primitive_trace() const override { return &trace_; }

 private:
  std::string name_;
  PrimitiveTrace trace_{"Event", name_};
  bool value_ = false;
  detail::Waiters waiters_;
  detail::LoopBinding binding_;
};

}  // namespace detsim::asyncio
