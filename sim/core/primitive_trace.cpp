#include "detsim/core/primitive_trace.hpp"

#include "core/loop_core.hpp"
#include "detsim/core/current_task.hpp"
#include "detsim/core/detail/future_state.hpp"
#include "detsim/core/detail/task_core.hpp"
#include "detsim/core/wait_target.hpp"

namespace detsim {

namespace {

// The running loop, if something observes it (else no event is reported).
detail::LoopCore* observed_running_loop() noexcept {
  EventLoop* loop = detail::running_loop_slot();
  if (loop == nullptr || !loop->core().observed()) return nullptr;
  return &loop->core();
}

}  // namespace

std::uint64_t PrimitiveTrace::id_on(EventLoop& loop) const {
  detail::LoopCore& core = loop.core();
  if (!core.observed()) return 0;
  if (loop_serial_ != core.serial()) {
    loop_serial_ = core.serial();
    id_ = core.next_primitive_id();
  }
  return id_;
}

std::uint64_t PrimitiveTrace::report(EventKind kind, std::string_view detail, SourceLocation site) const {
  if (observed_running_loop() == nullptr) return 0;
  const detail::TaskCore* task = detail::current_task();
  return task ? report_about(kind, task->task_id(), task->name(), detail, site)
              : report_about(kind, 0, {}, detail, site);
}

std::uint64_t PrimitiveTrace::report_about(EventKind kind, std::uint64_t task_id, std::string_view task_name,
                                           std::string_view detail, SourceLocation site,
                                           std::chrono::nanoseconds when) const {
  detail::LoopCore* loop = observed_running_loop();
  if (loop == nullptr) return 0;
  id_on(loop->owner());
  return loop->report(Event{.kind = kind,
                            .cause = loop->current_cause(),
                            .task = task_id,
                            .when = when,
                            .name = task_id != 0 ? task_name : std::string_view{},
                            .detail = detail,
                            .site = site,
                            .primitive = this});
}

void detail::report_wait(const WaitTarget& target, SourceLocation site) {
  if (const PrimitiveTrace* trace = target.primitive_trace()) trace->report(EventKind::wait, {}, site);
}

CausedBy::CausedBy(std::uint64_t seq) noexcept {
  if (seq == 0) return;
  EventLoop* loop = detail::running_loop_slot();
  if (loop == nullptr) return;
  loop_ = &loop->core();
  previous_ = loop->core().exchange_cause(seq);
}

CausedBy::~CausedBy() {
  if (loop_ != nullptr) static_cast<detail::LoopCore*>(loop_)->exchange_cause(previous_);
}

CurrentTask current_task() noexcept {
  const detail::TaskCore* task = detail::current_task();
  if (task == nullptr) return {};
  return CurrentTask{task->task_id(), task->name()};
}

}  // namespace detsim
