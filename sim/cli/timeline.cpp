#include "cli/timeline.hpp"

#include <cstdio>

#include "cli/run_report.hpp"

namespace detsim::cli {

std::string site_text(const Trace& trace, std::uint32_t site) {
  if (site == 0 || site > trace.sites.size()) return {};
  const TraceSite& at = trace.sites[site - 1];
  return at.file + ":" + std::to_string(at.line);
}

std::string event_text(const Trace& trace, const TraceEvent& event) {
  std::string text{to_string(event.kind)};
  // (appended piecewise: g++ 12 warns falsely, -Wrestrict, on " " + to_string)
  if (event.of) text.append(" ").append(std::to_string(event.choice)).append("/").append(std::to_string(event.of));
  if (event.kind == EventKind::timer_scheduled || event.kind == EventKind::timer_due)
    text += " when=" + format_duration_ns(event.when_ns);
  if (event.kind == EventKind::done_callback && event.immediate) text += " immediate";
  if (event.detail) text += " \"" + std::string(trace.string_at(event.detail)) + "\"";
  return text;
}

std::string timeline_heading() {
  char row[160];
  std::snprintf(row, sizeof row, "%7s  %-9s %-12s %-24s %s\n", "seq", "time", "task", "event", "site");
  return row;
}

std::string timeline_row(const Trace& trace, const TraceEvent& event) {
  const std::string task = event.name ? std::string(trace.string_at(event.name)) : std::string("(loop)");
  char head[96];
  std::snprintf(head, sizeof head, "%7llu  %-9s %-12s ", static_cast<unsigned long long>(event.seq),
                format_duration_ns(event.time_ns).c_str(), task.c_str());
  std::string what = event_text(trace, event);
  if (what.size() < 24) what.resize(24, ' ');
  return head + what + " " + site_text(trace, event.site) + "\n";
}

}  // namespace detsim::cli
