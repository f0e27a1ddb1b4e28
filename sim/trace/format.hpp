// What the trace writer and reader agree on: which fields each event kind
// carries, the kinds' names, and JSON string escaping. Private to sim/; the
// public specification is traces/SCHEMA.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "detsim/core/observer.hpp"

namespace detsim::detail {

enum TraceField : std::uint8_t {
  field_handle = 1 << 0,
  field_future = 1 << 1,
  field_task = 1 << 2,
  field_when = 1 << 3,
  field_choice = 1 << 4,  // choice and of
  field_immediate = 1 << 5,
  field_name = 1 << 6,  // required of task_created; any event with a task may carry one
  field_primitive = 1 << 7,  // primitive and primitive_type (primitive_name when the primitive has one)
};

// A header's metadata entries at most (traces/SCHEMA.md): the largest object
// a reader accepts.
inline constexpr std::size_t max_metadata_entries = 4096;

inline constexpr std::size_t event_kind_count = static_cast<std::size_t>(EventKind::task_leaked) + 1;

// The fields an event of each kind must carry (others appear when nonzero;
// the writer writes a name whenever there is one).
constexpr std::uint8_t required_fields(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::call_soon:
    case EventKind::handle_cancelled: return field_handle;
    case EventKind::timer_scheduled:
    case EventKind::timer_due: return field_handle | field_when;
    case EventKind::step: return field_handle | field_task | field_choice;
    case EventKind::callback: return field_handle | field_choice;
    case EventKind::future_created:
    case EventKind::set_result:
    case EventKind::set_exception:
    case EventKind::cancel: return field_future;
    case EventKind::task_created: return field_future | field_task | field_name;
    case EventKind::cancel_requested: return field_future | field_task;
    case EventKind::done_callback: return field_future | field_immediate;
    case EventKind::wait:
    case EventKind::wake:
    case EventKind::timeout: return field_primitive | field_task;
    case EventKind::acquire:
    case EventKind::release:
    case EventKind::put:
    case EventKind::get:
    case EventKind::notify: return field_primitive;  // a task too, unless done outside any task
    case EventKind::task_leaked: return field_task;  // a primitive too, if it waits on one
    case EventKind::loop_run:
    case EventKind::loop_stop:
    case EventKind::loop_close:
    case EventKind::clock_advanced: return 0;
  }
  return 0;
}

// The kind whose to_string() is `name`, if any.
std::optional<EventKind> event_kind_from_name(std::string_view name) noexcept;

// Appends `text` as a JSON string (with quotes). Expects valid UTF-8 (see
// valid_utf8); any invalid byte left becomes U+FFFD, so every line parses.
void append_json_string(std::string& out, std::string_view text);

// Length of the valid UTF-8 sequence starting at text[i], or 0 if invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept;

// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
// The recorder stores strings this way, so what it hashes into the digest is
// exactly what a reader of the file gets back.
std::string valid_utf8(std::string_view text);

}  // namespace detsim::detail
