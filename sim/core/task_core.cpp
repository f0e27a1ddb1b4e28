#include "detsim/core/detail/task_core.hpp"

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "detsim/base/detail/assert.hpp"
#include "detsim/core/detail/deadline.hpp"
#include "detsim/base/errors.hpp"
#include "core/loop_core.hpp"

namespace detsim::detail {

constinit thread_local TaskCore* running_task = nullptr;

namespace {

bool is_cancellation(const std::exception_ptr& error) {
  if (!error) return false;
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

void throw_outside_task(const char* what) {
  throw RuntimeError("detsim.task.outside", std::string(what) + " outside a detsim::Task");
}

TaskCore::TaskCore(FutureStateBase& future, std::coroutine_handle<> frame) noexcept
    : future_(future), frame_(frame), root_frame_(frame) {}

TaskCore::~TaskCore() {
  // The future part is still alive here; report while the name is too.
  future_.report_unretrieved();
  if (root_frame_) root_frame_.destroy();
}

void TaskCore::start(LoopCore& loop, std::string name, SourceLocation site) {
  if (scheduled_once_) {
    throw RuntimeError("detsim.task.already_scheduled", "Task '" + name_ + "' was already scheduled");
  }
  loop.ensure_open();
  future_.attach(loop, site, false);
  loop_ = &loop;
  task_id_ = loop.next_task_id();
  if (!name.empty()) {
    name_ = std::move(name);
  } else if (name_.empty()) {
    name_ = "Task-" + std::to_string(task_id_);
  }
  scheduled_once_ = true;
  loop.add_live_task(*this);
  if (loop.observed()) announce(EventKind::task_created, {}, site);
  schedule_step(site);
}

void TaskCore::schedule_step(SourceLocation site) {
  loop_->schedule_step(*this, site);
}

void TaskCore::step() {
  DETSIM_ASSERT(frame_);
  step_state_ = StepState::none;
  if (must_cancel_) {
    must_cancel_ = false;
    auto cancelled = std::make_exception_ptr(CancelledError(cancel_message_));
    if (!resumed_once_) {
      // Cancelled before its first step: the body never runs (asyncio throws
      // into the coroutine before its first line, with the same effect).
      completion_exception_ = std::move(cancelled);
      complete();
      return;
    }
    // asyncio's __step keeps a CancelledError it resumes with (a cancelled
    // sleep's) and replaces any other exception (a refused await's).
    if (!injected_ || await_refused_) injected_ = std::move(cancelled);
  }
  resumed_once_ = true;
  TaskCore* previous = std::exchange(running_task, this);
  frame_.resume();  // the innermost coroutine: the task's own, or a Coroutine it awaits
  running_task = previous;
  // frame_ is the task's own frame again whenever that one has ended (a
  // finished Coroutine hands frame_ back to its awaiter before resuming it).
  if (frame_.done()) complete();
}

void TaskCore::complete() {
  IntrusivePtr<FutureStateBase> keep_alive(&future_);
  // The coroutine's locals are gone; its parameters go with the frame, before
  // anyone is told the task is done.
  DETSIM_ASSERT(frame_ == root_frame_);
  root_frame_.destroy();
  root_frame_ = frame_ = {};
  loop_->remove_live_task(*this);
  std::exception_ptr exception = std::move(completion_exception_);
  completion_exception_ = nullptr;
  if (!exception && must_cancel_) {
    // cancel() was requested during this last step (the task cancelled
    // itself, or a done callback it triggered did) and the coroutine returned
    // without awaiting again. asyncio's __step: "Task is cancelled right
    // before coro stops", so the cancellation wins over the return value.
    must_cancel_ = false;
    exception = std::make_exception_ptr(CancelledError(cancel_message_));
  }
  if (!exception) {
    future_.finish_with_result(SourceLocation{});
    return;
  }
  try {
    std::rethrow_exception(exception);
  } catch (const CancelledError& cancelled) {
    future_.cancel_as_future(cancelled.cancel_message(), SourceLocation{});
  } catch (...) {
    future_.fail(exception, SourceLocation{});
  }
}

void TaskCore::announce(EventKind kind, std::string_view detail, SourceLocation site) {
  loop_->report(Event{.kind = kind,
                      .cause = loop_->current_cause(),
                      .future = future_.id(),
                      .task = task_id_,
                      .name = name_,
                      .detail = detail,
                      .site = site});
}

bool TaskCore::cancel(std::string_view message, SourceLocation site) {
  // As asyncio's Task.cancel(), before the done test: a task that already
  // failed, once cancelled, has its exception no longer reported as never
  // retrieved.
  future_.mark_retrieved();
  if (future_.done()) return false;
  // asyncio's cancel() recurses down the chain of awaits (a task awaiting a
  // task awaiting ... a future) and cancels what is at the bottom. Walked
  // here in a loop instead, so that a chain of a million tasks cannot
  // overflow the stack; each task in between has passing_cancel_on_ set while
  // the cancellation travels on below it, as if the calls were nested.
  struct Passing {
    TaskCore* task;
    bool was_passing;
  };
  struct RestoreFlags {
    std::vector<Passing> passing;
    ~RestoreFlags() {
      for (auto it = passing.rbegin(); it != passing.rend(); ++it) it->task->passing_cancel_on_ = it->was_passing;
    }
  } restore;
  TaskCore* task = this;
  // Where the chain of awaits from here runs into a ring, if it does: found
  // once, when the walk first meets a task already passing a cancel() on
  // (asking each such task whether its chain leads back to it made a cancel
  // re-entering a deep chain quadratic).
  const TaskCore* ring_entry = nullptr;
  bool ring_found = false;
  bool on_ring = false;  // the walk has reached the ring (and stays on it)
  for (;;) {
    // Each task the walk reaches is pending and has a cancel() of its own in
    // asyncio's recursion: each counts one request (Task.cancelling()).
    ++task->cancel_requests_;
    if (task->loop_ && task->loop_->observed()) task->announce(EventKind::cancel_requested, message, site);
    const bool passing_on = task->waiting_on_ && task->passing_cancel_on_;
    if (passing_on && !ring_found) {
      ring_entry = task->first_task_on_a_ring();
      ring_found = true;
    }
    on_ring = on_ring || (ring_found && task == ring_entry);
    // (The second test only matters to an observer that breaks its contract
    // and cancels from on_event, changing the chain under the walk: a walk
    // longer than there are tasks goes round a ring it did not foresee.)
    const bool lapped = loop_ && restore.passing.size() > loop_->tasks_started();
    if (task->waiting_on_ && ((passing_on && on_ring) || lapped)) {
      task->break_ring(message, site);
      return true;
    }
    FutureStateBase* awaited = task->waiting_on_;
    if (!awaited) break;  // the task itself takes the CancelledError
    // Recorded before it is set: if recording throws (bad_alloc), the flag
    // is left as it was.
    restore.passing.push_back({task, task->passing_cancel_on_});
    task->passing_cancel_on_ = true;
    TaskCore* next = awaited->task();
    if (next == nullptr) {
      // The bottom: a future. Cancelling it delivers the CancelledError
      // (through the wake-up), unless it is done already.
      if (awaited->cancel_as_future(message, site)) return true;
      break;
    }
    if (next->future_.done()) break;  // done: it will wake `task` anyway
    task = next;
  }
  // What `task` awaits (if anything) could not be cancelled: it takes the
  // CancelledError itself, at its next step. (Its flag is restored first, as
  // it was when this was a nested call returning.)
  if (!restore.passing.empty() && restore.passing.back().task == task) {
    task->passing_cancel_on_ = restore.passing.back().was_passing;
    restore.passing.pop_back();
  }
  task->request_cancel(message, site);
  return true;
}

void TaskCore::break_ring(std::string_view message, SourceLocation site) {
  // This cancel() came back to us around a ring of tasks awaiting each other
  // (A awaits B awaits A): passing it on again would go round forever. Break
  // the ring here: take the CancelledError at our next step; whoever awaits
  // us gets it from us. (A cancel() that comes back otherwise, from a done
  // callback of something down our chain of awaits, is passed on like any
  // other, as asyncio does.)
  must_cancel_ = true;
  cancel_message_ = message;
  // A completing future has taken its callbacks out, our wake-up among
  // them: that wake-up schedules the step (a task has one step at a time).
  if (waiting_on_->remove_done_callback(wait_callback_id_) == 0) return;
  waiting_on_ = nullptr;
  schedule_step(site);
}

void TaskCore::request_cancel(std::string_view message, SourceLocation site) {
  if (sleeping_) {
    sleeping_ = false;
    sleep_timer_.cancel();
    cancel_sleep(message);
    schedule_step(site);
    return;
  }
  must_cancel_ = true;
  cancel_message_ = message;
}

void TaskCore::cancel_sleep(std::string_view message) {
  // asyncio's sleep awaits a future, which the cancel() cancels: the task
  // resumes with that future's CancelledError, and a later cancel() before
  // it resumes changes nothing (its message is not the one seen).
  injected_ = std::make_exception_ptr(CancelledError(message));
}

void TaskCore::wait_on(FutureStateBase& future, SourceLocation site) {
  DETSIM_ASSERT(waiting_on_ == nullptr);
  if (TaskCore* child = future.task(); child && !child->started()) {
    // A coroutine awaited by a task becomes a task of its own.
    child->start(*loop_, {}, site);
  } else if (&future == &future_ || future.loop() != loop_) [[unlikely]] {
    refuse_await(future, site);
    return;
  }
  waiting_on_ = &future;
  wait_site_ = site;
  wait_callback_id_ = future.add_done_callback_in_place([this](FutureStateBase&) { wake(); }, site);
  if (must_cancel_ && waiting_on_ && waiting_on_->cancel(cancel_message_, site)) must_cancel_ = false;
}

void TaskCore::refuse_await(const FutureStateBase& future, SourceLocation site) {
  const bool itself = &future == &future_;
  injected_ = std::make_exception_ptr(
      itself ? RuntimeError("detsim.task.await_self", "Task cannot await on itself: " + describe())
             : RuntimeError("detsim.task.wrong_loop", "Task '" + name_ + "' got Future " + std::to_string(future.id()) +
                                                          " attached to a different loop"));
  // As asyncio's __step: the error is thrown in at the task's next step,
  // which is scheduled like any wake-up (so other callbacks may run first).
  await_refused_ = true;
  schedule_step(site);
}

void TaskCore::wake() {
  waiting_on_ = nullptr;
  schedule_step(wait_site_);
}

void TaskCore::start_sleep(std::chrono::nanoseconds delay, SourceLocation site) {
  if (must_cancel_) {
    // Cancelled before it sleeps: the sleep is cancelled at once.
    must_cancel_ = false;
    cancel_sleep(cancel_message_);
    schedule_step(site);
    return;
  }
  sleeping_ = true;
  wait_site_ = site;
  sleep_timer_ = loop_->call_at(
      deadline_after(loop_->now(), delay),
      [this] {
        sleeping_ = false;
        schedule_step(wait_site_);
      },
      site, this);
}

const TaskCore* TaskCore::first_task_on_a_ring() const noexcept {
  // The chain this task awaits, task by task. Floyd's cycle finding: if a
  // fast walker (two steps at a time) meets a slow one, the chain runs into
  // a ring; walking on from the meeting point and from the start, one step
  // at a time, the two meet where the ring begins.
  const auto next = [](const TaskCore* task) -> const TaskCore* {
    return task->waiting_on_ ? task->waiting_on_->task() : nullptr;
  };
  const TaskCore* slow = this;
  const TaskCore* fast = this;
  do {
    slow = next(slow);
    fast = next(fast);
    if (fast) fast = next(fast);
    if (!slow || !fast) return nullptr;
  } while (slow != fast);
  for (slow = this; slow != fast; slow = next(slow), fast = next(fast)) {
  }
  return slow;
}

void TaskCore::resume_cancelled(FutureStateBase* awaited) {
  std::exception_ptr injected = std::move(injected_);
  injected_ = nullptr;
  // asyncio's __step keeps the CancelledError it resumes with: if the
  // awaited future was cancelled, its own error (and message) reaches the
  // coroutine through its result instead of the task's. A refused await
  // awaited nothing: what was injected is thrown.
  const bool refused = std::exchange(await_refused_, false);
  if (!refused && awaited && awaited->cancelled()) return;
  // asyncio's __wakeup reads the awaited future's result before the step
  // throws the cancellation in: a failed future's exception is retrieved
  // (not reported as never retrieved when it is dropped), and kept if it is
  // a CancelledError (a cancelled gather's).
  if (!refused && awaited && awaited->done() && is_cancellation(awaited->exception())) return;
  std::rethrow_exception(injected);
}

void TaskCore::stop_waiting() noexcept {
  if (waiting_on_) {
    waiting_on_->remove_done_callback(wait_callback_id_);
    waiting_on_ = nullptr;
  }
  if (sleeping_) {
    sleeping_ = false;
    sleep_timer_.cancel();
  }
}

void TaskCore::abandon() noexcept {
  stop_waiting();
  // The task will never run again, and its loop may be destroyed while Task
  // handles live on: forget the loop so a later cancel() cannot reach it.
  loop_ = nullptr;
  if (root_frame_) {
    // The task's own frame owns the Coroutines it awaits: destroying it
    // destroys theirs too, innermost first.
    root_frame_.destroy();
    root_frame_ = frame_ = {};
  }
}

std::string TaskCore::describe() const {
  std::string text = "'" + name_ + "' (task " + std::to_string(task_id_) + ")";
  if (waiting_on_) {
    const TaskCore* other = waiting_on_->task();
    text += other ? " awaits task '" + other->name_ + "'" : " awaits future " + std::to_string(waiting_on_->id());
  } else if (sleeping_) {
    text += " sleeps";
  }
  return text;
}

}  // namespace detsim::detail
