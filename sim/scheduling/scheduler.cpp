#include "detsim/scheduling/scheduler.hpp"

#include <string>

#include "detsim/base/errors.hpp"
#include "detsim/core/observer.hpp"

namespace detsim {

std::string_view to_string(CandidateKind kind) noexcept {
  switch (kind) {
    case CandidateKind::step: return "step";
    case CandidateKind::callback: return "callback";
    case CandidateKind::timer: return "timer";
  }
  return "unknown";
}

void ReadyCandidates::throw_not_described(std::size_t index) const {
  if (source_ == nullptr) {
    throw Error("detsim.scheduler.candidates",
                "ReadyCandidates::candidate(" + std::to_string(index) +
                    "): this view has only a count; a scheduler that reads candidates says so with "
                    "reads_candidates() (and cannot be asked pick(count))");
  }
  throw Error("detsim.scheduler.candidates", "ReadyCandidates::candidate(" + std::to_string(index) +
                                                 "): out of range, " + std::to_string(size_) + " candidates are ready");
}

std::unique_ptr<Scheduler> FifoScheduler::clone_fresh() const { return std::make_unique<FifoScheduler>(); }

std::unique_ptr<Scheduler> RandomScheduler::clone_fresh() const { return std::make_unique<RandomScheduler>(seed_); }

std::unique_ptr<Scheduler> ChoiceScheduler::clone_fresh() const {
  return std::make_unique<ChoiceScheduler>(choices_, seed_);
}

std::string_view to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::loop_run: return "loop_run";
    case EventKind::loop_stop: return "loop_stop";
    case EventKind::loop_close: return "loop_close";
    case EventKind::call_soon: return "call_soon";
    case EventKind::timer_scheduled: return "timer_scheduled";
    case EventKind::timer_due: return "timer_due";
    case EventKind::handle_cancelled: return "handle_cancelled";
    case EventKind::step: return "step";
    case EventKind::callback: return "callback";
    case EventKind::future_created: return "future_created";
    case EventKind::task_created: return "task_created";
    case EventKind::set_result: return "set_result";
    case EventKind::set_exception: return "set_exception";
    case EventKind::cancel: return "cancel";
    case EventKind::cancel_requested: return "cancel_requested";
    case EventKind::done_callback: return "done_callback";
    case EventKind::clock_advanced: return "clock_advanced";
  }
  return "unknown";
}

}  // namespace detsim
