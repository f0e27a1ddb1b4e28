#include "detsim/core/detail/future_state.hpp"

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <utility>

#include "detsim/base/detail/assert.hpp"
#include "detsim/base/errors.hpp"
#include "core/loop_core.hpp"

namespace detsim::detail {

namespace {

const char* status_name(FutureStateBase::Status status) {
  switch (status) {
    case FutureStateBase::Status::pending: return "PENDING";
    case FutureStateBase::Status::finished: return "FINISHED";
    case FutureStateBase::Status::cancelled: return "CANCELLED";
  }
  return "?";
}

}  // namespace

void FutureStateBase::attach(LoopCore& loop, SourceLocation site, bool announce) {
  anchor_ = IntrusivePtr<LoopAnchor>(&loop.anchor());
  id_ = loop.next_future_id();
  if (announce && loop.reports_future_creation()) [[unlikely]] announce_creation(loop, site);
}

// Defined here, not in event_loop.cpp, so that create_future makes one call,
// not two: attach inlines into it.
void attach_future(LoopCore& loop, FutureStateBase& state, SourceLocation site) { state.attach(loop, site, true); }

void FutureStateBase::announce_creation(LoopCore& loop, SourceLocation site) {
  loop.report(Event{.kind = EventKind::future_created, .cause = loop.current_cause(), .future = id_, .site = site});
}

void FutureStateBase::report_unretrieved() noexcept {
  if (!exception_unretrieved_) return;
  exception_unretrieved_ = false;
  ExceptionContext context;
  context.message = task_ ? "Task exception was never retrieved" : "Future exception was never retrieved";
  context.exception = exception_;
  context.future = id_;
  if (task_) context.task_name = task_->name();
  if (LoopCore* loop = this->loop()) {
    loop->remove_unretrieved(*this);
    loop->call_exception_handler(context);
  } else {
    default_exception_handler(context);
  }
}

void FutureStateBase::throw_not_pending(const char* operation) const {
  throw InvalidStateError("detsim.future.done", std::string(operation) + ": future " + std::to_string(id_) +
                                                    " is already done (" + status_name(status_) + ")");
}

void FutureStateBase::throw_is_task(const char* operation) const {
  throw RuntimeError("detsim.task." + std::string(operation),
                     "Task does not support " + std::string(operation) + " operation");
}

const std::string& FutureStateBase::cancel_message() const noexcept {
  static const std::string none;
  return rare_ ? rare_->cancel_message : none;
}

void FutureStateBase::check_result_slow() {
  if (status_ == Status::pending) throw InvalidStateError("detsim.future.pending", "Result is not set.");
  if (status_ == Status::cancelled) throw CancelledError(cancel_message());
  if (exception_) {
    mark_retrieved();
    std::rethrow_exception(exception_);
  }
}

void FutureStateBase::mark_retrieved() noexcept {
  if (!exception_unretrieved_) return;
  exception_unretrieved_ = false;
  if (LoopCore* loop = this->loop()) loop->remove_unretrieved(*this);
}

std::exception_ptr FutureStateBase::exception() {
  if (status_ == Status::pending) throw InvalidStateError("detsim.future.pending", "Exception is not set.");
  if (status_ == Status::cancelled) throw CancelledError(cancel_message());
  mark_retrieved();
  return exception_;
}

void FutureStateBase::finish_with_result(SourceLocation site) {
  ensure_pending("set_result");
  complete(Status::finished, site);
}

void FutureStateBase::set_exception(std::exception_ptr exception, SourceLocation site) {
  ensure_not_task("set_exception");
  fail(std::move(exception), site);
}

void FutureStateBase::fail(std::exception_ptr exception, SourceLocation site) {
  ensure_pending("set_exception");
  if (!exception) throw InvalidStateError("detsim.future.null_exception", "set_exception: the exception is null");
  exception_ = std::move(exception);
  exception_unretrieved_ = true;
  if (LoopCore* loop = this->loop()) loop->add_unretrieved(*this);
  complete(Status::finished, site);
}

void FutureStateBase::set_cancel_handler(std::function<bool(std::string_view, SourceLocation)> handler) {
  DETSIM_ASSERT(task_ == nullptr && "a task's cancel() is the task's own");
  rare().cancel_handler = std::move(handler);
}

bool FutureStateBase::cancel(std::string_view message, SourceLocation site) {
  if (task_) return task_->cancel(message, site);
  return cancel_as_future(message, site);
}

bool FutureStateBase::cancel_as_future(std::string_view message, SourceLocation site) {
  // As asyncio's cancel(), before the done test: whoever cancels a future
  // that already failed has dealt with it, so its exception is not reported
  // as never retrieved.
  mark_retrieved();
  if (done()) return false;
  if (rare_ && rare_->cancel_handler) [[unlikely]] {
    // A copy: the handler may complete this future, which may drop it.
    auto handler = rare_->cancel_handler;
    return handler(message, site);
  }
  rare().cancel_message = message;
  complete(Status::cancelled, site);
  return true;
}

void FutureStateBase::complete(Status status, SourceLocation site) {
  // A done callback may drop the last handle to this future.
  IntrusivePtr<FutureStateBase> keep_alive(this);
  status_ = status;
  if (LoopCore* loop = this->loop(); loop && loop->observed()) [[unlikely]] {
    complete_observed(*loop, site);
    return;
  }
  // Callbacks run once each, in registration order, each out of reach first:
  // remove_done_callback no longer finds it, and a callback added meanwhile
  // finds the future done and runs at once.
  if (has_more_callbacks()) [[unlikely]] {
    run_callbacks_taken_out(nullptr, 0);
    return;
  }
  // Most futures have one waiter. It runs where it is, made unfindable by
  // its id (no callback has id 0), and is destroyed after.
  if (first_callback_.function) {
    first_callback_.id = 0;
    run_done_callback(first_callback_.function);
    first_callback_.function.reset();
  }
}

void FutureStateBase::complete_observed(LoopCore& loop, SourceLocation site) {
  // complete() with its events. The callbacks are destroyed once the cause
  // is restored: what their captures' destructors do is caused by whatever
  // completed the future, not by the completion.
  const std::uint64_t previous_cause = announce_completion(loop, site);
  if (has_more_callbacks()) [[unlikely]] {
    run_callbacks_taken_out(&loop, previous_cause);
    return;
  }
  if (first_callback_.function) {
    first_callback_.id = 0;
    invoke_done_callback(first_callback_.function, false, &loop);
  }
  restore_cause(previous_cause);
  first_callback_.function.reset();
}

void FutureStateBase::run_callbacks_taken_out(LoopCore* observed_loop, std::uint64_t previous_cause) {
  DoneCallback first = std::move(first_callback_);
  std::vector<DoneCallback> more;
  more.swap(rare_->more_callbacks);
  // loop() asked again for each: a callback may destroy the loop.
  if (first.function) invoke_done_callback(first.function, false, loop());
  for (DoneCallback& callback : more) {
    if (callback.function) invoke_done_callback(callback.function, false, loop());
  }
  if (observed_loop) restore_cause(previous_cause);
}  // (first and more are destroyed here, after)

inline std::uint64_t FutureStateBase::announce_completion(LoopCore& loop, SourceLocation site) {
  const auto report = [&](EventKind kind, std::string_view detail) __attribute__((always_inline)) {
    return loop.report(Event{.kind = kind,
                             .cause = loop.current_cause(),
                             .future = id_,
                             .task = task_ ? task_->task_id() : 0,
                             .name = task_ ? std::string_view(task_->name()) : std::string_view{},
                             .detail = detail,
                             .site = site});
  };
  // A result, the common case, has no detail to format (and its report, with
  // the detail a constant empty, records no detail).
  std::uint64_t seq;
  if (status_ == Status::cancelled) {
    seq = report(EventKind::cancel, cancel_message());
  } else if (exception_) {
    seq = report(EventKind::set_exception, describe(exception_));
  } else {
    seq = report(EventKind::set_result, {});
  }
  return loop.exchange_cause(seq);
}

inline std::uint64_t FutureStateBase::announce_done_callback(LoopCore& loop, bool immediate) {
  const std::uint64_t seq = loop.report(Event{.kind = EventKind::done_callback,
                                              .cause = loop.current_cause(),
                                              .future = id_,
                                              .task = task_ ? task_->task_id() : 0,
                                              .immediate = immediate,
                                              .name = task_ ? std::string_view(task_->name()) : std::string_view{}});
  return loop.exchange_cause(seq);
}

inline void FutureStateBase::invoke_done_callback(DoneFunction& function, bool immediate, LoopCore* loop) {
  std::uint64_t previous_cause = 0;
  const bool observed = loop && loop->observed();
  if (observed) [[unlikely]] previous_cause = announce_done_callback(*loop, immediate);
  run_done_callback(function);
  if (observed) restore_cause(previous_cause);
}

inline void FutureStateBase::restore_cause(std::uint64_t cause) noexcept {
  // The anchor's loop again, not the loop the callbacks started with: a
  // callback may have destroyed it (the future outlives its loop). (Only
  // called after callbacks of an observed loop: the future has an anchor.)
  if (LoopCore* loop = anchor_->core) loop->exchange_cause(cause);
}

inline void FutureStateBase::run_done_callback(DoneFunction& function) {
  try {
    function(*this);
  } catch (...) {
    report_done_callback_exception();
  }
}

void FutureStateBase::report_done_callback_exception() {
  ExceptionContext context;
  context.message = "Exception in done callback";
  context.exception = std::current_exception();
  context.future = id_;
  if (LoopCore* loop = this->loop()) {
    loop->call_exception_handler(context);
  } else {
    default_exception_handler(context);
  }
}

std::uint64_t FutureStateBase::add_done_callback(DoneFunction&& function, SourceLocation) {
  const std::uint64_t id = next_callback_id_++;
  if (done()) {
    invoke_done_callback(function, true, loop());
    return id;
  }
  // Keep registration order: the inline slot is reused only when no later
  // callback sits in the vector.
  if (!first_callback_.function && !has_more_callbacks()) {
    first_callback_.function = std::move(function);
    first_callback_.id = id;
  } else {
    rare().more_callbacks.push_back(DoneCallback{std::move(function), id});
  }
  return id;
}

std::size_t FutureStateBase::remove_done_callback(std::uint64_t callback_id) noexcept {
  if (callback_id == 0) return 0;  // ids start at 1; 0 marks a callback that is running
  if (first_callback_.function && first_callback_.id == callback_id) {
    first_callback_.function.reset();
    return 1;
  }
  if (!rare_) return 0;
  std::vector<DoneCallback>& more = rare_->more_callbacks;
  for (auto it = more.begin(); it != more.end(); ++it) {
    if (it->function && it->id == callback_id) {
      more.erase(it);
      return 1;
    }
  }
  return 0;
}

}  // namespace detsim::detail
