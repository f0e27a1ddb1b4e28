// detsim::asyncio::Semaphore and BoundedSemaphore: a counter of permits
// tasks take and give back, as asyncio's (CPython 3.11).
//
//   detsim::asyncio::BoundedSemaphore slots(2, "connections");
//   detsim::Task<void> client() {
//     auto held = co_await slots.hold();  // at most 2 clients in here
//     co_await talk();
//   }
//
// Semantics (asyncio's): acquire() takes a permit at once, with no
// scheduling point, unless locked(): no permit left, or a task still waiting
// that was not cancelled (so newcomers do not barge past waiters). Else it
// waits, first come, first served. release() adds a permit and wakes the
// first waiter not yet woken, handing the permit to it at once (the value
// drops when it is woken, not when its step runs). A woken waiter that then
// finds permits left wakes the next one. A waiter cancelled after it was
// handed a permit gives it back and wakes the next, so no permit leaks; one
// cancelled before simply leaves the queue.
// A negative initial value is a ValueError ("detsim.semaphore.negative_value").
// BoundedSemaphore's release() beyond the initial value is a ValueError
// ("detsim.semaphore.over_released") and changes nothing.
//
// Introspection: holders() lists a task per permit taken through acquire()
// and not yet given back, in acquisition order; a release() removes the
// releasing task's oldest entry, or the oldest entry if that task holds none
// (a permit released on another task's behalf). waiting_tasks() are the
// tasks in acquire().
//
// In the trace (detsim/core/primitive_trace.hpp): acquire, release, a blocked
// acquire's wait, and the wake of the waiter a release hands a permit to.
//
// Determinism: no decision is made here; each wake-up goes through the loop.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "detsim/asyncio/detail/waiters.hpp"
#include "detsim/asyncio/held.hpp"
#include "detsim/asyncio/task_info.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/wait_target.hpp"

namespace detsim::asyncio {

class Semaphore : public WaitTarget {
 public:
  explicit Semaphore(std::int64_t value = 1, std::string name = {});
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  ~Semaphore() override = default;

  // Waits for a permit and takes it; returns true (asyncio's value).
  Coroutine<bool> acquire();
  // acquire(), then a guard that releases in its destructor.
  Coroutine<Held<Semaphore>> hold();
  // Gives a permit back and wakes the first waiter.
  virtual void release();
  // No permit can be taken at once (asyncio's locked()).
  bool locked() const noexcept;
  // The permits free now.
  std::int64_t value() const noexcept { return value_; }

  const std::string& name() const noexcept { return name_; }
  std::span<const TaskInfo> holders() const noexcept { return holders_; }
  std::vector<TaskInfo> waiting_tasks() const { return waiters_.tasks(); }

  // WaitTarget: "Semaphore 'pool'" and the tasks holding its permits, in
  // deadlock reports.
  std::string describe() const override;
  std::vector<std::uint64_t> holder_ids() const override;
  const PrimitiveTrace* primitive_trace() const override { return &trace_; }

 protected:
  // BoundedSemaphore's: `kind` names it in errors, reports and traces.
  Semaphore(std::int64_t value, std::string name, const char* kind);
  const char* kind_ = "Semaphore";

 private:
  void wake_up_next();
  void forget_one_holder();

  std::string name_;
  PrimitiveTrace trace_{kind_, name_};
  std::int64_t value_;
  detail::Waiters waiters_;
  std::vector<TaskInfo> holders_;
  detail::LoopBinding binding_;
};

class BoundedSemaphore final : public Semaphore {
 public:
  explicit BoundedSemaphore(std::int64_t value = 1, std::string name = {});
  // As Semaphore::release, but a ValueError beyond the initial value.
  void release() override;
  Coroutine<Held<BoundedSemaphore>> hold();

 private:
  std::int64_t bound_;
};

}  // namespace detsim::asyncio
