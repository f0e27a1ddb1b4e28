#include "detsim/core/observer.hpp"

namespace detsim {

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
    case EventKind::wait: return "wait";
    case EventKind::wake: return "wake";
    case EventKind::acquire: return "acquire";
    case EventKind::release: return "release";
    case EventKind::put: return "put";
    case EventKind::get: return "get";
    case EventKind::notify: return "notify";
    case EventKind::timeout: return "timeout";
    case EventKind::task_leaked: return "task_leaked";
  }
  return "unknown";
}

}  // namespace detsim
