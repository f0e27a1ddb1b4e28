// asyncio.timeout / asyncio.timeout_at (Python 3.11): a scope whose work is
// cancelled when a deadline in virtual time passes, turning that
// cancellation into TimeoutError.
//
// C++ has no `async with`, so the scope's body is a callable taking the
// Timeout and returning a Coroutine; timeout() runs it inline (no scheduling
// point of its own: 3.11's __aenter__ and __aexit__ await nothing) and
// returns the body's result:
//
//   // async with asyncio.timeout(5):            // Python
//   //     reply = await fetch()
//   int reply = co_await asyncio::timeout(5s, [&](asyncio::Timeout& scope) -> Coroutine<int> {
//     if (slow_path) scope.reschedule(scope.when().value() + 5s);
//     co_return co_await fetch();
//   });
//
// Mapping: entering the scope = the call's start (records the current task
// and arms the timer); the body = the `async with` block; leaving = the
// Coroutine's end, where __aexit__'s rules apply:
//   - at the deadline the timer (a ready callback, so a scheduler decision
//     against whatever else is ready) calls cancel() on the task running the
//     scope, and the Timeout becomes "expiring" (expired() is true);
//   - on leaving an expiring scope, it withdraws its cancel request
//     (Task::uncancel). Only if no request is left (cancelling() == 0) AND
//     the body ended with CancelledError is that turned into TimeoutError. So
//     a cancellation of the task from outside that arrived too is never
//     swallowed: CancelledError propagates. If the body caught the
//     CancelledError and returned normally, its result is returned (3.11
//     does not re-raise).
//   - a std::nullopt deadline never expires; reschedule() changes it while
//     the body runs (RuntimeError "detsim.asyncio.timeout.state" in another
//     state), a deadline already passed firing at the next iteration
//     (call_soon).
// Must run inside a Task (it is a Coroutine, so it does).
//
// In the trace: an expiry is a timeout event (primitive type "Timeout", the
// scope's task, its deadline as `when`), which causes the cancellation.
//
// Determinism: deadlines are integer nanoseconds of virtual time; when the
// body's completion and the deadline fall at the same instant, which runs
// first is the scheduler's choice (see tests/asyncio/timeout_test.cpp).
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "detsim/asyncio/detail/awaitables.hpp"
#include "detsim/asyncio/errors.hpp"
#include "detsim/base/errors.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/detail/deadline.hpp"
#include "detsim/core/detail/task_core.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/handle.hpp"
#include "detsim/core/primitive_trace.hpp"

namespace detsim::asyncio {

class Timeout {
 public:
  explicit Timeout(std::optional<std::chrono::nanoseconds> when) noexcept : when_(when) {}
  Timeout(const Timeout&) = delete;
  Timeout& operator=(const Timeout&) = delete;

  // The deadline (virtual time since the loop started), none if unbounded.
  std::optional<std::chrono::nanoseconds> when() const noexcept { return when_; }
  // Moves the deadline (none: no deadline). Only while the body runs and the
  // deadline has not passed.
  void reschedule(std::optional<std::chrono::nanoseconds> when) {
    if (state_ != State::entered) {
      throw RuntimeError("detsim.asyncio.timeout.state",
                         std::string("Cannot change state of ") + state_name() + " Timeout");
    }
    when_ = when;
    handler_.cancel();
    has_handler_ = false;
    if (!when) return;
    EventLoop& loop = get_running_loop();
    if (*when <= loop.now()) {
      handler_ = loop.call_soon([this] { on_timeout(); });
    } else {
      handler_ = loop.call_at(*when, [this] { on_timeout(); });
    }
    has_handler_ = true;
  }
  // Whether the deadline passed while the body ran (expiring or expired).
  bool expired() const noexcept { return state_ == State::expiring || state_ == State::expired; }

  // The scope's two ends, for timeout_at(): __aenter__ and __aexit__.
  void enter() {
    state_ = State::entered;
    task_ = ::detsim::detail::current_task();
    if (task_ == nullptr) throw RuntimeError("detsim.asyncio.timeout.outside_task", "Timeout should be used inside a task");
    reschedule(when_);
  }
  // Throws TimeoutError if this scope's cancellation is what ended the body.
  void exit(const std::exception_ptr& body_error) {
    if (has_handler_) handler_.cancel();
    has_handler_ = false;
    if (state_ == State::expiring) {
      state_ = State::expired;
      if (task_->uncancel() == 0 && detail::is_cancelled_error(body_error)) throw TimeoutError();
    } else if (state_ == State::entered) {
      state_ = State::exited;
    }
  }

 private:
  enum class State { created, entered, expiring, expired, exited };
  const char* state_name() const noexcept {
    switch (state_) {
      case State::created: return "created";
      case State::entered: return "active";
      case State::expiring: return "expiring";
      case State::expired: return "expired";
      case State::exited: return "finished";
    }
    return "?";
  }
  void on_timeout() {
    // A `timeout` event (primitive "Timeout"), which causes the cancel.
    const CausedBy cause(trace_.report_about(EventKind::timeout, task_->task_id(), task_->name(), {}, {},
                                             when_.value_or(get_running_loop().now())));
    task_->cancel({}, SourceLocation::current());
    state_ = State::expiring;
    has_handler_ = false;
  }

  std::optional<std::chrono::nanoseconds> when_;
  std::string name_;  // none: the trace names the scope by its id
  PrimitiveTrace trace_{"Timeout", name_};
  State state_ = State::created;
  ::detsim::detail::TaskCore* task_ = nullptr;
  Handle handler_;
  bool has_handler_ = false;
};

namespace detail {
template <class Body>
using body_value_t = typename std::invoke_result_t<Body&, Timeout&>::value_type;
}  // namespace detail

// The scope with deadline `when` (virtual time since the loop started;
// std::nullopt: none). Body: a callable (Timeout&) -> Coroutine<R>.
template <class Body>
  requires std::is_invocable_v<Body&, Timeout&>
Coroutine<detail::body_value_t<Body>> timeout_at(std::optional<std::chrono::nanoseconds> when, Body body) {
  using R = detail::body_value_t<Body>;
  Timeout scope(when);
  scope.enter();
  std::exception_ptr error;
  std::optional<std::conditional_t<std::is_void_v<R>, char, R>> result;
  try {
    if constexpr (std::is_void_v<R>) {
      co_await body(scope);
    } else {
      result.emplace(co_await body(scope));
    }
  } catch (...) {
    error = std::current_exception();
  }
  scope.exit(error);
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<R>) co_return std::move(*result);
}

// The scope with deadline now() + delay (std::nullopt: none).
template <class Body>
  requires std::is_invocable_v<Body&, Timeout&>
Coroutine<detail::body_value_t<Body>> timeout(std::optional<std::chrono::nanoseconds> delay, Body body) {
  std::optional<std::chrono::nanoseconds> when;
  if (delay) when = ::detsim::detail::deadline_after(get_running_loop().now(), *delay);
  return timeout_at(when, std::move(body));
}

}  // namespace detsim::asyncio
