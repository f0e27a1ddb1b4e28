// detsim::Coroutine<T>: a helper coroutine that runs inline in the task that
// awaits it, as a plain coroutine does in asyncio.
//
//   detsim::Coroutine<int> read_balance(Account& account) {
//     co_await account.lock.acquire();    // waits, as the calling task
//     co_return account.balance;
//   }
//   detsim::Task<void> transfer(Account& a) { int b = co_await read_balance(a); ... }
//
// A coroutine awaited by a Task becomes a Task of its own (detsim's rule,
// one more scheduled step); a Coroutine does not. Awaiting it starts its body
// at once, in the awaiting task's step, and the awaiting code goes on as soon
// as it returns: no scheduling point of its own, no task id, no events in the
// trace. So splitting a task's code into helper Coroutines changes neither
// its interleavings nor a seed's run.
//
// Inside a Coroutine, co_await accepts what a Task body accepts (a Future, a
// Task, another Coroutine, sleep, yield, a LoopAwaitable); what it awaits,
// the task waits on. Cancelling the task reaches the innermost await, and the
// CancelledError propagates out through the Coroutines like any exception.
//
// Invariants: a Coroutine runs only when awaited, once, from inside a detsim
// Task (else RuntimeError "... outside a detsim::Task"). It is move-only and
// owns its frame: destroying an unawaited or finished one frees it, and a
// task's frame destroyed mid-await (loop teardown) destroys the Coroutines
// it awaits, innermost first.
//
// Cost: an await of a Coroutine that completes without suspending is a
// nested call (no trip through the loop): see detsim-bench's
// detsim/coroutine benchmarks. Such awaits never pile up on the stack: a loop
// of a million of them runs in constant stack.
//
// Determinism: nothing here is scheduled or numbered; a Coroutine is part of
// its task's step.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "detsim/base/detail/assert.hpp"
#include "detsim/core/task.hpp"

namespace detsim {

namespace detail {

class CoroutinePromiseBase : public AwaitRules {
 public:
  static void* operator new(std::size_t size) { return allocate_pooled(size); }
  static void operator delete(void* frame, std::size_t size) noexcept { deallocate_pooled(frame, size); }

  std::suspend_always initial_suspend() const noexcept { return {}; }

  // At the end, hand the task back to the awaiter. If the body ran to its
  // end inside the awaiter's await_suspend (it never suspended), the awaiter
  // is still on the stack below: it goes on by await_suspend returning
  // false, so this returns to it instead of resuming it. That is what keeps
  // a loop of synchronous awaits in constant stack even where g++ does not
  // turn symmetric transfer into a tail call.
  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> frame) const noexcept {
      CoroutinePromiseBase& promise = frame.promise();
      promise.task_->set_resume_frame(promise.continuation_);
      if (promise.starting_) {
        promise.finished_while_starting_ = true;
        return std::noop_coroutine();
      }
      return promise.continuation_;
    }
    void await_resume() const noexcept {}
  };
  FinalAwaiter final_suspend() const noexcept { return {}; }

  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

  // The awaiter's side: runs the body from the awaiting coroutine's
  // await_suspend; true if the body suspended (the awaiter then waits for
  // the body to end and resume it), false if it already ended.
  bool start(std::coroutine_handle<> body, std::coroutine_handle<> awaiting) {
    task_ = &require_current_task("co_await a detsim::Coroutine", awaiting);
    continuation_ = awaiting;
    task_->set_resume_frame(body);
    starting_ = true;
    body.resume();
    starting_ = false;
    return !finished_while_starting_;
  }
  void rethrow_if_failed() const {
    if (exception_) std::rethrow_exception(exception_);
  }

 private:
  TaskCore* task_ = nullptr;
  std::coroutine_handle<> continuation_;
  std::exception_ptr exception_;
  bool starting_ = false;
  bool finished_while_starting_ = false;
};

template <class T>
class CoroutinePromise final : public CoroutinePromiseBase {
 public:
  Coroutine<T> get_return_object() noexcept;
  template <class U = T>
    requires std::is_constructible_v<T, U&&>
  void return_value(U&& value) {
    value_.emplace(std::forward<U>(value));
  }
  T take_value() {
    rethrow_if_failed();
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class CoroutinePromise<void> final : public CoroutinePromiseBase {
 public:
  Coroutine<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take_value() const { rethrow_if_failed(); }
};

}  // namespace detail

template <class T = void>
class [[nodiscard]] Coroutine {
 public:
  using promise_type = detail::CoroutinePromise<T>;
  using value_type = T;

  Coroutine(Coroutine&& other) noexcept
      : frame_(std::exchange(other.frame_, {})), awaited_(std::exchange(other.awaited_, false)) {}
  Coroutine& operator=(Coroutine other) noexcept {
    std::swap(frame_, other.frame_);
    std::swap(awaited_, other.awaited_);
    return *this;
  }
  ~Coroutine() {
    if (frame_) frame_.destroy();
  }

  // Internal: what a Task (or Coroutine) body's co_await uses.
  class Awaiter {
   public:
    explicit Awaiter(std::coroutine_handle<promise_type> frame) noexcept : frame_(frame) {}
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> awaiting) { return frame_.promise().start(frame_, awaiting); }
    T await_resume() { return frame_.promise().take_value(); }

   private:
    std::coroutine_handle<promise_type> frame_;
  };
  Awaiter awaiter() & { return Awaiter(started_once()); }
  Awaiter awaiter() && { return Awaiter(started_once()); }

 private:
  friend promise_type;
  explicit Coroutine(std::coroutine_handle<promise_type> frame) noexcept : frame_(frame) {}
  std::coroutine_handle<promise_type> started_once() {
    DETSIM_ASSERT(frame_ && "a detsim::Coroutine that was moved from is awaited");
    DETSIM_ASSERT(!awaited_ && "a detsim::Coroutine is awaited once");
    awaited_ = true;
    return frame_;
  }

  std::coroutine_handle<promise_type> frame_;
  bool awaited_ = false;
};

namespace detail {

template <class T>
Coroutine<T> CoroutinePromise<T>::get_return_object() noexcept {
  return Coroutine<T>(std::coroutine_handle<CoroutinePromise<T>>::from_promise(*this));
}

inline Coroutine<void> CoroutinePromise<void>::get_return_object() noexcept {
  return Coroutine<void>(std::coroutine_handle<CoroutinePromise<void>>::from_promise(*this));
}

}  // namespace detail

}  // namespace detsim
