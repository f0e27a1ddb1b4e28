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

}  // namespace

ProgramOutcome run_program(EventLoop& loop, const Program& program) {
  FailureCollector collector{loop, {}};
  loop.set_exception_handler(std::ref(collector));
  ProgramOutcome result;
  try {
    program(loop);
    loop.close();  // reports exceptions that were never retrieved
    if (!collector.failures.empty()) {
      result.outcome = Outcome::failed;
      result.message = collector.failures;
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
