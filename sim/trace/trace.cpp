// The trace data model's functions that are neither reading, writing nor
// hashing (those have files of their own).
#include "detsim/trace/trace.hpp"

namespace detsim {

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::ok: return "ok";
    case Outcome::failed: return "failed";
    case Outcome::deadlock: return "deadlock";
    case Outcome::budget_exceeded: return "budget_exceeded";
    case Outcome::leaked_tasks: return "leaked_tasks";
  }
  return "unknown";
}

Schedule schedule_of(const Trace& trace) {
  Schedule schedule;
  schedule.scheduler = trace.header.scheduler;
  schedule.seed = trace.header.seed;
  for (const TraceEvent& event : trace.events) {
    if ((event.kind == EventKind::step || event.kind == EventKind::callback) && event.of >= 2) {
      schedule.decisions.push_back({event.choice, event.of});
    }
  }
  return schedule;
}

}  // namespace detsim
