#include "trace/export_layout.hpp"

#include <algorithm>
#include <map>

#include "detsim/trace/export.hpp"

namespace detsim::detail {

ExportLayout layout_trace(const Trace& trace, std::int64_t width_ns) {
  ExportLayout layout;
  // Ordered by task number (not by first appearance): the same task keeps
  // its row whatever ran first.
  std::map<std::uint64_t, std::string_view> names;
  for (const TraceEvent& event : trace.events) {
    if (event.task != 0) names.try_emplace(event.task, trace.string_at(event.name));
  }
  layout.tracks.push_back({0, "event loop", 0});
  std::map<std::uint64_t, std::uint32_t> track_index;
  for (const auto& [task, name] : names) {
    track_index.emplace(task, static_cast<std::uint32_t>(layout.tracks.size()));
    layout.tracks.push_back({task, name, 0});
  }
  layout.track_of.reserve(trace.events.size());
  layout.position_ns.reserve(trace.events.size());
  std::int64_t next_free = 0;
  for (const TraceEvent& event : trace.events) {
    const std::uint32_t track = event.task == 0 ? 0 : track_index.at(event.task);
    layout.track_of.push_back(track);
    ++layout.tracks[track].events;
    const std::int64_t position = std::max(event.time_ns, next_free);
    layout.position_ns.push_back(position);
    next_free = position + width_ns;
  }
  layout.failure = failure_event(trace);
  layout.on_failure_chain.assign(trace.events.size(), false);
  if (layout.failure) {
    for (std::size_t index : cause_chain(trace, trace.events[*layout.failure].seq)) layout.on_failure_chain[index] = true;
  }
  return layout;
}

std::string site_text(const Trace& trace, const TraceEvent& event) {
  if (event.site == 0 || event.site > trace.sites.size()) return {};
  const TraceSite& site = trace.sites[event.site - 1];
  return site.file + ":" + std::to_string(site.line);
}

std::string failure_message(const Trace& trace) {
  if (!trace.footer) return "(no footer: the trace was cut short before the run ended)";
  return trace.footer->message;
}

}  // namespace detsim::detail
