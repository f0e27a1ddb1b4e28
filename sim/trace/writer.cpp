// JSON Lines output of traces (traces/SCHEMA.md). Lines are appended to one
// growing buffer with std::to_chars: the writer must keep up with millions of
// events per second, which building a JSON object per line (~700 ns) or
// formatting through an output iterator could not.
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <string>

#include "detsim/trace/trace.hpp"
#include "trace/format.hpp"
#include "trace/lines.hpp"

namespace detsim::detail {

std::optional<EventKind> event_kind_from_name(std::string_view name) noexcept {
  // The kinds most lines carry first; the rest by a scan.
  static constexpr EventKind common[] = {EventKind::step, EventKind::call_soon, EventKind::done_callback,
                                         EventKind::set_result};
  for (EventKind kind : common) {
    if (to_string(kind) == name) return kind;
  }
  for (std::size_t i = 0; i < event_kind_count; ++i) {
    const auto kind = static_cast<EventKind>(i);
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

namespace {

template <class Integer>
void append_number(std::string& out, Integer value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

// Appends ,"key":value
template <class Integer>
void append_field(std::string& out, std::string_view key_with_punctuation, Integer value) {
  out += key_with_punctuation;
  append_number(out, value);
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length;
  std::uint32_t minimum;
  if (lead < 0x80) return 1;
  if ((lead & 0xe0) == 0xc0) {
    length = 2;
    minimum = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3;
    minimum = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4;
    minimum = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  std::uint32_t code = lead & (0x7f >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}

std::string valid_utf8(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  // Valid text is copied in runs, not a character at a time: every site's
  // file and function name passes here once per recorder.
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
    } else if (const std::size_t length = utf8_sequence_length(text, i); length > 0) {
      i += length;
    } else {
      result.append(text, run_start, i - run_start);
      result += "\xEF\xBF\xBD";  // U+FFFD
      run_start = ++i;
    }
  }
  result.append(text, run_start, text.size() - run_start);
  return result;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
      ++i;
    } else if (byte < 0x20) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default: {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[byte >> 4];
          out += hex[byte & 0xf];
        }
      }
      ++i;
    } else if (const std::size_t length = utf8_sequence_length(text, i); length > 0) {
      out.append(text, i, length);
      i += length;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  out += '"';
}

void append_header_line(std::string& out, const TraceHeader& header) {
  out += "{\"type\":\"header\",\"format\":";
  append_json_string(out, header.format);
  append_field(out, ",\"version\":", header.version);
  out += ",\"detsim\":";
  append_json_string(out, header.detsim_version);
  out += ",\"program\":";
  append_json_string(out, header.program);
  out += ",\"scheduler\":";
  append_json_string(out, header.scheduler);
  append_field(out, ",\"seed\":", header.seed);
  out += header.debug ? ",\"debug\":true" : ",\"debug\":false";
  out += ",\"metadata\":{";
  bool first = true;
  for (const auto& [key, value] : header.metadata) {
    if (!std::exchange(first, false)) out += ',';
    append_json_string(out, key);
    out += ':';
    append_json_string(out, value);
  }
  out += "}}\n";
}

void append_site_line(std::string& out, std::uint32_t id, const TraceSite& site) {
  append_field(out, "{\"type\":\"site\",\"id\":", id);
  out += ",\"file\":";
  append_json_string(out, site.file);
  append_field(out, ",\"line\":", site.line);
  out += ",\"function\":";
  append_json_string(out, site.function);
  out += "}\n";
}

void append_event_line(std::string& out, const TraceEvent& event, const std::vector<std::string>& quoted_strings) {
  const std::uint8_t required = required_fields(event.kind);
  append_field(out, "{\"seq\":", event.seq);
  append_field(out, ",\"t\":", event.time_ns);
  out += ",\"kind\":\"";
  out += to_string(event.kind);
  append_field(out, "\",\"cause\":", event.cause);
  if ((required & field_handle) || event.handle) append_field(out, ",\"handle\":", event.handle);
  if ((required & field_future) || event.future) append_field(out, ",\"future\":", event.future);
  if ((required & field_task) || event.task) append_field(out, ",\"task\":", event.task);
  if (event.name) {
    out += ",\"name\":";
    out += quoted_strings[event.name - 1];
  }
  if ((required & field_when) || event.when_ns) append_field(out, ",\"when\":", event.when_ns);
  if (required & field_choice) {
    append_field(out, ",\"choice\":", event.choice);
    append_field(out, ",\"of\":", event.of);
  }
  if (required & field_immediate) out += event.immediate ? ",\"immediate\":true" : ",\"immediate\":false";
  if ((required & field_primitive) || event.primitive) {
    append_field(out, ",\"primitive\":", event.primitive);
    out += ",\"primitive_type\":";
    out += event.primitive_type ? quoted_strings[event.primitive_type - 1] : std::string("\"\"");
    if (event.primitive_name) {
      out += ",\"primitive_name\":";
      out += quoted_strings[event.primitive_name - 1];
    }
  }
  if (event.detail) {
    out += ",\"detail\":";
    out += quoted_strings[event.detail - 1];
  }
  if (event.site) append_field(out, ",\"site\":", event.site);
  out += "}\n";
}

void append_footer_line(std::string& out, const TraceFooter& footer) {
  out += "{\"type\":\"footer\",\"outcome\":\"";
  out += to_string(footer.outcome);
  out += '"';
  if (!footer.message.empty()) {
    out += ",\"message\":";
    append_json_string(out, footer.message);
  }
  append_field(out, ",\"events\":", footer.events);
  append_field(out, ",\"final_time_ns\":", footer.final_time_ns);
  out += ",\"digest\":\"";
  out += format_digest(footer.digest);
  out += "\"}\n";
}

std::string quote(std::string_view text) {
  std::string quoted;
  append_json_string(quoted, text);
  return quoted;
}

}  // namespace detsim::detail

namespace detsim {

namespace {

// Produces the lines of a trace in order, a chunk at a time: `flush(chunk)`
// gets roughly `chunk_bytes` of complete lines (and the rest at the end), so a
// file is written through a small buffer instead of one string of it all.
template <class Flush>
void format_trace(const Trace& trace, std::size_t chunk_bytes, Flush flush) {
  std::vector<std::string> quoted;
  quoted.reserve(trace.strings.size());
  for (const std::string& text : trace.strings) quoted.push_back(detail::quote(text));
  std::string out;
  out.reserve(chunk_bytes + 4096);
  detail::append_header_line(out, trace.header);
  std::uint32_t sites_written = 0;
  auto write_sites_through = [&](std::uint32_t last) {
    for (; sites_written < last && sites_written < trace.sites.size(); ++sites_written) {
      detail::append_site_line(out, sites_written + 1, trace.sites[sites_written]);
    }
  };
  for (const TraceEvent& event : trace.events) {
    write_sites_through(event.site);
    detail::append_event_line(out, event, quoted);
    if (out.size() >= chunk_bytes) {
      flush(out);
      out.clear();
    }
  }
  write_sites_through(static_cast<std::uint32_t>(trace.sites.size()));
  if (trace.footer) detail::append_footer_line(out, *trace.footer);
  flush(out);
}

}  // namespace

std::string to_jsonl(const Trace& trace) {
  std::string text;
  text.reserve(256 + trace.events.size() * 112);  // lines run ~70-120 bytes
  format_trace(trace, std::size_t{1} << 20, [&](const std::string& chunk) { text += chunk; });
  return text;
}

void write_trace(const Trace& trace, const std::string& path) {
  // Through a temporary file and a rename: a reader never sees half a trace.
  const std::string temporary = path + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (!file) throw TraceError("detsim.trace.write", "cannot open " + temporary + " for writing");
  bool written = true;
  format_trace(trace, std::size_t{1} << 20, [&](const std::string& chunk) {
    written = written && std::fwrite(chunk.data(), 1, chunk.size(), file) == chunk.size();
  });
  detail::close_and_rename(file, written, temporary, path);
}

}  // namespace detsim

namespace detsim::detail {

void close_and_rename(std::FILE* file, bool written, const std::string& temporary, const std::string& path) {
  const bool closed = std::fclose(file) == 0;
  std::error_code error;
  if (written && closed) std::filesystem::rename(temporary, path, error);
  if (!written || !closed || error) {
    std::filesystem::remove(temporary, error);
    throw TraceError("detsim.trace.write", "cannot write " + path);
  }
}

}  // namespace detsim::detail
