// What the combinators accept and how they make it a future: asyncio's
// ensure_future in detsim's terms. Internal.
//
//   - a Future<T> is used as it is;
//   - a Task<T> is used as it is, scheduled first (loop.create_task) if it
//     has not been: a Task that nobody scheduled is asyncio's bare coroutine
//     object, which ensure_future wraps in a task;
//   - a Coroutine<T> becomes a Task<T> whose body awaits it, scheduled at
//     once: the same one step per scheduling as the coroutine's own task in
//     asyncio (the Coroutine runs inline in it).
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "detsim/base/errors.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/task.hpp"

namespace detsim::asyncio::detail {

template <class A>
struct AwaitableTraits {};
template <class T>
struct AwaitableTraits<Future<T>> {
  using value_type = T;
  using future_type = Future<T>;
};
template <class T>
struct AwaitableTraits<Task<T>> {
  using value_type = T;
  using future_type = Task<T>;
};
template <class T>
struct AwaitableTraits<Coroutine<T>> {
  using value_type = T;
  using future_type = Task<T>;
};

// A Future, a Task or a Coroutine.
template <class A>
concept Awaitable = requires { typename AwaitableTraits<std::remove_cvref_t<A>>::value_type; };

template <class A>
using value_of_t = typename AwaitableTraits<std::remove_cvref_t<A>>::value_type;
template <class A>
using future_of_t = typename AwaitableTraits<std::remove_cvref_t<A>>::future_type;

template <class T>
Task<T> run_as_task(Coroutine<T> body) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(body);
  } else {
    co_return co_await std::move(body);
  }
}

template <class T>
Future<T> ensure_future(Future<T> future) {
  return future;
}
template <class T>
Task<T> ensure_future(Task<T> task) {
  if (task.started()) return task;
  return get_running_loop().create_task(std::move(task));
}
template <class T>
Task<T> ensure_future(Coroutine<T> body) {
  return get_running_loop().create_task(run_as_task(std::move(body)));
}

// Whether `error` is a CancelledError (asyncio's `except CancelledError`).
inline bool is_cancelled_error(const std::exception_ptr& error) {
  if (!error) return false;
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

// The CancelledError a cancelled future raises (its cancel() message).
inline std::exception_ptr cancelled_error_of(const ::detsim::detail::FutureStateBase& future) {
  return std::make_exception_ptr(CancelledError(future.cancelled() ? future.cancel_message() : std::string()));
}

}  // namespace detsim::asyncio::detail
