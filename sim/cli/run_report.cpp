#include "cli/run_report.hpp"

#include <cstdio>

#include "cli/cli_support.hpp"

namespace detsim::cli {

std::uint64_t count_steps(const Trace& trace) {
  std::uint64_t steps = 0;
  for (const TraceEvent& event : trace.events)
    if (event.kind == EventKind::step || event.kind == EventKind::callback) ++steps;
  return steps;
}

std::string format_duration_ns(std::int64_t ns) {
  struct Unit {
    std::int64_t size;
    const char* suffix;
  };
  static constexpr Unit units[] = {{1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "us"}, {1, "ns"}};
  if (ns == 0) return "0s";
  for (const Unit& unit : units) {
    if (ns >= unit.size || ns <= -unit.size || unit.size == 1) {
      char text[64];
      std::snprintf(text, sizeof text, "%.9g%s", static_cast<double>(ns) / static_cast<double>(unit.size), unit.suffix);
      return text;
    }
  }
  return std::to_string(ns) + "ns";
}

void print_run(std::ostream& out, const Scenario& scenario, const SimulationResult& result, double real_seconds,
               bool replay_line) {
  const std::int64_t virtual_ns = result.trace.footer ? result.trace.footer->final_time_ns : 0;
  char speed[64];
  std::snprintf(speed, sizeof speed, "%.3g", real_seconds > 0 ? static_cast<double>(virtual_ns) / 1e9 / real_seconds : 0.0);
  out << scenario.name << " seed " << result.seed << " (" << result.scheduler << "): " << to_string(result.outcome) << "\n";
  out << "  steps:    " << count_steps(result.trace) << " (" << result.trace.events.size() << " events)\n";
  out << "  virtual:  " << format_duration_ns(virtual_ns) << " (" << speed << " simulated s per real s)\n";
  out << "  digest:   " << format_digest(result.digest) << "\n";
  if (!result.ok()) out << "  failure:  " << result.message << "\n";
  if (!result.trace_path.empty()) out << "  trace:    " << result.trace_path << "\n";
  if (!result.schedule.empty() && !result.ok()) out << "  schedule: " << result.schedule << "\n";
  if (replay_line && !result.ok() && !result.trace_path.empty()) out << "  replay:   " << invocation() << " replay " << result.trace_path << "\n";
}

}  // namespace detsim::cli
