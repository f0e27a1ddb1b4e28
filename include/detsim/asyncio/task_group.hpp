// asyncio.TaskGroup (Python 3.11): structured concurrency. The body starts
// tasks in the group; the scope ends when all of them have; the first
// failure cancels the others and the body, and every error comes out
// together in an asyncio::ExceptionGroup.
//
// C++ has no `async with`, so the body is a callable taking the group and
// returning a Coroutine, run inline (3.11's __aenter__ awaits nothing):
//
//   // async with asyncio.TaskGroup() as group:     // Python
//   //     group.create_task(work(1))
//   co_await asyncio::task_group([&](asyncio::TaskGroup& group) -> Coroutine<void> {
//     group.create_task(work(1));
//     auto second = group.create_task(work(2));
//     co_await detsim::sleep(1s);            // the body may await too
//   });                                      // all done here, or ExceptionGroup thrown
//
// The rules (3.11's taskgroups.py):
//   - when a child fails (an exception other than CancelledError), every
//     other pending child is cancelled, and so is the task running the body
//     (once: Task::cancel, remembered so that the group withdraws it with
//     uncancel() when the body ends);
//   - after the body, the group waits for every child. If the body raised,
//     the children are cancelled first. If the task is cancelled while the
//     group waits, the children are cancelled and the wait goes on;
//   - then: if CancelledError is to propagate (the body ended with it, or the
//     wait was cancelled, and it is not only the group's own cancel request
//     -- cancelling() after uncancel() is not 0) and no child failed, it is
//     re-raised: an outer cancellation is never swallowed. Otherwise, if any
//     child failed, an ExceptionGroup holds the children's errors in the
//     order they failed, then the body's own error (not a CancelledError);
//   - else the body's result is returned.
// create_task() raises RuntimeError ("detsim.asyncio.task_group.state")
// once the group is finished or shutting down (aborting); the Task given is
// then dropped, never run. A child's error after the task running the group
// has ended goes to the loop's exception handler.
//
// Where detsim differs: a child's done callback runs as it completes, so its
// failure cancels the siblings at once. Two children failing in one loop
// iteration give one error here (the second is cancelled before its step)
// and two in asyncio (whose callback runs an iteration later).
//
// Determinism: asyncio keeps the children in a set and cancels them in its
// (hash) order; detsim cancels them in creation order (task id). Errors are
// kept in the order the loop completed the children.
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detsim/asyncio/detail/awaitables.hpp"
#include "detsim/asyncio/errors.hpp"
#include "detsim/base/errors.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/detail/task_core.hpp"
#include "detsim/core/event_loop.hpp"

namespace detsim::asyncio {

class TaskGroup {
 public:
  TaskGroup() = default;
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Schedules the task (loop.create_task) as a child of the group.
  template <class T>
  Task<T> create_task(Task<T> task, std::string name = {}) {
    check_can_create();
    auto scheduled = loop_->create_task(std::move(task), std::move(name));
    adopt(*scheduled.state(), scheduled.task_id());
    return scheduled;
  }
  // A Coroutine runs in a Task of its own.
  template <class T>
  Task<T> create_task(Coroutine<T> body, std::string name = {}) {
    return create_task(detail::run_as_task(std::move(body)), std::move(name));
  }

  // How many children have not finished.
  std::size_t pending() const noexcept { return tasks_.size(); }

  // The scope's two ends, for task_group(): __aenter__ and __aexit__.
  void enter();
  Coroutine<void> exit(std::exception_ptr body_error);

 private:
  using State = ::detsim::detail::FutureStateBase;
  void check_can_create() const;
  void adopt(State& child, std::uint64_t task_id);
  void on_task_done(State& child, std::uint64_t task_id);
  void abort();

  EventLoop* loop_ = nullptr;
  ::detsim::detail::TaskCore* parent_ = nullptr;
  bool entered_ = false;
  bool exiting_ = false;
  bool aborting_ = false;
  bool parent_cancel_requested_ = false;
  // Pending children by task id: abort() cancels them in creation order.
  std::map<std::uint64_t, ::detsim::detail::IntrusivePtr<State>> tasks_;
  std::vector<std::exception_ptr> errors_;
  Future<void> on_completed_;
};

// Runs body(group) in a new TaskGroup and returns the body's result.
template <class Body>
  requires std::is_invocable_v<Body&, TaskGroup&>
Coroutine<typename std::invoke_result_t<Body&, TaskGroup&>::value_type> task_group(Body body) {
  using R = typename std::invoke_result_t<Body&, TaskGroup&>::value_type;
  TaskGroup group;
  group.enter();
  std::exception_ptr error;
  std::optional<std::conditional_t<std::is_void_v<R>, char, R>> result;
  try {
    if constexpr (std::is_void_v<R>) {
      co_await body(group);
    } else {
      result.emplace(co_await body(group));
    }
  } catch (...) {
    error = std::current_exception();
  }
  co_await group.exit(error);
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<R>) co_return std::move(*result);
}

}  // namespace detsim::asyncio
