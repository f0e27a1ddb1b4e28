#include "run/program_run.hpp"

#include <functional>
#include <stdexcept>

#include "detsim/trace/recorder.hpp"

namespace detsim::detail {

namespace {

// Fails the run as soon as a callback throws, and remembers exceptions that
// tasks raised and nobody retrieved: both are bugs the run must report.
struct FailureCollector {
  EventLoop& loop;
  std::string failures;
  void operator()(const ExceptionContext& context) {
    std::string text = context.message;
    if (!context.task_name.empty()) text += " (task '" + context.task_name + "')";
    if (context.exception) text += ": " + describe(context.exception);
    if (!failures.empty()) failures += "; ";
    failures += text;
    if (loop.is_running()) loop.halt(std::make_exception_ptr(std::runtime_error(text)));
  }
};

// The leaked waiters as a failure's message names them.
std::string leaks_message(const std::vector<LeakedTask>& leaked) {
  std::string text = std::to_string(leaked.size()) + " task(s) still blocked when the root finished: ";
  for (std::size_t i = 0; i < leaked.size(); ++i) text += (i == 0 ? "" : "; ") + leak_line(leaked[i]);
  return text;
}

}  // namespace

std::string leak_line(const LeakedTask& task) {
  return "'" + task.name + "' (task " + std::to_string(task.task_id) + ") " + task.waits_on;
}

ProgramOutcome run_program(EventLoop& loop, const Program& program, bool fail_on_leaked_tasks) {
  FailureCollector collector{loop, {}};
  loop.set_exception_handler(std::ref(collector));
  ProgramOutcome result;
  try {
    program(loop);
    result.leaked = loop.leaked_tasks();
    loop.close();  // reports exceptions that were never retrieved
    if (!collector.failures.empty()) {
      result.outcome = Outcome::failed;
      result.message = collector.failures;
    } else if (fail_on_leaked_tasks && !result.leaked.empty()) {
      result.outcome = Outcome::leaked_tasks;
      result.message = leaks_message(result.leaked);
    }
  } catch (...) {
    result.outcome = outcome_of_current_exception(result.message);
    // Close while the collector still listens (the loop outlives it).
    try {
      loop.close();
    } catch (...) {
    }
  }
  return result;
}

}  // namespace detsim::detail
