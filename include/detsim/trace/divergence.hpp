// Trace comparison: where two runs' events part ways, described for people.
//
// Two events are the same if they agree in everything the digest covers
// (kind, time, ids, cause, decision, task name, detail), not in their source
// sites: moving code is no divergence. The trace diff, the determinism check
// and replay all compare through this header.
//
// Determinism contract: a pure function of the two traces.
//
// Example:
//   if (auto divergence = detsim::first_divergence(recorded, rerun)) {
//     std::cerr << divergence->describe() << "\n";   // "first divergence at event 7 ..."
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "detsim/trace/trace.hpp"

namespace detsim {

// Where two event sequences first differ, with context, as text.
struct Divergence {
  std::uint64_t seq = 0;  // 1-based index of the first differing event
  std::string expected;   // the event in the first trace, or "(none: ...)"
  std::string actual;     // the event in the second trace
  std::string context;    // the events before it, one per line
  std::string describe() const;
};

// The first difference between two traces' events (sites ignored), if any.
std::optional<Divergence> first_divergence(const Trace& expected, const Trace& actual, std::size_t context_events = 3);

// One event as a line for humans: "seq 7 t=5ms step task 2 'Task-2' handle 3 choice 0/2 at file:line".
std::string describe_event(const Trace& trace, const TraceEvent& event);

// The divergence at `index` (0-based): each side's event there, or where its
// run ended, and the `context_events` events before it (equal in both; taken
// from `actual`, whose sites are the current code's). For a caller that found
// the index itself (the Replayer, event by event).
Divergence divergence_at(const Trace& expected, const Trace& actual, std::size_t index, std::size_t context_events);

}  // namespace detsim
