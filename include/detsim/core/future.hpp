// detsim::Future<T>: a result that will be available later, as asyncio.Future.
//
// A Future is a cheap handle to shared state: copies refer to the same future
// (pass it by value, capture it in lambdas). It is created pending by
// EventLoop::create_future<T>() and completes exactly once, by set_result,
// set_exception or cancel.
//
// Invariants (asyncio's, and our reference loop's):
//   - add_done_callback on a future that is already done calls the callback
//     immediately, before add_done_callback returns;
//   - otherwise each callback runs exactly once, in registration order, when
//     the future completes;
//   - result() before completion throws InvalidStateError; result() of a
//     cancelled future throws CancelledError; result() of a failed future
//     rethrows its exception;
//   - set_result / set_exception on a done future throw InvalidStateError.
// Exceptions thrown by a done callback go to the loop's exception handler,
// as in asyncio; the remaining callbacks still run.
//
// An exception that is set and never retrieved (by result(), exception() or
// co_await) is reported to the loop's exception handler when the loop closes
// or the last handle is dropped: asyncio's "exception was never retrieved".
//
// Determinism: futures get ids from their loop's counter, so ids are the same
// on every run. Not thread-safe: a future belongs to its loop's thread.
//
// Example:
//   detsim::Future<int> reply = loop.create_future<int>();
//   reply.add_done_callback([](detsim::Future<int>& f) { std::cout << f.result(); });
//   loop.call_later(10ms, [reply]() mutable { reply.set_result(7); });
//   int value = loop.run_until_complete(reply);   // 7, at virtual time 10ms
#pragma once

#include <cstdint>
#include <exception>
#include <string_view>
#include <type_traits>
#include <utility>

#include "detsim/base/detail/assert.hpp"
#include "detsim/core/detail/future_state.hpp"
#include "detsim/base/detail/intrusive_ptr.hpp"
#include "detsim/core/detail/task_core.hpp"
#include "detsim/base/source_location.hpp"
#include "detsim/core/wait_target.hpp"

namespace detsim {

class EventLoop;

// Names a done callback for remove_done_callback.
struct CallbackId {
  std::uint64_t value = 0;
  friend bool operator==(CallbackId, CallbackId) = default;
};

namespace detail {
template <class T>
class FutureAwaiter;
}

template <class T = void>
class [[nodiscard]] Future {
 public:
  using value_type = T;

  // An empty handle (valid() is false); assign a real future before use.
  Future() = default;

  bool valid() const noexcept { return static_cast<bool>(state_); }
  bool done() const noexcept { return checked().done(); }
  bool cancelled() const noexcept { return checked().cancelled(); }
  // The per-loop id (the same on every run of the same program).
  std::uint64_t id() const noexcept { return checked().id(); }

  // The value. Throws InvalidStateError if pending, CancelledError if
  // cancelled, or the stored exception.
  decltype(auto) result() const { return checked().result(); }
  // The stored exception or null. Throws InvalidStateError if pending and
  // CancelledError if cancelled.
  std::exception_ptr exception() const { return checked().exception(); }

  template <class U = T>
    requires(!std::is_void_v<T> && std::is_constructible_v<T, U &&>)
  void set_result(U&& value, SourceLocation site = SourceLocation::current()) {
    checked().set_result(std::forward<U>(value), site);
  }
  void set_result(SourceLocation site = SourceLocation::current())
    requires std::is_void_v<T>
  {
    checked().set_result(site);
  }
  void set_exception(std::exception_ptr exception,
                     SourceLocation site = SourceLocation::current()) {
    checked().set_exception(std::move(exception), site);
  }
  // Cancels the future; false if it was already done. On a Task this cancels
  // the task (see Task::cancel).
  bool cancel(std::string_view message = {}, SourceLocation site = SourceLocation::current()) {
    return checked().cancel(message, site);
  }

  // Calls callback(Future<T>&) when the future completes, or immediately if
  // it is already done.
  template <class F>
    requires std::is_invocable_v<F&, Future<T>&>
  CallbackId add_done_callback(F&& callback, SourceLocation site = SourceLocation::current()) {
    auto id = checked().add_done_callback_in_place(
        [callback = std::forward<F>(callback)](detail::FutureStateBase& state) mutable {
          Future<T> self{&static_cast<detail::FutureState<T>&>(state)};
          callback(self);
        },
        site);
    return CallbackId{id};
  }
  // Names what this future stands for in deadlock reports: a primitive
  // attaches itself to each waiter's future (see wait_target.hpp), with the
  // site of the wait (its caller's: reports name it). `target` must outlive
  // the future's wait; null detaches it.
  void set_wait_target(const WaitTarget* target, SourceLocation site = SourceLocation::current()) {
    checked().set_wait_target(target, site);
  }
  const WaitTarget* wait_target() const noexcept { return checked().wait_target(); }

  // Removes a callback that has not run yet; returns how many were removed
  // (0 or 1).
  std::size_t remove_done_callback(CallbackId id) noexcept { return checked().remove_done_callback(id.value); }

  detail::FutureAwaiter<T> operator co_await() const& noexcept;
  detail::FutureAwaiter<T> operator co_await() && noexcept;

  // Internal.
  explicit Future(detail::FutureState<T>* state) noexcept : state_(state) {}
  detail::FutureState<T>* state() const noexcept { return state_.get(); }

  friend bool operator==(const Future& a, const Future& b) noexcept { return a.state_ == b.state_; }

 protected:
  // The state, which an empty handle lacks: using one stops the program
  // with this message rather than a null dereference.
  detail::FutureState<T>& checked() const noexcept {
    DETSIM_ASSERT(state_ && "an empty Future or Task (default-constructed or moved from) was used");
    return *state_;
  }

  detail::IntrusivePtr<detail::FutureState<T>> state_;
};

namespace detail {

// co_await on a Future or Task. A done future does not suspend (as in
// asyncio); otherwise the awaiting task registers a wake-up and suspends. A
// Task not yet scheduled is first scheduled on the awaiting task's loop.
template <class T>
class [[nodiscard]] FutureAwaiter {
 public:
  FutureAwaiter(Future<T> future, SourceLocation site) noexcept
      : future_(std::move(future)), site_(site) {}
  bool await_ready() const noexcept { return future_.state()->done(); }
  void await_suspend(std::coroutine_handle<> awaiting) {
    waiter_ = &require_current_task("co_await on a Future", awaiting);
    waiter_->wait_on(*future_.state(), site_);
  }
  T await_resume() {
    if (waiter_) waiter_->resume_from_wait(future_.state());
    return future_.state()->take_result();
  }

 private:
  Future<T> future_;
  SourceLocation site_;
  TaskCore* waiter_ = nullptr;
};

}  // namespace detail

template <class T>
detail::FutureAwaiter<T> Future<T>::operator co_await() const& noexcept {
  (void)checked();
  return {*this, SourceLocation::current()};
}
template <class T>
detail::FutureAwaiter<T> Future<T>::operator co_await() && noexcept {
  (void)checked();
  return {std::move(*this), SourceLocation::current()};
}

}  // namespace detsim
