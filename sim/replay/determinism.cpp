#include "detsim/replay/determinism.hpp"

#include "detsim/trace/recorder.hpp"

namespace detsim {

namespace {

Trace record(const Program& program, const Scheduler& scheduler, LoopLimits limits) {
  EventLoop loop{scheduler.clone_fresh()};
  loop.set_limits(limits);
  loop.set_exception_handler([](const ExceptionContext&) {});  // part of the run, not of the check
  TraceRecorder recorder{loop};
  try {
    program(loop);
    recorder.finish();
  } catch (...) {
    recorder.finish(Outcome::failed);  // kept in memory only: the outcome is compared through the events
  }
  return recorder.take_trace();
}

}  // namespace

DeterminismReport check_determinism(const Program& program, const Scheduler& scheduler, LoopLimits limits) {
  const Trace first = record(program, scheduler, limits);
  const Trace second = record(program, scheduler, limits);
  DeterminismReport report;
  report.first_digest = first.footer->digest;
  report.second_digest = second.footer->digest;
  report.divergence = first_divergence(first, second);
  report.deterministic = !report.divergence.has_value();
  return report;
}

std::string DeterminismReport::describe() const {
  if (deterministic) return "deterministic: both runs have digest " + format_digest(first_digest);
  return "nondeterministic: digests " + format_digest(first_digest) + " and " + format_digest(second_digest) +
         " differ; " + divergence->describe();
}

}  // namespace detsim
