// detsim::Trace: a recorded run, as data. Read from and written to JSON Lines
// (format "detsim-trace", version 4, specified in traces/SCHEMA.md).
//
// A trace is a header (format, version, seed, scheduler, program, metadata),
// the interned source sites, every event of the run in order, and a footer
// (outcome, event count, final virtual time, digest). A trace cut short by a
// crash has no footer; read_trace() then marks it `truncated` and keeps every
// complete line.
//
// The digest is a 64-bit hash of the canonical event fields (everything but
// the source site), in order; its algorithm is part of the format (SCHEMA.md,
// "Digest"). Two runs have equal digests exactly when they made the same
// events, whatever the machine, build type, or line numbers of the code.
//
// Invariants of a Trace that read_trace() returns (else it throws TraceError
// naming the file, line and field):
//   - events[i].seq == i + 1; time never decreases; cause < seq;
//   - every site, name and detail index refers to an entry;
//   - only events with a task have a name, and every event of a task has
//     the name of the task's first event;
//   - footer, if present: events == events.size(), and digest == digest().
//
// Example:
//   detsim::Trace trace = detsim::read_trace("failure.jsonl");
//   std::cout << trace.header.seed << " " << trace.events.size() << "\n";
//   for (const auto& e : trace.events) if (e.kind == detsim::EventKind::step) ...
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detsim/base/errors.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/scheduling/schedule.hpp"

namespace detsim {

inline constexpr std::string_view trace_format_name = "detsim-trace";
inline constexpr int trace_format_version = 4;

// A trace file that cannot be read: missing, malformed, truncated where a
// complete trace is required, of another version, or inconsistent. The
// message names the file, the line and the field.
class TraceError : public Error {
 public:
  using Error::Error;
};

struct TraceHeader {
  std::string format{trace_format_name};
  int version = trace_format_version;
  std::string detsim_version;
  std::uint64_t seed = 0;
  std::string scheduler;  // Scheduler::name(), e.g. "random"
  bool debug = false;     // the loop was in debug mode (future_created events)
  std::string program;    // the program or scenario recorded
  std::vector<std::pair<std::string, std::string>> metadata;  // user key/values, in insertion order
  friend bool operator==(const TraceHeader&, const TraceHeader&) = default;
};

struct TraceSite {
  std::string file;  // relative to the source root
  std::uint32_t line = 0;
  std::string function;
  friend bool operator==(const TraceSite&, const TraceSite&) = default;
};

// One event, compactly: strings are indices into Trace::strings and sites
// into Trace::sites, 1-based (0 = none).
struct TraceEvent {
  std::uint64_t seq = 0;
  std::uint64_t cause = 0;
  std::int64_t time_ns = 0;
  std::int64_t when_ns = 0;
  std::uint64_t handle = 0;
  std::uint64_t future = 0;
  std::uint64_t task = 0;
  std::uint32_t choice = 0;
  std::uint32_t of = 0;
  std::uint32_t name = 0;
  std::uint32_t detail = 0;
  std::uint32_t site = 0;
  // A primitive event's primitive (Event::primitive): its id, and its type
  // and name as string indices (a name 0 when the primitive has none).
  std::uint64_t primitive = 0;
  std::uint32_t primitive_type = 0;
  std::uint32_t primitive_name = 0;
  EventKind kind = EventKind::loop_run;
  bool immediate = false;
  friend bool operator==(const TraceEvent&, const TraceEvent&) = default;
};

// leaked_tasks: the run ended with tasks still blocked, and the run asked
// for that to fail (SimulationOptions::fail_on_leaked_tasks).
enum class Outcome : std::uint8_t { ok, failed, deadlock, budget_exceeded, leaked_tasks };
std::string_view to_string(Outcome outcome) noexcept;

struct TraceFooter {
  Outcome outcome = Outcome::ok;
  std::string message;  // why it failed; empty when ok
  std::uint64_t events = 0;
  std::int64_t final_time_ns = 0;
  std::uint64_t digest = 0;
  friend bool operator==(const TraceFooter&, const TraceFooter&) = default;
};

struct Trace {
  TraceHeader header;
  std::vector<TraceSite> sites;
  std::vector<std::string> strings;
  std::vector<TraceEvent> events;
  std::optional<TraceFooter> footer;
  bool truncated = false;  // read_trace: the file ended before its footer
  std::size_t cut_line = 0;  // read_trace: the 1-based number of a last line cut short mid-write, or 0

  // Digest of `events` (see SCHEMA.md).
  std::uint64_t digest() const noexcept;
  // The string at a 1-based index, empty for 0.
  std::string_view string_at(std::uint32_t index) const noexcept {
    return index == 0 ? std::string_view{} : std::string_view{strings[index - 1]};
  }
  friend bool operator==(const Trace&, const Trace&) = default;
};

// The decisions of a recorded run (its step and callback events with of >= 2).
Schedule schedule_of(const Trace& trace);

// The digest as the 16 lowercase hex digits used in traces and reports.
std::string format_digest(std::uint64_t digest);

// Serializes to JSON Lines: header, sites (each before its first use),
// events, footer (if any). Deterministic: same Trace, same bytes.
std::string to_jsonl(const Trace& trace);
// Writes to_jsonl(trace) to `path` (via a temporary file and a rename, so a
// reader never sees half a file). Throws TraceError if it cannot.
void write_trace(const Trace& trace, const std::string& path);

struct ReadOptions {
  // Accept a trace without a footer (cut short by a crash): `truncated` is
  // set and every complete line is kept. Otherwise that is a TraceError.
  bool allow_truncated = true;
};
// Reads and validates a trace file. Throws TraceError naming file:line and
// the field at fault.
Trace read_trace(const std::string& path, ReadOptions options = {});
// The same, from text; `source_name` stands for the file in messages.
Trace parse_trace(std::string_view text, const std::string& source_name, ReadOptions options = {});

}  // namespace detsim
