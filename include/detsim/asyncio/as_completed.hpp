// asyncio.as_completed: the results of several futures in the order they
// complete.
//
//   for (auto& next : asyncio::as_completed(std::move(tasks), 10s)) {
//     int value = co_await std::move(next);   // the earliest result not yet taken
//   }
//
// Python returns an iterator of coroutines; here as_completed() returns them
// all at once, as a std::vector<Coroutine<T>> of the same length as the
// (deduplicated) input, to await in order. The i-th Coroutine awaited gives
// the i-th completion: the result, or the exception, of the future that
// completed i-th (not the i-th argument). Awaiting one before a future has
// completed waits. With a timeout, when it passes, every pending future is
// let go (not cancelled) and each remaining Coroutine raises TimeoutError;
// the last completion before it cancels the timer, even if the Coroutines
// were dropped (as asyncio's callbacks do).
// It must be called inside a running loop; awaitables are scheduled as in
// gather.hpp. The Coroutines share their state, so any may be dropped
// unawaited.
//
// Where detsim differs: a future's completion is queued in its completing
// step (done callbacks run at once), one iteration sooner than in asyncio.
//
// Determinism: completions are queued in the order the loop completes the
// futures (scheduler decisions); a future already done is queued at once,
// in argument order.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "detsim/asyncio/detail/awaitables.hpp"
#include "detsim/asyncio/detail/waiter.hpp"
#include "detsim/asyncio/errors.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/event_loop.hpp"

namespace detsim::asyncio {

namespace detail {

// The timeout's timer and how many futures it still waits for. The done
// callbacks keep it even when the Coroutines (and their queue) are dropped,
// so that, as in asyncio, the last completion cancels the timer instead of
// leaving it to keep the clock going.
struct CompletionTimer {
  TimerHandle handle;
  std::size_t pending = 0;  // 0 until armed: completions of done futures do not count
  void on_completion() {
    if (pending > 0 && --pending == 0) handle.cancel();
  }
};

template <class T>
struct CompletionQueue {
  std::deque<Future<T>> done;                // an empty Future: the timeout passed
  std::deque<Future<void>> getters;          // waiting Coroutines, oldest first
  std::vector<std::pair<Future<T>, CallbackId>> todo;  // pending, in argument order

  // asyncio.Queue.put_nowait: queue, then wake the oldest waiting getter.
  void put(Future<T> future) {
    done.push_back(std::move(future));
    while (!getters.empty()) {
      auto getter = std::move(getters.front());
      getters.pop_front();
      if (!getter.done()) {
        getter.set_result();
        break;
      }
    }
  }
  void on_completion(const Future<T>& future) {
    if (todo.empty()) return;  // the timeout was here first
    for (auto it = todo.begin(); it != todo.end(); ++it) {
      if (it->first == future) {
        todo.erase(it);
        break;
      }
    }
    put(future);
  }
  void on_timeout() {
    for (auto& [future, callback] : todo) {
      future.remove_done_callback(callback);
      put(Future<T>());
    }
    todo.clear();
  }
};

// Python's _wait_for_one, on asyncio.Queue.get's loop.
template <class T>
Coroutine<T> wait_for_one(std::shared_ptr<CompletionQueue<T>> queue) {
  while (queue->done.empty()) {
    auto getter = get_running_loop().create_future<void>();
    queue->getters.push_back(getter);
    std::exception_ptr error;
    try {
      co_await getter;
    } catch (...) {
      error = std::current_exception();
    }
    if (error) {
      getter.cancel();
      for (auto it = queue->getters.begin(); it != queue->getters.end(); ++it) {
        if (*it == getter) {
          queue->getters.erase(it);
          break;
        }
      }
      // Hand a wake-up meant for us on to the next getter.
      if (!queue->done.empty() && !getter.cancelled() && !queue->getters.empty()) {
        auto next = queue->getters.front();
        queue->getters.pop_front();
        if (!next.done()) next.set_result();
      }
      std::rethrow_exception(error);
    }
  }
  Future<T> future = std::move(queue->done.front());
  queue->done.pop_front();
  if (!future.valid()) throw TimeoutError();
  co_return result_of<T>(future);
}

}  // namespace detail

template <detail::Awaitable A>
std::vector<Coroutine<detail::value_of_t<A>>> as_completed(std::vector<A> awaitables,
                                                          std::optional<std::chrono::nanoseconds> timeout = std::nullopt) {
  using T = detail::value_of_t<A>;
  auto& loop = get_running_loop();
  auto queue = std::make_shared<detail::CompletionQueue<T>>();
  std::vector<Future<T>> futures;
  for (auto& awaitable : awaitables) {
    Future<T> future = detail::ensure_future(std::move(awaitable));
    bool seen = false;
    for (const auto& other : futures) seen = seen || other == future;
    if (!seen) futures.push_back(std::move(future));
  }
  for (auto& future : futures) queue->todo.emplace_back(future, CallbackId{});
  auto timer = timeout ? std::make_shared<detail::CompletionTimer>() : nullptr;
  // Registered after todo is complete: a done future calls back at once.
  for (std::size_t i = 0; i < futures.size(); ++i) {
    const CallbackId id =
        futures[i].add_done_callback([weak = std::weak_ptr(queue), timer](Future<T>& done) {
          if (auto shared = weak.lock()) shared->on_completion(done);
          if (timer) timer->on_completion();
        });
    for (auto& [future, callback] : queue->todo) {
      if (future == futures[i]) callback = id;
    }
  }
  if (!queue->todo.empty() && timer) {
    timer->pending = queue->todo.size();
    timer->handle = loop.call_later(*timeout, [weak = std::weak_ptr(queue)] {
      if (auto shared = weak.lock()) shared->on_timeout();
    });
  }
  std::vector<Coroutine<T>> next;
  next.reserve(futures.size());
  for (std::size_t i = 0; i < futures.size(); ++i) next.push_back(detail::wait_for_one<T>(queue));
  return next;
}

}  // namespace detsim::asyncio
