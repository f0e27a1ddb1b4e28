#include "detsim/asyncio/task_group.hpp"

namespace detsim::asyncio {

void TaskGroup::enter() {
  if (entered_) throw RuntimeError("detsim.asyncio.task_group.state", "TaskGroup has been already entered");
  entered_ = true;
  loop_ = &get_running_loop();
  parent_ = ::detsim::detail::current_task();
  if (parent_ == nullptr) {
    throw RuntimeError("detsim.asyncio.task_group.outside_task", "TaskGroup cannot determine the parent task");
  }
}

void TaskGroup::check_can_create() const {
  if (!entered_) throw RuntimeError("detsim.asyncio.task_group.state", "TaskGroup has not been entered");
  if (exiting_ && tasks_.empty()) throw RuntimeError("detsim.asyncio.task_group.state", "TaskGroup is finished");
  if (aborting_) throw RuntimeError("detsim.asyncio.task_group.state", "TaskGroup is shutting down");
}

void TaskGroup::adopt(State& child, std::uint64_t task_id) {
  tasks_.emplace(task_id, ::detsim::detail::IntrusivePtr<State>(&child));
  // The group outlives its children's completions: exit() waits for all.
  child.add_done_callback_in_place([this, task_id](State& done) { on_task_done(done, task_id); }, {});
}

void TaskGroup::abort() {
  aborting_ = true;
  // A copy: a cancel() may complete a child at once, which erases it.
  std::vector<::detsim::detail::IntrusivePtr<State>> children;
  children.reserve(tasks_.size());
  for (auto& [id, child] : tasks_) children.push_back(child);
  for (auto& child : children) {
    if (!child->done()) child->cancel({}, {});
  }
}

void TaskGroup::on_task_done(State& child, std::uint64_t task_id) {
  tasks_.erase(task_id);
  if (on_completed_.valid() && tasks_.empty() && !on_completed_.done()) on_completed_.set_result();
  if (child.cancelled()) return;
  std::exception_ptr error = child.exception();
  if (!error) return;
  errors_.push_back(error);
  if (parent_->future().done()) {
    loop_->call_exception_handler({"Task has errored out but its parent task is already completed", error,
                                   child.id(), 0, child.task() ? child.task()->name() : std::string()});
    return;
  }
  if (!aborting_ && !parent_cancel_requested_) {
    abort();
    parent_cancel_requested_ = true;
    parent_->cancel({}, {});
  }
}

Coroutine<void> TaskGroup::exit(std::exception_ptr body_error) {
  exiting_ = true;
  std::exception_ptr propagate_cancellation = detail::is_cancelled_error(body_error) ? body_error : nullptr;
  if (parent_cancel_requested_ && parent_->uncancel() == 0) propagate_cancellation = nullptr;
  if (body_error && !aborting_) abort();
  while (!tasks_.empty()) {
    if (!on_completed_.valid()) on_completed_ = loop_->create_future<void>();
    try {
      co_await on_completed_;
    } catch (const CancelledError&) {
      if (!aborting_) {
        propagate_cancellation = std::current_exception();
        abort();
      }
    }
    on_completed_ = Future<void>();
  }
  if (propagate_cancellation && errors_.empty()) std::rethrow_exception(propagate_cancellation);
  if (body_error && !detail::is_cancelled_error(body_error)) errors_.push_back(body_error);
  if (!errors_.empty()) throw ExceptionGroup("unhandled errors in a TaskGroup", std::move(errors_));
}

}  // namespace detsim::asyncio
