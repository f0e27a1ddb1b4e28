// The trace reader's two ways of reading an event line, one at a time, for
// tests/trace/reader_agreement_test.cpp, which checks that they agree.
// Private to sim/.
//
// An event line as detsim writes it (keys in SCHEMA.md's order, no
// whitespace, no escapes) takes a fast path: a tokenizer that reads the
// values straight from the bytes. Any other line takes the general path,
// nlohmann's parser. Both hand the values to the same checks (reader.cpp:
// event_field_rules and Parser::add_event), so they can differ only in what
// values they read from a line; the test holds them to the same result on
// random and mangled lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "detsim/trace/trace.hpp"

namespace detsim::detail {

enum class EventLinePath : std::uint8_t {
  fast,     // the tokenizer alone: declines a line not laid out as detsim writes it
  general,  // nlohmann's parser alone: any line
  reader,   // as parse_trace reads a line: the fast path, else the general one
};

struct EventLineResult {
  bool declined = false;  // the fast path left the line to the general one
  std::string error_id;   // empty if the line was accepted
  std::string error;      // TraceError::what()
  Trace trace;            // as read up to and including the line, if accepted
  friend bool operator==(const EventLineResult&, const EventLineResult&) = default;
};

// Reads `before` (a header line and any site and event lines, each ending in
// '\n') as parse_trace does, then `line` (one line, without its '\n') by
// `path`. The file is named "agreement.jsonl" in messages.
EventLineResult read_event_line(std::string_view before, std::string_view line, EventLinePath path);

}  // namespace detsim::detail
