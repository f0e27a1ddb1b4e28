// detsim::Task<T>: the coroutine type users write, as asyncio.Task.
//
//   detsim::Task<int> child(int x) { co_await detsim::sleep(5ms); co_return x * 2; }
//
// Calling a coroutine function creates a Task that has not started. It runs
// once scheduled: by EventLoop::create_task, by run_until_complete, or by
// being awaited from another task (a coroutine awaited by a Task becomes a
// Task of its own, scheduled on the awaiting task's loop). A Task is a Future
// (Task<T> derives from Future<T>), so it can be awaited, passed to
// run_until_complete, and given done callbacks.
//
// Each step resumes the coroutine until its next suspension. Inside a task,
// co_await accepts a Future, a Task, detsim::sleep(duration), detsim::yield()
// and a LoopAwaitable (below). A task woken by a completed future is
// rescheduled with call_soon, so every wake-up is a scheduler decision.
// Anything else is refused at compile time ("other awaitables would resume
// outside the loop's control"): an awaiter that kept the coroutine's handle
// could resume it from anywhere, unseen by the scheduler and the trace.
//
// Loop-controlled primitives (locks, queues, events, your own) take part
// through detsim::LoopAwaitable: a type whose loop_future() hands the task a
// detsim::Future to wait on. `co_await x` calls x.loop_future() and awaits
// that future exactly as `co_await future` would, so the primitive never sees
// the coroutine: the task can only be woken by completing the future, which
// reschedules it with call_soon like any wake-up (a scheduler choice, and a
// call_soon then a step in the trace). The contract of loop_future():
//   - return a valid Future (or Task) of the awaiting task's loop; a future
//     of another loop is refused as when awaited directly (RuntimeError at
//     the task's next step). If it is already done, the task goes on without
//     suspending, as with a done future;
//   - the value of `co_await x` is the future's result, and its exception or
//     CancelledError is thrown at the co_await;
//   - cancelling the waiting task cancels this future (asyncio's rule for the
//     future a task awaits): give each waiter a future of its own, as
//     asyncio's Lock, Event and Queue do, unless all should be cancelled
//     together, and skip cancelled ones when waking waiters;
//   - it runs in the task's step, when the co_await is reached (a good place
//     to register the waiter), and may be &&-qualified for temporaries
//     (`co_await lock.acquire()`). Give a type awaited as a temporary a
//     constructor: g++ 12 destroys an aggregate temporary written in the
//     co_await itself (`co_await Wait{gate}`) twice, whatever is awaited (a
//     compiler bug; one returned by a function, as acquire() above, is fine).
// Its own await_ready/await_suspend/await_resume, if it has them, are never
// called by a Task. Example: a gate that tasks wait at until it opens.
//
//   class Gate {
//    public:
//     explicit Gate(detsim::EventLoop& loop) : loop_(loop) {}
//     detsim::Future<void> loop_future() {       // co_await gate;
//       auto waiter = loop_.create_future<void>();
//       if (open_) waiter.set_result(); else waiters_.push_back(waiter);
//       return waiter;
//     }
//     void open() {                              // wakes every waiter, each
//       open_ = true;                            // by a call_soon
//       for (auto& waiter : waiters_) if (!waiter.done()) waiter.set_result();
//       waiters_.clear();
//     }
//    private:
//     detsim::EventLoop& loop_;
//     bool open_ = false;
//     std::vector<detsim::Future<void>> waiters_;
//   };
//
// Cancellation (asyncio's): cancel() throws CancelledError into the coroutine
// at its await point; if the task awaits another task or future, that one is
// cancelled instead and the error reaches the task through it. A task that
// lets CancelledError escape ends cancelled. Exceptions propagate to whoever
// awaits the task. As in Python 3.11, a task counts the cancel() requests it
// has had (cancelling()), and whoever handled the cancellation it asked for
// withdraws its request with uncancel(): a timeout or a task group tells its
// own cancellation from one requested by others this way.
//
// Ownership: Task handles share the task. A scheduled task is kept alive by
// its loop until it ends, even if every handle is dropped. Dropping all
// handles of a task that was never scheduled destroys its coroutine frame.
// Closing or destroying a loop destroys the frames of its unfinished tasks.
//
// Determinism: task ids and default names ("Task-1", "Task-2", ...) come from
// the loop's counter in scheduling order.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "detsim/base/detail/assert.hpp"
#include "detsim/core/detail/task_core.hpp"
#include "detsim/core/future.hpp"
#include "detsim/base/source_location.hpp"

namespace detsim {

template <class T>
class Task;
template <class T>
class Coroutine;

namespace detail {

template <class T>
class TaskState final : public FutureState<T> {
 public:
  explicit TaskState(std::coroutine_handle<> frame) noexcept : core_(*this, frame) { this->set_task(&core_); }
  TaskCore& core() noexcept { return core_; }

 private:
  TaskCore core_;
};

// co_await detsim::sleep(d) / detsim::yield().
class [[nodiscard]] SleepAwaiter {
 public:
  SleepAwaiter(std::chrono::nanoseconds delay, SourceLocation site) noexcept : delay_(delay), site_(site) {}
  bool await_ready() const noexcept { return false; }  // even sleep(0) yields once
  void await_suspend(std::coroutine_handle<> awaiting) {
    waiter_ = &require_current_task("co_await detsim::sleep", awaiting);
    waiter_->sleep_for(delay_, site_);
  }
  void await_resume() { waiter_->resume_from_wait(); }

 private:
  std::chrono::nanoseconds delay_;
  SourceLocation site_;
  TaskCore* waiter_ = nullptr;
};

template <class A>
inline constexpr bool is_future_v = false;
template <class U>
inline constexpr bool is_future_v<Future<U>> = true;
template <class U>
inline constexpr bool is_future_v<Task<U>> = true;

template <class A>
concept FutureHandle = is_future_v<std::remove_cvref_t<A>>;

template <class A>
inline constexpr bool is_coroutine_v = false;
template <class U>
inline constexpr bool is_coroutine_v<Coroutine<U>> = true;

}  // namespace detail

// What a Task can co_await and wait on through the loop: a Future, a Task, or
// a type whose loop_future() returns one (see the header comment for the
// contract). Opting in is declaring loop_future(); nothing else is needed.
template <class A>
concept LoopAwaitable = detail::FutureHandle<A> || requires(A&& awaitable) {
  { std::forward<A>(awaitable).loop_future() } -> detail::FutureHandle;
};

namespace detail {

// What a task's code may co_await, and how: shared by Task bodies and the
// Coroutines they run inline, so that both accept exactly the same things.
class AwaitRules {
 public:
  template <class A>
  decltype(auto) await_transform(A&& awaitable, SourceLocation site = SourceLocation::current()) {
    using Plain = std::remove_cvref_t<A>;
    if constexpr (std::is_same_v<Plain, SleepAwaiter>) {
      return std::forward<A>(awaitable);
    } else if constexpr (is_coroutine_v<Plain>) {
      // Runs inline, in this task (detsim/core/coroutine.hpp).
      return std::forward<A>(awaitable).awaiter();
    } else if constexpr (is_future_v<Plain>) {
      using Value = typename Plain::value_type;
      return FutureAwaiter<Value>{Future<Value>(awaitable), site};
    } else if constexpr (LoopAwaitable<A>) {
      // The primitive hands over a future and never sees the coroutine: the
      // task waits on it exactly as on a Future it awaits itself.
      auto future = std::forward<A>(awaitable).loop_future();
      using Value = typename decltype(future)::value_type;
      DETSIM_ASSERT(future.valid() && "loop_future() returned an empty Future");
      return FutureAwaiter<Value>{Future<Value>(std::move(future)), site};
    } else {
      static_assert(LoopAwaitable<A>,
                    "a detsim::Task can only co_await a detsim::Future, a detsim::Task, a detsim::Coroutine, "
                    "detsim::sleep(), detsim::yield() or a detsim::LoopAwaitable (whose loop_future() returns a "
                    "detsim::Future: see detsim/core/task.hpp): other awaitables would resume outside the loop's "
                    "control");
      return std::suspend_never{};  // (no further errors after the one above)
    }
  }
};

class TaskPromiseBase : public AwaitRules {
 public:
  // Coroutine frames come from the same per-thread pool as task states: a
  // program that starts a task per message reaches a steady state with no
  // malloc, and a frame's head starts a cache line.
  static void* operator new(std::size_t size) { return allocate_pooled(size); }
  static void operator delete(void* frame, std::size_t size) noexcept { deallocate_pooled(frame, size); }

  std::suspend_always initial_suspend() const noexcept { return {}; }
  std::suspend_always final_suspend() const noexcept { return {}; }

 protected:
  TaskCore* core_ = nullptr;
};

template <class T>
class TaskPromise : public TaskPromiseBase {
 public:
  Task<T> get_return_object();
  void unhandled_exception() noexcept { core_->set_completion_exception(std::current_exception()); }
  template <class U = T>
    requires std::is_constructible_v<T, U&&>
  void return_value(U&& value) {
    state_->store_value(std::forward<U>(value));
  }

 private:
  TaskState<T>* state_ = nullptr;
};

template <>
class TaskPromise<void> : public TaskPromiseBase {
 public:
  Task<void> get_return_object();
  void unhandled_exception() noexcept { core_->set_completion_exception(std::current_exception()); }
  void return_void() noexcept {}
};

}  // namespace detail

template <class T = void>
class [[nodiscard]] Task : public Future<T> {
 public:
  using promise_type = detail::TaskPromise<T>;

  Task() = default;

  const std::string& name() const noexcept { return core().name(); }
  // As asyncio's Task.set_name. A trace keeps the name the task had at its
  // first event there (a task has one name per trace).
  void set_name(std::string name) { core().set_name(std::move(name)); }
  // The per-loop task number (1, 2, ...), 0 until the task is scheduled.
  std::uint64_t task_id() const noexcept { return core().task_id(); }
  // Whether the task has been scheduled on a loop.
  bool started() const noexcept { return core().started(); }

  // Requests cancellation: false if the task is already done. See the header
  // comment for how CancelledError reaches the coroutine.
  bool cancel(std::string_view message = {}, SourceLocation site = SourceLocation::current()) {
    return core().cancel(message, site);
  }
  // asyncio's Task.cancelling(), as in Python 3.11: how many cancel()
  // requests the task has had, less those withdrawn by uncancel(). Every
  // cancel() on the task while it is pending counts (one a task passes on to
  // the task it awaits counts there too; so does Future::cancel on a Task),
  // the first and the repeated ones alike; one on a done task does not. The
  // count stays when the CancelledError is caught and when the task ends.
  std::uint64_t cancelling() const noexcept { return core().cancelling(); }
  // asyncio's Task.uncancel(), as in Python 3.11: withdraws one request (the
  // count never goes below 0) and returns how many remain. It only changes
  // the count: a CancelledError already on its way is still thrown. For the
  // code that called cancel(), once it has handled the error it caused.
  std::uint64_t uncancel() noexcept { return core().uncancel(); }

  // Internal.
  explicit Task(detail::TaskState<T>* state) noexcept : Future<T>(state) {}
  detail::TaskCore& core() const noexcept { return *this->checked().task(); }
};

namespace detail {

template <class T>
Task<T> TaskPromise<T>::get_return_object() {
  auto frame = std::coroutine_handle<TaskPromise<T>>::from_promise(*this);
  state_ = new TaskState<T>(frame);
  core_ = &state_->core();
  return Task<T>(state_);
}

inline Task<void> TaskPromise<void>::get_return_object() {
  auto frame = std::coroutine_handle<TaskPromise<void>>::from_promise(*this);
  auto* state = new TaskState<void>(frame);
  core_ = &state->core();
  return Task<void>(state);
}

}  // namespace detail

// Suspends the current task for `delay` of virtual time (asyncio.sleep). The
// task is woken by a timer, then rescheduled with call_soon. A delay <= 0 is
// one bare scheduling point, like asyncio.sleep(0).
inline detail::SleepAwaiter sleep(std::chrono::nanoseconds delay,
                                  SourceLocation site = SourceLocation::current()) noexcept {
  return {delay, site};
}

// One scheduling point: the task goes to the back of the ready queue.
inline detail::SleepAwaiter yield(SourceLocation site = SourceLocation::current()) noexcept {
  return {std::chrono::nanoseconds{0}, site};
}

}  // namespace detsim
