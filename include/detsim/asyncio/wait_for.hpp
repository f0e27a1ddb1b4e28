// asyncio.wait_for (Python 3.11's): awaits one awaitable with a timeout;
// on timeout, cancels it, waits until it has ended, and raises TimeoutError.
//
//   try {
//     int reply = co_await asyncio::wait_for(request(server), 100ms);
//   } catch (const asyncio::TimeoutError&) { ... }   // request's task has ended
//
// Behaviour, step by step as in 3.11's tasks.py:
//   - timeout std::nullopt: plainly awaits it (a Coroutine inline);
//   - timeout <= 0: schedules it; if already done returns its result, else
//     cancels it, waits until it ends, returns its result if it still
//     completed (it may swallow the cancellation) or raises TimeoutError if
//     it ended cancelled;
//   - otherwise waits on a waiter that the timer and the future's completion
//     both release. When the waiter is released, the future is *checked*:
//     if it is done by then its result wins (or its exception is raised),
//     even if the timer fired first. So when completion and timeout fall in
//     one virtual instant, which wins is the scheduler's choice: the timer
//     callback, the child's last step and this task's wake-up are each
//     ready entries (tests/asyncio/wait_for_test.cpp shows both outcomes
//     under RandomScheduler seeds). Else the future is cancelled, awaited,
//     and TimeoutError raised (its result if it swallowed the cancellation;
//     its exception if it raised another);
//   - if the waiting task is cancelled meanwhile: if the future is done its
//     result is returned (3.11 swallows that cancellation; 3.12 changed it),
//     else it is cancelled, awaited, and the CancelledError re-raised.
// The timer is always cancelled on the way out.
//
// Awaitables as in gather.hpp: a Future, a Task (scheduled if it was not), a
// Coroutine (run in a Task of its own, as ensure_future does). A
// Coroutine<T> is the usual argument: `wait_for(helper(), 1s)`.
//
// Where detsim differs: the future's done callback (which releases the
// waiter) runs at completion in detsim and one iteration later in asyncio,
// so a future that completes wakes this task one hop sooner than in asyncio.
//
// In the trace: an expiry is a timeout event (primitive type "wait_for",
// the waiting task, the deadline as `when`), which causes the waiter's
// release and so the cancellation of the awaited work.
//
// Determinism: the timeout is a timer in virtual time (TimerHandle), fired
// through the ready queue; no real clock.
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "detsim/asyncio/detail/awaitables.hpp"
#include "detsim/asyncio/detail/waiter.hpp"
#include "detsim/asyncio/errors.hpp"
#include "detsim/base/errors.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/current_task.hpp"
#include "detsim/core/detail/deadline.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/primitive_trace.hpp"

namespace detsim::asyncio {

template <detail::Awaitable A>
Coroutine<detail::value_of_t<A>> wait_for(A awaitable, std::optional<std::chrono::nanoseconds> timeout) {
  using T = detail::value_of_t<A>;
  auto& loop = get_running_loop();
  if (!timeout) co_return co_await std::move(awaitable);

  if (*timeout <= std::chrono::nanoseconds::zero()) {
    auto future = detail::ensure_future(std::move(awaitable));
    if (future.done()) co_return detail::result_of<T>(future);
    co_await detail::cancel_and_wait<T>(future);
    if (future.cancelled()) throw TimeoutError();
    co_return detail::result_of<T>(future);
  }

  auto waiter = loop.create_future<void>();
  // The expiry is a `timeout` event (primitive "wait_for") about this task,
  // which causes the waiter's release. (The timer never outlives this
  // frame: it is cancelled on every way out.)
  struct Expiry {
    std::string name;  // none
    PrimitiveTrace trace{"wait_for", name};
    CurrentTask task = current_task();
    std::chrono::nanoseconds when;
  } expiry{.when = ::detsim::detail::deadline_after(loop.now(), *timeout)};
  TimerHandle timeout_handle = loop.call_later(*timeout, [waiter, &expiry]() mutable {
    const CausedBy cause(
        expiry.trace.report_about(EventKind::timeout, expiry.task.id, expiry.task.name, {}, {}, expiry.when));
    detail::release_waiter(waiter);
  });
  Future<T> future = detail::ensure_future(std::move(awaitable));
  const CallbackId callback = future.add_done_callback([waiter](Future<T>&) mutable { detail::release_waiter(waiter); });
  // 3.11's try/finally: the timer is cancelled on every way out.
  std::exception_ptr failure;
  try {
    std::exception_ptr cancelled;
    try {
      co_await waiter;
    } catch (const CancelledError&) {
      cancelled = std::current_exception();
    }
    if (cancelled) {
      if (future.done()) {
        timeout_handle.cancel();
        co_return detail::result_of<T>(future);
      }
      future.remove_done_callback(callback);
      co_await detail::cancel_and_wait<T>(future);
      std::rethrow_exception(cancelled);
    }
    if (!future.done()) {
      future.remove_done_callback(callback);
      co_await detail::cancel_and_wait<T>(future);
      if (future.cancelled()) throw TimeoutError();
    }
    timeout_handle.cancel();
    co_return detail::result_of<T>(future);
  } catch (...) {
    failure = std::current_exception();
  }
  timeout_handle.cancel();
  std::rethrow_exception(failure);
}

}  // namespace detsim::asyncio
