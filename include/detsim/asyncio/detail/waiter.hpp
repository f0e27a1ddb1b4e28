// Small pieces the combinators share. Internal.
#pragma once

#include <type_traits>
#include <utility>

#include "detsim/core/coroutine.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/future.hpp"

namespace detsim::asyncio::detail {

// asyncio's _release_waiter.
inline void release_waiter(Future<void>& waiter) {
  if (!waiter.done()) waiter.set_result();
}

// future.result(), by copy (the caller may hold the same future).
template <class T>
T result_of(const Future<T>& future) {
  if constexpr (std::is_void_v<T>) {
    future.result();
  } else {
    return future.result();
  }
}

// asyncio's _cancel_and_wait: cancels `future` and waits until it is done,
// through a waiter of its own (so that this wait stays cancellable).
template <class T>
Coroutine<void> cancel_and_wait(Future<T> future) {
  auto waiter = get_running_loop().create_future<void>();
  const CallbackId callback = future.add_done_callback([waiter](Future<T>&) mutable { release_waiter(waiter); });
  try {
    future.cancel();
    co_await waiter;
  } catch (...) {
    future.remove_done_callback(callback);
    throw;
  }
  future.remove_done_callback(callback);
}

}  // namespace detsim::asyncio::detail
