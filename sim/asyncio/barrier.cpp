#include "detsim/asyncio/barrier.hpp"

#include <exception>
#include <string>

#include "detsim/base/errors.hpp"

namespace detsim::asyncio {

Barrier::Barrier(std::size_t parties, std::string name)
    : name_(std::move(name)), condition_(name_), parties_(parties) {
  if (parties < 1) {
    throw ValueError("detsim.barrier.parties", detail::describe("Barrier", name_) + ": parties must be > 0");
  }
}

Coroutine<std::size_t> Barrier::wait() {
  co_await condition_.acquire();  // asyncio's `async with self._cond:`
  std::exception_ptr failure;
  std::size_t index = 0;
  try {
    co_await block();
    index = count_++;
    try {
      if (index + 1 == parties_) {
        state_ = State::draining;  // the generation is complete: release it
        condition_.notify_all();
      } else {
        co_await wait_for_generation();
      }
    } catch (...) {
      --count_;
      leave();
      throw;
    }
    --count_;
    leave();
  } catch (...) {
    failure = std::current_exception();
  }
  condition_.release();
  if (failure) std::rethrow_exception(failure);
  co_return index;
}

Coroutine<void> Barrier::block() {
  // Wait while the previous generation drains or a reset completes.
  co_await condition_.wait_for([this] { return state_ != State::draining && state_ != State::resetting; });
  if (state_ == State::broken) throw_broken("Barrier aborted");
}

Coroutine<void> Barrier::wait_for_generation() {
  co_await condition_.wait_for([this] { return state_ != State::filling; });
  if (state_ == State::broken || state_ == State::resetting) throw_broken("Abort or reset of barrier");
}

void Barrier::leave() {
  // The last task out of a drained or reset generation reopens the barrier.
  if (count_ == 0) {
    if (state_ == State::resetting || state_ == State::draining) state_ = State::filling;
    condition_.notify_all();
  }
}

Coroutine<void> Barrier::reset() {
  co_await condition_.acquire();
  if (count_ > 0) {
    state_ = State::resetting;
  } else {
    state_ = State::filling;
  }
  condition_.notify_all();
  condition_.release();
}

Coroutine<void> Barrier::abort() {
  co_await condition_.acquire();
  state_ = State::broken;
  condition_.notify_all();
  condition_.release();
}

std::vector<TaskInfo> Barrier::waiting_tasks() const {
  std::vector<TaskInfo> tasks = condition_.waiting_tasks();
  for (TaskInfo& task : condition_.lock().waiting_tasks()) tasks.push_back(std::move(task));
  return tasks;
}

void Barrier::throw_broken(const char* why) const {
  throw BrokenBarrierError("detsim.barrier.broken", detail::describe("Barrier", name_) + ": " + why);
}

}  // namespace detsim::asyncio
