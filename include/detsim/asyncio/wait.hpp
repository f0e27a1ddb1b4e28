// asyncio.wait: waits until some or all of several futures are done, or a
// timeout passes, and returns which are done and which are pending.
//
//   auto [done, pending] = co_await asyncio::wait(tasks, asyncio::FIRST_COMPLETED, 5s);
//   for (auto& task : pending) task.cancel();
//
// return_when: FIRST_COMPLETED (any done), FIRST_EXCEPTION (any raised --
// a cancelled one does not count --, or all done), ALL_COMPLETED (default).
// The timeout (none by default) only ends the wait: nothing is cancelled,
// and no TimeoutError is raised. An empty vector raises RuntimeError
// "detsim.asyncio.wait.empty" (asyncio: ValueError). Tasks not yet
// scheduled are scheduled, Coroutines run in tasks of their own (see
// gather.hpp); the same future twice counts once.
//
// Cancelling the waiting task ends the wait with CancelledError and cancels
// nothing it waits for (asyncio's rule).
//
// Where detsim differs: futures already done when wait() is called complete
// the wait at once (done callbacks run at once in detsim), so such a wait
// has no scheduling point, where asyncio's takes one loop iteration.
//
// Determinism: `done` and `pending` keep the argument order (asyncio returns
// sets, whose order is the hash's); which future completes first within a
// virtual instant is a scheduler decision, like any step.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include "detsim/asyncio/detail/awaitables.hpp"
#include "detsim/asyncio/detail/waiter.hpp"
#include "detsim/base/errors.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/event_loop.hpp"

namespace detsim::asyncio {

enum class ReturnWhen { first_completed, first_exception, all_completed };
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::first_completed;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::first_exception;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::all_completed;

template <class F>
struct WaitResult {
  std::vector<F> done;     // in argument order
  std::vector<F> pending;  // in argument order
};

template <detail::Awaitable A>
Coroutine<WaitResult<detail::future_of_t<A>>> wait(std::vector<A> awaitables,
                                                    ReturnWhen return_when = ALL_COMPLETED,
                                                    std::optional<std::chrono::nanoseconds> timeout = std::nullopt) {
  using F = detail::future_of_t<A>;
  if (awaitables.empty()) throw RuntimeError("detsim.asyncio.wait.empty", "Set of Futures is empty.");
  auto& loop = get_running_loop();
  std::vector<F> futures;
  futures.reserve(awaitables.size());
  for (auto& awaitable : awaitables) {
    F future = detail::ensure_future(std::move(awaitable));
    bool seen = false;  // (wait() is for a handful of futures: a linear check)
    for (const auto& other : futures) seen = seen || other == future;
    if (!seen) futures.push_back(std::move(future));
  }

  struct Shared {
    Future<void> waiter;
    std::size_t counter;
    TimerHandle timeout_handle;
  };
  auto shared = std::make_shared<Shared>(Shared{loop.create_future<void>(), futures.size(), {}});
  if (timeout) shared->timeout_handle = loop.call_later(*timeout, [shared] { detail::release_waiter(shared->waiter); });
  std::vector<CallbackId> callbacks;
  callbacks.reserve(futures.size());
  for (auto& future : futures) {
    callbacks.push_back(future.add_done_callback([shared, return_when](auto& done) {
      --shared->counter;
      const bool raised = !done.cancelled() && done.exception() != nullptr;
      if (shared->counter == 0 || return_when == ReturnWhen::first_completed ||
          (return_when == ReturnWhen::first_exception && raised)) {
        shared->timeout_handle.cancel();
        detail::release_waiter(shared->waiter);
      }
    }));
  }
  std::exception_ptr error;
  try {
    co_await shared->waiter;
  } catch (...) {
    error = std::current_exception();
  }
  shared->timeout_handle.cancel();
  for (std::size_t i = 0; i < futures.size(); ++i) futures[i].remove_done_callback(callbacks[i]);
  if (error) std::rethrow_exception(error);

  WaitResult<F> result;
  for (auto& future : futures) (future.done() ? result.done : result.pending).push_back(std::move(future));
  co_return result;
}

}  // namespace detsim::asyncio
