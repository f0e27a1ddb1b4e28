// detsim::asyncio::Barrier: a meeting point for a fixed number of tasks, as
// asyncio.Barrier (CPython 3.11).
//
//   detsim::asyncio::Barrier start(3, "round");
//   detsim::Task<void> runner() {
//     std::size_t index = co_await start.wait();  // 0, 1, 2 in arrival order
//     ...                                         // all 3 go on together
//   }
//
// Semantics (asyncio's, built like asyncio's on a Condition, so the
// scheduling points are the same):
//   - wait() blocks until `parties` tasks are waiting, then releases all of
//     them (one generation) and returns each its arrival index 0..parties-1;
//     the last to arrive goes on without waiting. While a generation leaves
//     (draining), newcomers wait for the next one, so parties are released
//     in whole generations.
//   - abort() breaks the barrier: waiting tasks and every later wait() throw
//     BrokenBarrierError ("detsim.barrier.broken") until reset().
//   - reset() returns it to empty: tasks waiting throw BrokenBarrierError,
//     and the barrier fills again once they have left.
//   - parties < 1 is a ValueError ("detsim.barrier.parties").
// abort() and reset() are coroutines because they take the condition's lock,
// as in asyncio.
//
// Introspection: n_waiting() (0 unless filling), broken(), parties();
// waiting_tasks() lists the tasks waiting on the condition and its lock.
//
// Determinism: no decision is made here; each wake-up goes through the loop.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "detsim/asyncio/condition.hpp"
#include "detsim/asyncio/task_info.hpp"
#include "detsim/core/coroutine.hpp"

namespace detsim::asyncio {

class Barrier {
 public:
  explicit Barrier(std::size_t parties, std::string name = {});
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // Waits for the generation to fill; returns this task's arrival index.
  Coroutine<std::size_t> wait();
  // Empties the barrier; tasks waiting get BrokenBarrierError.
  Coroutine<void> reset();
  // Breaks the barrier until reset().
  Coroutine<void> abort();

  std::size_t parties() const noexcept { return parties_; }
  std::size_t n_waiting() const noexcept { return state_ == State::filling ? count_ : 0; }
  bool broken() const noexcept { return state_ == State::broken; }

  const std::string& name() const noexcept { return name_; }
  std::vector<TaskInfo> waiting_tasks() const;

 private:
  enum class State { filling, draining, resetting, broken };
  Coroutine<void> block();
  Coroutine<void> wait_for_generation();
  void leave();
  [[noreturn]] void throw_broken(const char* why) const;

  std::string name_;
  Condition condition_;
  std::size_t parties_;
  State state_ = State::filling;
  std::size_t count_ = 0;  // tasks inside wait()
};

}  // namespace detsim::asyncio
