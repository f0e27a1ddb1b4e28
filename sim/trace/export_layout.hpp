// ExportLayout: where each event of a trace goes when it is drawn, shared by
// the Chrome trace-event and HTML exporters (detsim/trace/export.hpp).
// Private to sim/.
//
// Tracks: the event loop's own (events that concern no task: the loop
// starting, plain callbacks, timers, the clock), then one per task, in task
// number order. Positions: steps take no virtual time, so each event is given
// a nominal width and starts at its virtual time or at the end of the event
// before it, whichever is later. Positions increase strictly with seq, and an
// event never starts before its virtual time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detsim/trace/trace.hpp"

namespace detsim::detail {

struct ExportTrack {
  std::uint64_t task = 0;  // 0: the loop's track
  std::string_view name;   // the task's name in the trace; "event loop" for the loop
  std::size_t events = 0;
};

struct ExportLayout {
  std::vector<ExportTrack> tracks;       // tracks[0] is the loop's
  std::vector<std::uint32_t> track_of;   // per event: index into tracks
  std::vector<std::int64_t> position_ns; // per event
  std::optional<std::size_t> failure;    // failure_event(trace)
  std::vector<bool> on_failure_chain;    // per event: in cause_chain of the failure
};

ExportLayout layout_trace(const Trace& trace, std::int64_t width_ns);

// "file:line" of the event's site, empty if none.
std::string site_text(const Trace& trace, const TraceEvent& event);

// The footer's message, or why there is none: "" for a passing run,
// "(the trace was cut short...)" for a truncated one.
std::string failure_message(const Trace& trace);

}  // namespace detsim::detail
