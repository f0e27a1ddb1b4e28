// The coroutine-driving part of a task, and the hooks awaiters call.
// Internal: users see tasks through detsim/core/task.hpp.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "detsim/base/detail/assert.hpp"
#include "detsim/core/detail/future_state.hpp"
#include "detsim/core/handle.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/base/source_location.hpp"

namespace detsim::detail {

class TaskCore {
 public:
  TaskCore(FutureStateBase& future, std::coroutine_handle<> frame) noexcept;
  TaskCore(const TaskCore&) = delete;
  TaskCore& operator=(const TaskCore&) = delete;
  ~TaskCore();

  FutureStateBase& future() noexcept { return future_; }
  const std::string& name() const noexcept { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  std::uint64_t task_id() const noexcept { return task_id_; }
  bool started() const noexcept { return scheduled_once_; }
  // The coroutine frame's address (for prefetching), null once destroyed.
  const void* frame_address() const noexcept { return frame_.address(); }
  // The frame a step resumes: the task's own, or the innermost
  // detsim::Coroutine it is running inline (which sets it when it starts
  // and gives it back to its awaiter when it ends).
  std::coroutine_handle<> resume_frame() const noexcept { return frame_; }
  void set_resume_frame(std::coroutine_handle<> frame) noexcept {
    DETSIM_ASSERT(frame);
    frame_ = frame;
  }

  // Binds the task to `loop` and schedules its first step. The name defaults
  // to "Task-<n>" with n the loop's task counter.
  void start(LoopCore& loop, std::string name, SourceLocation site);
  // asyncio's Task.cancel(): false if done; else cancels what the task awaits
  // or arranges for CancelledError to be thrown at its next resumption.
  bool cancel(std::string_view message, SourceLocation site);
  // asyncio's Task.cancelling() and uncancel() (Python 3.11): the count of
  // cancel() requests on the pending task, less those withdrawn.
  std::uint64_t cancelling() const noexcept { return cancel_requests_; }
  std::uint64_t uncancel() noexcept {
    if (cancel_requests_ > 0) --cancel_requests_;
    return cancel_requests_;
  }

  // Runs one step: resumes the coroutine, and completes the task if it ended.
  void step();
  // Schedules the next step with call_soon (a wake-up, so a scheduler choice).
  void schedule_step(SourceLocation site);

  // The loop's side of a scheduled step. A step is not a handle record: the
  // ready queue holds the task itself, and what an observed loop reports of
  // the step (the call_soon that caused it, the site) is kept here. A task
  // has at most one step scheduled at a time, as an asyncio Task has one
  // __step: every path that schedules one first ends the wait or sleep that
  // would have scheduled another, or leaves it to a wake-up on its way.
  enum class StepState : std::uint8_t { none, unlabelled, labelled };
  struct StepLabels {
    std::uint64_t cause = 0;          // seq of the step's call_soon event
    SourceLocation site{};            // where the step was scheduled
  };
  void step_scheduled(bool labelled) noexcept {
    DETSIM_ASSERT(step_state_ == StepState::none);
    step_state_ = labelled ? StepState::labelled : StepState::unlabelled;
  }
  StepState step_state() const noexcept { return step_state_; }
  // Written and read only while the loop labels what it schedules (it is
  // observed, or its scheduler reads candidates), and by
  // LoopCore::start_observing for a step scheduled unlabelled.
  StepLabels& step_labels() noexcept { return step_labels_; }
  const StepLabels& step_labels() const noexcept { return step_labels_; }
  void label_step(const StepLabels& labels) noexcept {
    step_labels_ = labels;
    step_state_ = StepState::labelled;
  }

  // Awaiter hooks. The coroutine of this task is suspending on `future`.
  void wait_on(FutureStateBase& future, SourceLocation site);
  // The coroutine is suspending in sleep(delay) (delay <= 0: a bare yield).
  // Inline: a yield is a step's whole await.
  void sleep_for(std::chrono::nanoseconds delay, SourceLocation site) {
    if (delay <= std::chrono::nanoseconds::zero()) {
      schedule_step(site);
    } else {
      start_sleep(delay, site);
    }
  }
  // The coroutine resumes from awaiting `awaited` (null: from a sleep):
  // throws what was injected (a cancel()'s CancelledError, a refused
  // await's RuntimeError), unless a cancellation meets an awaited future
  // that was cancelled itself; an awaited future's exception then counts as
  // retrieved. (Inline test: every await of every step passes here.)
  void resume_from_wait(FutureStateBase* awaited = nullptr) {
    if (injected_) [[unlikely]] resume_cancelled(awaited);
  }

  // The coroutine ended with an exception (from the promise).
  void set_completion_exception(std::exception_ptr exception) noexcept {
    completion_exception_ = std::move(exception);
  }
  // Destroys the frame of a task that will never run again (loop teardown).
  void abandon() noexcept;
  // "'name' (task 3) awaits future 7", for deadlock reports.
  std::string describe() const;
  // What the task waits on (null: it sleeps, is ready or runs), and the site
  // of that await: for the wait-for graph (sim/core/wait_graph.hpp).
  const FutureStateBase* waiting_on() const noexcept { return waiting_on_; }
  SourceLocation wait_site() const noexcept { return wait_site_; }
  bool sleeping() const noexcept { return sleeping_; }
  LoopCore* loop() const noexcept { return loop_; }

 private:
  void resume_cancelled(FutureStateBase* awaited);
  // cancel()'s ends: a ring of awaits broken at this task, or a cancellation
  // this task takes itself (at its next step, or now if it sleeps).
  void break_ring(std::string_view message, SourceLocation site);
  void request_cancel(std::string_view message, SourceLocation site);
  // Injects the CancelledError of the future asyncio's sleep would await.
  void cancel_sleep(std::string_view message);
  // An await this task may not make (of itself, of another loop's future):
  // the coroutine gets a RuntimeError at its next step. Out of line: the
  // error's message is built only here.
  [[gnu::noinline]] void refuse_await(const FutureStateBase& future, SourceLocation site);
  // The first task, following the chain of tasks this one awaits (starting
  // with itself), that lies on a ring of awaits; null if the chain ends.
  const TaskCore* first_task_on_a_ring() const noexcept;
  // A sleep of delay > 0 (cancelled at once if a cancel() is pending).
  void start_sleep(std::chrono::nanoseconds delay, SourceLocation site);
  // Reports a task event (task_created, cancel_requested) to the observed
  // loop. Out of line: a recorded event inlines the whole recorder, and
  // cancel() recurses once per task in a chain of awaits.
  [[gnu::noinline]] void announce(EventKind kind, std::string_view detail, SourceLocation site);
  void complete();
  void wake();
  void stop_waiting() noexcept;
  friend TaskCore& require_current_task(const char* what, std::coroutine_handle<> awaiting);

  // What every step, wait and wake-up reads comes first and fits in 64
  // bytes: with 100k tasks a picked task is cold in cache, and spreading
  // these over the whole object cost two more cache misses per step.
  FutureStateBase& future_;
  std::coroutine_handle<> frame_;
  LoopCore* loop_ = nullptr;
  std::exception_ptr injected_;
  FutureStateBase* waiting_on_ = nullptr;
  std::uint64_t wait_callback_id_ = 0;
  SourceLocation wait_site_{};
  bool scheduled_once_ = false;
  bool resumed_once_ = false;
  bool must_cancel_ = false;
  bool sleeping_ = false;
  bool passing_cancel_on_ = false;  // inside cancel(), passing it on to waiting_on_
  bool await_refused_ = false;  // the pending step ends a refused await (injected_ is thrown whatever it awaited)
  StepState step_state_ = StepState::none;
  // Names, ids, cancellation details and the sleep timer: rarely read.
  std::string name_;
  std::uint64_t task_id_ = 0;
  std::coroutine_handle<> root_frame_;  // the task's own frame (frame_ may be a Coroutine's)
  std::uint64_t cancel_requests_ = 0;  // cancelling()
  std::string cancel_message_;
  std::exception_ptr completion_exception_;
  TimerHandle sleep_timer_;
  StepLabels step_labels_;

 public:
  // Intrusive list of a loop's live tasks, in creation order.
  TaskCore* live_previous = nullptr;
  TaskCore* live_next = nullptr;
};

// The task whose step is running on this thread, or null. constinit (no
// dynamic initialization), so reading it inline is a plain TLS load.
extern constinit thread_local TaskCore* running_task;
inline TaskCore* current_task() noexcept { return running_task; }
[[noreturn]] void throw_outside_task(const char* what);
// current_task(), or a clear RuntimeError if detsim awaitables are used
// outside a detsim Task. `awaiting` is the coroutine suspending: it must be
// the current task's own, not another coroutine type running inside a task's
// step (the task would then be woken at whatever await it really is in).
inline TaskCore& require_current_task(const char* what, std::coroutine_handle<> awaiting) {
  TaskCore* task = running_task;
  if (!task || task->frame_ != awaiting) [[unlikely]] throw_outside_task(what);
  return *task;
}

}  // namespace detsim::detail
