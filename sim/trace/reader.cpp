// Reading and validating traces. Every problem becomes a TraceError whose
// message starts with "<file>:<line>:" and names the field at fault; nothing
// in a trace file can crash the reader.
#include <array>
#include <climits>
#include <cstdint>
#include <fstream>
#include <limits>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <unordered_map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "detsim/trace/trace.hpp"
#include "trace/task_names.hpp"
#include "trace/format.hpp"

namespace detsim {

namespace {

// ordered_json keeps metadata keys in file order.
using Json = nlohmann::ordered_json;

// No trace line nests deeper than 2 (a header's metadata), and only the
// metadata has keys of the user's choosing (SCHEMA.md).
constexpr std::size_t max_json_depth = 16;
constexpr std::size_t max_object_keys = detail::max_metadata_entries;

const char* type_name(const Json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number_float()) return "a fractional number";
  if (value.is_number()) return "an integer";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  return "an object";
}

// One parsed line and its position, with typed accessors that throw
// TraceErrors naming the file, line and field.
class Line {
 public:
  Line(const std::string& source, std::size_t number, Json value)
      : source_(source), number_(number), value_(std::move(value)) {}

  [[noreturn]] void fail(std::string_view id, std::string_view field, const std::string& problem) const {
    std::string message = source_ + ":" + std::to_string(number_) + ": ";
    if (!field.empty()) message += "field '" + std::string(field) + "': ";
    throw TraceError(id, message + problem);
  }

  bool has(const char* field) const { return value_.contains(field); }

  // Fails on a key that is not one of `fields` (the schema allows no
  // others: a misspelt key would otherwise lose what it holds unnoticed).
  void allow_only(std::initializer_list<std::string_view> fields) const {
    for (const auto& [key, value] : value_.items()) {
      bool known = false;
      for (std::string_view field : fields) known = known || key == field;
      if (!known) fail("detsim.trace.unknown_field", key, "unknown field (traces/SCHEMA.md lists the fields of each line)");
    }
  }

  const Json& require(const char* field) const {
    auto it = value_.find(field);
    if (it == value_.end()) fail("detsim.trace.missing", field, "missing" + context_);
    return *it;
  }

  std::uint64_t unsigned_field(const char* field, std::uint64_t maximum = std::numeric_limits<std::uint64_t>::max(),
                               std::uint64_t minimum = 0) const {
    const Json& value = require(field);
    if (value.is_number_integer() && !value.is_number_unsigned()) {
      fail("detsim.trace.range", field, "must not be negative, found " + value.dump());
    }
    if (!value.is_number_unsigned()) fail("detsim.trace.type", field, std::string("expected an unsigned integer, found ") + type_name(value));
    const auto number = value.get<std::uint64_t>();
    if (number > maximum) fail("detsim.trace.range", field, value.dump() + " is out of range (at most " + std::to_string(maximum) + ")");
    if (number < minimum) fail("detsim.trace.range", field, value.dump() + " is out of range (at least " + std::to_string(minimum) + ")");
    return number;
  }

  std::int64_t signed_field(const char* field, std::int64_t minimum = std::numeric_limits<std::int64_t>::min()) const {
    const Json& value = require(field);
    if (!value.is_number_integer()) fail("detsim.trace.type", field, std::string("expected an integer, found ") + type_name(value));
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail("detsim.trace.range", field, value.dump() + " is out of range");
    }
    const auto number = value.get<std::int64_t>();
    if (number < minimum) fail("detsim.trace.range", field, value.dump() + " is out of range (at least " + std::to_string(minimum) + ")");
    return number;
  }

  std::string string_field(const char* field) const {
    const Json& value = require(field);
    if (!value.is_string()) fail("detsim.trace.type", field, std::string("expected a string, found ") + type_name(value));
    return value.get<std::string>();
  }

  bool bool_field(const char* field) const {
    const Json& value = require(field);
    if (!value.is_boolean()) fail("detsim.trace.type", field, std::string("expected true or false, found ") + type_name(value));
    return value.get<bool>();
  }

  const Json& json() const { return value_; }
  void set_context(std::string context) { context_ = std::move(context); }

 private:
  const std::string& source_;
  std::size_t number_;
  Json value_;
  std::string context_;
};

class Parser {
 public:
  Parser(const std::string& source, ReadOptions options) : source_(source), options_(options) {}

  Trace parse(std::string_view text) {
    if (text.empty()) throw TraceError("detsim.trace.empty", source_ + ": the file is empty (a trace starts with a header line)");
    // Event lines are ~70-120 bytes: reserve once instead of regrowing (and
    // copying) the event array through a large file.
    trace_.events.reserve(text.size() / 128);
    std::size_t position = 0;
    std::size_t number = 0;
    while (position < text.size()) {
      const std::size_t end = text.find('\n', position);
      const bool complete = end != std::string_view::npos;
      const std::string_view content = text.substr(position, complete ? end - position : std::string_view::npos);
      position = complete ? end + 1 : text.size();
      ++number;
      if (!parse_line(content, number, complete)) break;
    }
    if (number == 0 || !header_seen_) {
      throw TraceError("detsim.trace.no_header", source_ + ":1: the first line must be the header ({\"type\":\"header\", ...})");
    }
    if (!trace_.footer) {
      if (!options_.allow_truncated) {
        throw TraceError("detsim.trace.truncated", source_ + ":" + std::to_string(number) +
                                                       ": the trace ends without a footer line (the run was cut short)");
      }
      trace_.truncated = true;
    }
    return std::move(trace_);
  }

 private:
  // Returns false to stop reading (a cut-short last line).
  bool parse_line(std::string_view content, std::size_t number, bool complete) {
    // Event lines as detsim writes them take the fast path; anything unusual
    // (whitespace, escapes, unknown keys, a value out of range, an invalid
    // event) falls through to the full parser, which accepts it the same way
    // or names the problem.
    if (header_seen_ && !trace_.footer && content.starts_with("{\"seq\":") && parse_event_fast(content)) return true;
    Json value;
    try {
      value = parse_json(content, number);
    } catch (const Json::parse_error& error) {
      if (!complete && header_seen_ && !trace_.footer) {
        // The last line of a file cut short while it was written.
        if (options_.allow_truncated) return false;
        throw TraceError("detsim.trace.truncated", source_ + ":" + std::to_string(number) + ": the last line is cut short");
      }
      throw TraceError("detsim.trace.json", source_ + ":" + std::to_string(number) + ": malformed JSON: " +
                                                within_the_line(error.what()));
    } catch (const Json::exception& error) {  // a number too large for a double, say
      throw TraceError("detsim.trace.json", source_ + ":" + std::to_string(number) + ": malformed JSON: " + error.what());
    }
    Line line(source_, number, std::move(value));
    if (!line.json().is_object()) line.fail("detsim.trace.type", "", std::string("expected a JSON object, found ") + type_name(line.json()));
    if (trace_.footer) line.fail("detsim.trace.after_footer", "", "a line after the footer");
    if (!header_seen_) {
      parse_header(line);
      return true;
    }
    if (line.has("kind")) {
      parse_event(line);
      return true;
    }
    const std::string type = line.string_field("type");
    if (type == "site") {
      parse_site(line);
    } else if (type == "footer") {
      parse_footer(line);
    } else if (type == "header") {
      line.fail("detsim.trace.header", "type", "a second header");
    } else {
      line.fail("detsim.trace.type", "type", "unknown line type '" + type + "'");
    }
    return true;
  }

  // Parses one line as JSON, refusing what no trace line has and what would
  // make parsing slow or deep: nesting past max_json_depth, more than
  // max_object_keys keys in an object (ordered_json finds a key by a linear
  // search, so a line of 300k keys took over a minute), and a key repeated
  // (JSON leaves it to the reader; the last would silently win). The limits
  // are checked by a scan of the bytes before parsing, and a repeat shows as
  // fewer members parsed than keys scanned. (nlohmann's parser with a
  // callback could check all three, but read lines 40% slower.)
  Json parse_json(std::string_view content, std::size_t number) {
    const auto refuse = [&](const std::string& problem) {
      throw TraceError("detsim.trace.json", source_ + ":" + std::to_string(number) + ": " + problem);
    };
    const LineShape shape = scan_shape(content);
    if (shape.too_deep) refuse("nested deeper than " + std::to_string(max_json_depth) + " levels");
    if (shape.too_many_keys) refuse("an object with more than " + std::to_string(max_object_keys) + " keys");
    Json value = Json::parse(content);
    if (members(value) != shape.keys) refuse("field '" + repeated_key(content) + "': given twice");
    return value;
  }

  struct LineShape {
    bool too_deep = false;
    bool too_many_keys = false;
    std::size_t keys = 0;  // in all its objects
  };
  // Containers and keys, counted outside strings. (Only a guard: the parser
  // judges whether the line is JSON at all.)
  static LineShape scan_shape(std::string_view content) noexcept {
    LineShape shape;
    std::array<bool, max_json_depth> is_object{};
    std::array<std::size_t, max_json_depth> keys_in{};
    std::size_t depth = 0;  // containers open
    bool in_string = false;
    for (std::size_t i = 0; i < content.size(); ++i) {
      const char c = content[i];
      if (in_string) {
        if (c == '\\') {
          ++i;  // whatever is escaped, it does not end the string
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      switch (c) {
        case '"':
          in_string = true;
          break;
        case '{':
        case '[':
          if (depth == max_json_depth) {
            shape.too_deep = true;
            return shape;
          }
          is_object[depth] = c == '{';
          keys_in[depth] = 0;
          ++depth;
          break;
        case '}':
        case ']':
          if (depth > 0) --depth;
          break;
        case ':':
          if (depth > 0 && is_object[depth - 1]) {
            ++shape.keys;
            if (++keys_in[depth - 1] > max_object_keys) {
              shape.too_many_keys = true;
              return shape;
            }
          }
          break;
        default:
          break;
      }
    }
    return shape;
  }
  // Members of all the objects in `value`.
  static std::size_t members(const Json& value) {
    std::size_t count = value.is_object() ? value.size() : 0;
    if (value.is_structured()) {
      for (const Json& element : value) count += members(element);
    }
    return count;
  }

  // The first key repeated within one object of `content` (which has one:
  // only looked for once parse_json has seen it).
  static std::string repeated_key(std::string_view content) {
    struct Repeated {
      std::string key;
    };
    std::vector<std::vector<std::string>> keys;  // of each object open, innermost last
    try {
      [[maybe_unused]] const Json whole = Json::parse(content, [&](int, Json::parse_event_t event, Json& parsed) {
        if (event == Json::parse_event_t::object_start) keys.emplace_back();
        if (event == Json::parse_event_t::object_end) keys.pop_back();
        if (event == Json::parse_event_t::key) {
          std::string key = parsed.get<std::string>();
          for (const std::string& seen : keys.back()) {
            if (seen == key) throw Repeated{key};  // stops parsing
          }
          keys.back().push_back(std::move(key));
        }
        return true;
      });
    } catch (const Repeated& repeated) {
      return repeated.key;
    }
    return {};
  }

  // nlohmann's message counts lines within what it parsed, which is one
  // line of the file: "at line 1, column 5" is "at column 5" of this line.
  static std::string within_the_line(std::string message) {
    constexpr std::string_view first_line = "at line 1, column ";
    if (const std::size_t at = message.find(first_line); at != std::string::npos) {
      message.replace(at, first_line.size(), "at column ");
    }
    return message;
  }

  void parse_header(Line& line) {
    if (!line.has("type") || !line.json()["type"].is_string() || line.json()["type"] != "header") {
      line.fail("detsim.trace.no_header", "type", "the first line must be the header ({\"type\":\"header\", ...})");
    }
    TraceHeader& header = trace_.header;
    header.format = line.string_field("format");
    if (header.format != trace_format_name) {
      line.fail("detsim.trace.format", "format", "expected \"" + std::string(trace_format_name) + "\", found \"" + header.format + "\"");
    }
    const std::int64_t version = line.signed_field("version");
    if (version != trace_format_version) {
      line.fail("detsim.trace.version", "version", "this reader reads version " + std::to_string(trace_format_version) +
                                                       ", the file has version " + std::to_string(version));
    }
    header.version = static_cast<int>(version);
    header.detsim_version = line.string_field("detsim");
    header.program = line.string_field("program");
    header.scheduler = line.string_field("scheduler");
    header.seed = line.unsigned_field("seed");
    header.debug = line.bool_field("debug");
    const Json& metadata = line.require("metadata");
    if (!metadata.is_object()) line.fail("detsim.trace.type", "metadata", std::string("expected an object, found ") + type_name(metadata));
    for (const auto& [key, value] : metadata.items()) {
      if (!value.is_string()) line.fail("detsim.trace.type", "metadata." + key, std::string("expected a string, found ") + type_name(value));
      header.metadata.emplace_back(key, value.get<std::string>());
    }
    line.allow_only({"type", "format", "version", "detsim", "program", "scheduler", "seed", "debug", "metadata"});
    header_seen_ = true;
  }

  void parse_site(Line& line) {
    const std::uint64_t id = line.unsigned_field("id");
    if (id != trace_.sites.size() + 1) {
      line.fail("detsim.trace.sequence", "id", "expected site " + std::to_string(trace_.sites.size() + 1) + ", found " + std::to_string(id));
    }
    TraceSite site;
    site.file = line.string_field("file");
    if (site.file.starts_with('/')) {
      line.fail("detsim.trace.range", "file", "an absolute path (sites are relative to the source root)");
    }
    site.line = static_cast<std::uint32_t>(line.unsigned_field("line", std::numeric_limits<std::uint32_t>::max()));
    site.function = line.string_field("function");
    line.allow_only({"type", "id", "file", "line", "function"});
    trace_.sites.push_back(std::move(site));
  }

  std::uint32_t intern(std::string_view text) {
    // Most events name a task: look up without allocating, insert rarely.
    if (auto it = string_index_.find(text); it != string_index_.end()) return it->second;
    const auto index = static_cast<std::uint32_t>(trace_.strings.size() + 1);
    trace_.strings.emplace_back(text);
    string_index_.emplace(std::string(text), index);
    return index;
  }

  // Parses an event line laid out exactly as detsim writes it (keys in
  // SCHEMA.md's order, no whitespace, no escapes) without building a JSON
  // value; false for anything else, which then takes the full parser. Every
  // rule the full parser checks is checked here too, so both accept the same
  // lines and build the same event.
  bool parse_event_fast(std::string_view line) {
    const char* p = line.data();
    const char* const end = p + line.size();
    auto literal = [&]<std::size_t N>(const char (&text)[N]) {
      constexpr std::size_t length = N - 1;
      if (static_cast<std::size_t>(end - p) < length || std::memcmp(p, text, length) != 0) return false;
      p += length;
      return true;
    };
    auto digits = [&](std::uint64_t& out) {
      const char* start = p;
      std::uint64_t value = 0;
      while (p != end && *p >= '0' && *p <= '9' && p - start < 19) value = value * 10 + static_cast<std::uint64_t>(*p++ - '0');
      if (p == start || (p != end && *p >= '0' && *p <= '9')) return false;  // none, or 20+ digits: full parser
      if (*start == '0' && p - start > 1) return false;                       // leading zero: not JSON
      out = value;
      return true;
    };
    auto signed_digits = [&](std::int64_t& out) {
      const bool negative = p != end && *p == '-';
      if (negative) ++p;
      std::uint64_t magnitude = 0;
      if (!digits(magnitude) || magnitude > static_cast<std::uint64_t>(INT64_MAX)) return false;
      out = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
      return true;
    };
    auto small = [&](std::uint32_t& out) {
      std::uint64_t value = 0;
      if (!digits(value) || value > UINT32_MAX) return false;
      out = static_cast<std::uint32_t>(value);
      return true;
    };
    // A string of valid UTF-8 without escapes or control bytes, then its quote.
    auto plain_string = [&](std::string_view& out) {
      const auto* quote = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
      if (!quote) return false;
      out = std::string_view(p, static_cast<std::size_t>(quote - p));
      for (std::size_t i = 0; i < out.size();) {
        const auto byte = static_cast<unsigned char>(out[i]);
        if (byte == '\\' || byte < 0x20) return false;
        const std::size_t length = byte < 0x80 ? 1 : detail::utf8_sequence_length(out, i);
        if (length == 0) return false;
        i += length;
      }
      p = quote + 1;
      return true;
    };

    TraceEvent event;
    std::string_view kind_name, name, detail;
    std::uint64_t site = 0;
    if (!literal("{\"seq\":") || !digits(event.seq) || !literal(",\"t\":") || !signed_digits(event.time_ns) ||
        !literal(",\"kind\":\"") || !plain_string(kind_name) || !literal(",\"cause\":") || !digits(event.cause)) {
      return false;
    }
    const auto kind = detail::event_kind_from_name(kind_name);
    if (!kind) return false;
    event.kind = *kind;
    const std::uint8_t required = detail::required_fields(event.kind);
    // Optional keys, in the writer's order; a required one must be there.
    auto field = [&](const auto& key, std::uint8_t bit, auto& out, auto parse) {
      if (literal(key)) return parse(out);
      return (required & bit) == 0;
    };
    const bool ok =
        field(",\"handle\":", detail::field_handle, event.handle, digits) &&
        field(",\"future\":", detail::field_future, event.future, digits) &&
        field(",\"task\":", detail::field_task, event.task, digits);
    if (!ok) return false;
    const bool has_name = literal(",\"name\":\"");
    if (has_name ? !plain_string(name) : event.kind == EventKind::task_created) return false;
    if (!field(",\"when\":", detail::field_when, event.when_ns, signed_digits)) return false;
    if (required & detail::field_choice) {
      if (!literal(",\"choice\":") || !small(event.choice) || !literal(",\"of\":") || !small(event.of)) return false;
      if (event.of == 0 || event.choice >= event.of) return false;
    }
    if (required & detail::field_immediate) {
      if (literal(",\"immediate\":true")) {
        event.immediate = true;
      } else if (!literal(",\"immediate\":false")) {
        return false;
      }
    }
    const bool has_detail = literal(",\"detail\":\"");
    if (has_detail && !plain_string(detail)) return false;
    if (literal(",\"site\":") && (!digits(site) || site == 0 || site > trace_.sites.size())) return false;
    if (!literal("}") || p != end) return false;
    if (event.time_ns < 0 || event.seq != trace_.events.size() + 1 || event.time_ns < last_time_ns_ ||
        event.cause >= event.seq) {
      return false;
    }
    last_time_ns_ = event.time_ns;
    event.site = static_cast<std::uint32_t>(site);
    if (has_name) event.name = intern(name);
    if (has_detail) event.detail = intern(detail);
    if (!task_name_agrees(event)) return false;  // the full parser says why
    trace_.events.push_back(event);
    return true;
  }

  // A task keeps the name of its first event, and only an event with a task
  // has a name (SCHEMA.md). Notes the name of a task's first event.
  bool task_name_agrees(const TraceEvent& event) {
    if (event.task == 0) return event.name == 0;
    if (const std::uint32_t* name = task_names_.find(event.task)) return *name - 1 == event.name;
    task_names_.add(event.task, event.name);
    return true;
  }

  void parse_event(Line& line) {
    TraceEvent event;
    const std::string kind_name = line.string_field("kind");
    const auto kind = detail::event_kind_from_name(kind_name);
    if (!kind) line.fail("detsim.trace.range", "kind", "unknown event kind '" + kind_name + "'");
    event.kind = *kind;
    line.set_context(" (required for kind '" + kind_name + "')");
    const std::uint8_t required = detail::required_fields(event.kind);
    auto optional_unsigned = [&](const char* field, std::uint8_t bit) -> std::uint64_t {
      return (required & bit) || line.has(field) ? line.unsigned_field(field) : 0;
    };
    event.seq = line.unsigned_field("seq");
    const std::uint64_t expected_seq = trace_.events.size() + 1;
    if (event.seq != expected_seq) {
      line.fail("detsim.trace.sequence", "seq", "events out of sequence: expected " + std::to_string(expected_seq) +
                                                   ", found " + std::to_string(event.seq));
    }
    event.time_ns = line.signed_field("t", 0);
    if (event.time_ns < last_time_ns_) {
      line.fail("detsim.trace.sequence", "t", "virtual time goes backwards (" + std::to_string(event.time_ns) +
                                                 " after " + std::to_string(last_time_ns_) + ")");
    }
    last_time_ns_ = event.time_ns;
    event.cause = line.unsigned_field("cause");
    if (event.cause >= event.seq) line.fail("detsim.trace.range", "cause", "must name an earlier event (cause " + std::to_string(event.cause) + " >= seq " + std::to_string(event.seq) + ")");
    event.handle = optional_unsigned("handle", detail::field_handle);
    event.future = optional_unsigned("future", detail::field_future);
    event.task = optional_unsigned("task", detail::field_task);
    if ((required & detail::field_when) || line.has("when")) event.when_ns = line.signed_field("when");
    if (required & detail::field_choice) {
      event.of = static_cast<std::uint32_t>(line.unsigned_field("of", std::numeric_limits<std::uint32_t>::max()));
      event.choice = static_cast<std::uint32_t>(line.unsigned_field("choice", std::numeric_limits<std::uint32_t>::max()));
      if (event.of == 0 || event.choice >= event.of) {
        line.fail("detsim.trace.range", "choice", "choice " + std::to_string(event.choice) + " is not below of " + std::to_string(event.of));
      }
    }
    if (required & detail::field_immediate) event.immediate = line.bool_field("immediate");
    // Allowed on any kind, though only the kinds above carry them: checked as
    // the schema checks them, not kept.
    if (!(required & detail::field_choice)) {
      if (line.has("of")) (void)line.unsigned_field("of", std::numeric_limits<std::uint32_t>::max(), 1);
      if (line.has("choice")) (void)line.unsigned_field("choice", std::numeric_limits<std::uint32_t>::max());
    }
    if (!(required & detail::field_immediate) && line.has("immediate")) (void)line.bool_field("immediate");
    if (event.kind == EventKind::task_created || line.has("name")) event.name = intern(line.string_field("name"));
    if (!task_name_agrees(event)) {
      if (event.task == 0) line.fail("detsim.trace.range", "name", "an event without a task has no name");
      const auto quoted = [this](std::uint32_t name) {
        if (name == 0) return std::string("nothing");
        std::string text(1, '\'');  // built by appending: g++ 12 warns (-Wrestrict) on "'" + string
        text += trace_.string_at(name);
        text += '\'';
        return text;
      };
      line.fail("detsim.trace.range", "name",
                "task " + std::to_string(event.task) + " is named " + quoted(task_names_.name_of(event.task)) +
                    " at its first event, not " + quoted(event.name) + " (a task keeps one name)");
    }
    if (line.has("detail")) event.detail = intern(line.string_field("detail"));
    if (line.has("site")) {
      const std::uint64_t site = line.unsigned_field("site");
      if (site == 0 || site > trace_.sites.size()) {
        line.fail("detsim.trace.range", "site", "site " + std::to_string(site) + " is not defined by an earlier site line");
      }
      event.site = static_cast<std::uint32_t>(site);
    }
    line.allow_only({"seq", "t", "kind", "cause", "handle", "future", "task", "name", "when", "choice", "of",
                     "immediate", "detail", "site"});
    trace_.events.push_back(event);
  }

  void parse_footer(Line& line) {
    TraceFooter footer;
    const std::string outcome = line.string_field("outcome");
    bool known = false;
    for (Outcome candidate : {Outcome::ok, Outcome::failed, Outcome::deadlock, Outcome::budget_exceeded}) {
      if (to_string(candidate) == outcome) {
        footer.outcome = candidate;
        known = true;
      }
    }
    if (!known) line.fail("detsim.trace.range", "outcome", "unknown outcome '" + outcome + "'");
    if (line.has("message")) footer.message = line.string_field("message");
    footer.events = line.unsigned_field("events");
    if (footer.events != trace_.events.size()) {
      line.fail("detsim.trace.count", "events", "the footer counts " + std::to_string(footer.events) + " events, the file has " +
                                                    std::to_string(trace_.events.size()));
    }
    footer.final_time_ns = line.signed_field("final_time_ns", 0);
    const std::string digest_text = line.string_field("digest");
    std::uint64_t digest = 0;
    bool valid = digest_text.size() == 16;
    for (char c : digest_text) {
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      valid = valid && hex;
      if (hex) digest = (digest << 4) | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    if (!valid) line.fail("detsim.trace.type", "digest", "expected 16 lowercase hex digits, found \"" + digest_text + "\"");
    footer.digest = digest;
    const std::uint64_t actual = trace_.digest();
    if (actual != digest) {
      line.fail("detsim.trace.digest", "digest", "the footer says " + digest_text + " but the events hash to " +
                                                     format_digest(actual) + " (the file was edited or corrupted)");
    }
    if (footer.final_time_ns < last_time_ns_) {
      line.fail("detsim.trace.range", "final_time_ns", "the run ends at " + std::to_string(footer.final_time_ns) +
                                                           " ns, before its last event (" + std::to_string(last_time_ns_) + " ns)");
    }
    line.allow_only({"type", "outcome", "message", "events", "final_time_ns", "digest"});
    trace_.footer = std::move(footer);
  }

  const std::string& source_;
  ReadOptions options_;
  Trace trace_;
  bool header_seen_ = false;
  std::int64_t last_time_ns_ = 0;
  detail::TaskNames task_names_;
  // Looked up, never iterated: indices come from first appearance in the file.
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> string_index_;
};

}  // namespace

Trace parse_trace(std::string_view text, const std::string& source_name, ReadOptions options) {
  return Parser(source_name, options).parse(text);
}

Trace read_trace(const std::string& path, ReadOptions options) {
  // (A directory opens as a file whose size is nonsense: 2^63 - 1 on ext4.)
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw TraceError("detsim.trace.open", path + ": a directory, not a trace file");
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) throw TraceError("detsim.trace.open", path + ": cannot open the file");
  const std::streamoff size = file.tellg();
  if (size < 0) throw TraceError("detsim.trace.open", path + ": cannot read the file");
  std::string contents(static_cast<std::size_t>(size), '\0');
  file.seekg(0);
  if (!file.read(contents.data(), static_cast<std::streamsize>(contents.size()))) {
    throw TraceError("detsim.trace.open", path + ": cannot read the file");
  }
  return parse_trace(contents, path, options);
}

}  // namespace detsim
