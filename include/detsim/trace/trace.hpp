// detsim::Trace: a recorded run, as data. Read from and written to JSON Lines
// (format "detsim-trace", version 3, specified in traces/SCHEMA.md).
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

#include <bit>
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

namespace detsim {

inline constexpr std::string_view trace_format_name = "detsim-trace";
inline constexpr int trace_format_version = 3;

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
  EventKind kind = EventKind::loop_run;
  bool immediate = false;
  friend bool operator==(const TraceEvent&, const TraceEvent&) = default;
};

enum class Outcome : std::uint8_t { ok, failed, deadlock, budget_exceeded };
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

  // Digest of `events` (see SCHEMA.md).
  std::uint64_t digest() const noexcept;
  // The string at a 1-based index, empty for 0.
  std::string_view string_at(std::uint32_t index) const noexcept {
    return index == 0 ? std::string_view{} : std::string_view{strings[index - 1]};
  }
  friend bool operator==(const Trace&, const Trace&) = default;
};

// FNV-1a 64 of a string: how names and details enter the digest (0 for none).
std::uint64_t hash_trace_string(std::string_view text) noexcept;

// Incremental digest: feed events in order, with the hashes of the event's
// task name (only at the task's first event; else 0) and detail string (0
// where the event has none).
class TraceDigest {
 public:
  void add(const TraceEvent& event, std::uint64_t name_hash, std::uint64_t detail_hash) noexcept {
    add_words(word_of(event.kind, event.immediate), event.cause, static_cast<std::uint64_t>(event.time_ns),
              static_cast<std::uint64_t>(event.when_ns), event.handle, event.future, event.task,
              word_of(event.choice, event.of), name_hash, detail_hash);
  }
  // The same for a loop's Event, recorded with `cause` (in the trace's
  // numbering). Inline: a recorder calls it for every event.
  [[gnu::always_inline]] void add(const Event& event, std::uint64_t cause, std::uint64_t name_hash,
                                  std::uint64_t detail_hash) noexcept {
    add_words(word_of(event.kind, event.immediate), cause, static_cast<std::uint64_t>(event.time.count()),
              static_cast<std::uint64_t>(event.when.count()), event.handle, event.future, event.task,
              word_of(event.choice, event.of), name_hash, detail_hash);
  }
  std::uint64_t value() const noexcept;

 private:
  static constexpr std::uint64_t chain_multiplier = 0x9e3779b97f4a7c15ULL;
  // One odd multiplier per event word, in the order of SCHEMA.md's list.
  // 64-bit: with multipliers below 2^31 (an instruction's immediate, one
  // instruction fewer per word) a lattice search found small changes to five
  // fields of one event whose products cancel exactly.
  static constexpr std::uint64_t word_multipliers[10] = {
      0xc2b2ae3d27d4eb4fULL, 0x85ebca77c2b2ae63ULL, 0x27d4eb2f165667c5ULL, 0xbf58476d1ce4e5b9ULL,
      0x94d049bb133111ebULL, 0xff51afd7ed558ccdULL, 0xc4ceb9fe1a85ec53ULL, 0xd6e8feb86659fd93ULL,
      0xa0761d6478bd642fULL, 0xe7037ed1a0b428dbULL,
  };

  static std::uint64_t word_of(EventKind kind, bool immediate) noexcept {
    return static_cast<std::uint64_t>(kind) | (static_cast<std::uint64_t>(immediate) << 8);
  }
  static std::uint64_t word_of(std::uint32_t choice, std::uint32_t of) noexcept {
    return (static_cast<std::uint64_t>(choice) << 32) | of;
  }
  // The event's words, in the order of SCHEMA.md's list. As parameters,
  // not an array: inlined where an event's kind leaves some words zero, the
  // compiler drops their products. (The event's position needs no word: the
  // chain below is already in event order.)
  [[gnu::always_inline]] void add_words(std::uint64_t w0, std::uint64_t w1, std::uint64_t w2, std::uint64_t w3,
                                       std::uint64_t w4, std::uint64_t w5, std::uint64_t w6, std::uint64_t w7,
                                       std::uint64_t w8, std::uint64_t w9) noexcept {
    // The words' products are independent, so a processor computes them side
    // by side (format version 1 chained six multiplies per event).
    const std::uint64_t* m = word_multipliers;
    const std::uint64_t event_hash = w0 * m[0] + w1 * m[1] + w2 * m[2] + w3 * m[3] + w4 * m[4] + w5 * m[5] +
                                     w6 * m[6] + w7 * m[7] + w8 * m[8] + w9 * m[9];
    // Chaining each event into the state as it came made every event wait
    // for the previous one's multiply and its round trip through memory (the
    // events are recorded in different functions): a fifth of a recorded
    // ping-pong's time. The event hashes wait here instead, and are chained
    // in batches, in a loop that keeps the lanes in registers.
    pending_[count_ % pending_capacity] = event_hash;
    if (++count_ % pending_capacity == 0) [[unlikely]] chain_pending();
  }
  // Chains all pending event hashes into lanes_.
  [[gnu::noinline]] void chain_pending() noexcept { chain(lanes_, pending_capacity); }
  // Chains the first `count` pending hashes into `lanes`: event i into lane
  // i % 4 (a batch starts at a multiple of 4). Four chains, so that a
  // processor runs four multiplies at once rather than waiting on each.
  void chain(std::uint64_t (&lanes)[4], std::size_t count) const noexcept {
    // The rotation carries the high bits, which the multiply mixes best,
    // back to the low ones for the next event of the lane.
    const auto step = [](std::uint64_t lane, std::uint64_t hash) {
      return std::rotl((lane ^ hash) * chain_multiplier, 31);
    };
    std::uint64_t a = lanes[0], b = lanes[1], c = lanes[2], d = lanes[3];  // in registers
    std::size_t i = 0;
    for (; i + 4 <= count; i += 4) {
      a = step(a, pending_[i]);
      b = step(b, pending_[i + 1]);
      c = step(c, pending_[i + 2]);
      d = step(d, pending_[i + 3]);
    }
    if (i < count) a = step(a, pending_[i++]);
    if (i < count) b = step(b, pending_[i++]);
    if (i < count) c = step(c, pending_[i]);
    lanes[0] = a, lanes[1] = b, lanes[2] = c, lanes[3] = d;
  }

  static constexpr std::size_t pending_capacity = 64;  // a multiple of 4
  // The lanes up to the last full batch; initially 0x6a09e667f3bcc908 + j * C.
  std::uint64_t lanes_[4] = {0x6a09e667f3bcc908ULL, 0x6a09e667f3bcc908ULL + chain_multiplier,
                             0x6a09e667f3bcc908ULL + 2 * chain_multiplier,
                             0x6a09e667f3bcc908ULL + 3 * chain_multiplier};
  std::uint64_t count_ = 0;
  std::uint64_t pending_[pending_capacity] = {};
};

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
