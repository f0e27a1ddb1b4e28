#include "detsim/asyncio/task_info.hpp"

#include <string>

#include "detsim/asyncio/detail/waiters.hpp"
#include "detsim/base/errors.hpp"
#include "detsim/core/detail/task_core.hpp"

namespace detsim::asyncio {

TaskInfo current_task_info() {
  const auto* task = detsim::detail::current_task();
  if (task == nullptr) return {};
  return TaskInfo{task->task_id(), task->name()};
}

namespace detail {

EventLoop& LoopBinding::loop(std::string_view kind, std::string_view name) {
  EventLoop& running = get_running_loop();
  if (loop_ == nullptr) loop_ = &running;
  if (loop_ != &running) {
    throw RuntimeError("detsim.asyncio.wrong_loop", describe(kind, name) + " is bound to a different event loop");
  }
  return running;
}

std::string describe(std::string_view kind, std::string_view name) {
  std::string text(kind);
  if (!name.empty()) {
    text += " '";
    text += name;
    text += '\'';
  }
  return text;
}

}  // namespace detail
}  // namespace detsim::asyncio
