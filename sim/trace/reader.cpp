// Reading and validating traces. Every problem becomes a TraceError whose
// message starts with "<file>:<line>:" and names the field at fault; nothing
// in a trace file can crash the reader.
#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <limits>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <utility>
#include <unordered_map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "detsim/trace/trace.hpp"
#include "trace/task_names.hpp"
#include "trace/format.hpp"
#include "trace/reader_paths.hpp"

namespace detsim {

namespace {

// ordered_json keeps metadata keys in file order.
using Json = nlohmann::ordered_json;

// No trace line nests deeper than 2 (a header's metadata), and only the
// metadata has keys of the user's choosing (SCHEMA.md).
constexpr std::size_t max_json_depth = 16;
constexpr std::size_t max_object_keys = detail::max_metadata_entries;

// ---- values and the checks on them ----------------------------------------

// One value of a line, as the checks see it, whichever path read it: an event
// line's fast path straight from the bytes, or nlohmann's parser. Trivial, so
// that the fast path need not clear an array of them per line: Value{} is
// absent, all zero.
struct Value {
  enum class Type : std::uint8_t { absent, unsigned_integer, signed_integer, fractional, string, boolean, null, array, object, huge_integer };
  Type type;
  // unsigned_integer: the number. signed_integer (written with a minus sign,
  // "-0" too): the number's two's complement. boolean: 0 or 1. string: the
  // length of the text at `data`. huge_integer (a whole number past 64 bits,
  // which nlohmann reads as a double): 1 if negative.
  std::uint64_t number;
  const char* data;

  std::string_view text() const { return {data, number}; }
};

// nlohmann keeps a number written without a minus sign as unsigned (a double
// past 2^64 - 1) and one with it as signed (a double past -2^63).
Value value_of(const Json& json) {
  switch (json.type()) {
    case Json::value_t::number_unsigned: return {Value::Type::unsigned_integer, json.get<std::uint64_t>(), nullptr};
    case Json::value_t::number_integer:
      return {Value::Type::signed_integer, static_cast<std::uint64_t>(json.get<std::int64_t>()), nullptr};
    case Json::value_t::number_float: {
      // Past 2^64 - 1 or below -2^63, a whole number is out of range, not
      // fractional (doubles that large are all whole).
      const double number = json.get<double>();
      if (number >= 0x1p64 || number < -0x1p63) return {Value::Type::huge_integer, number < 0 ? 1u : 0u, nullptr};
      return {Value::Type::fractional, 0, nullptr};
    }
    case Json::value_t::string: {
      const auto& text = json.get_ref<const std::string&>();
      return {Value::Type::string, text.size(), text.data()};
    }
    case Json::value_t::boolean: return {Value::Type::boolean, json.get<bool>() ? 1u : 0u, nullptr};
    case Json::value_t::null: return {Value::Type::null, 0, nullptr};
    case Json::value_t::array: return {Value::Type::array, 0, nullptr};
    default: return {Value::Type::object, 0, nullptr};
  }
}

const char* type_name(const Value& value) {
  switch (value.type) {
    case Value::Type::null: return "null";
    case Value::Type::boolean: return "a boolean";
    case Value::Type::fractional: return "a fractional number";
    case Value::Type::huge_integer: return "an integer out of range (past 64 bits)";
    case Value::Type::unsigned_integer:
    case Value::Type::signed_integer: return "an integer";
    case Value::Type::string: return "a string";
    case Value::Type::array: return "an array";
    default: return "an object";
  }
}

// A line's position, and the checks of its values' types, signs and ranges,
// which throw TraceErrors naming the file, line and field. Every line of
// every kind is checked here, however it was read.
class Place {
 public:
  Place(const std::string& source, std::size_t number) : source_(source), number_(number) {}

  [[noreturn, gnu::cold]] void fail(std::string_view id, std::string_view field, const std::string& problem) const {
    std::string message = source_ + ":" + std::to_string(number_) + ": ";
    if (!field.empty()) message += "field '" + std::string(field) + "': ";
    throw TraceError(id, message + problem);
  }

  // An event line's kind, once known: a missing field then says that the
  // kind requires it.
  void set_kind(std::string_view kind) { kind_ = kind; }

  // Each check is a test inline and, when it fails, a call to say why.
  const Value& require(std::string_view field, const Value& value) const {
    if (value.type == Value::Type::absent) [[unlikely]] refuse_missing(field);
    return value;
  }

  std::uint64_t unsigned_value(std::string_view field, const Value& value,
                               std::uint64_t maximum = std::numeric_limits<std::uint64_t>::max(),
                               std::uint64_t minimum = 0) const {
    if (value.type != Value::Type::unsigned_integer || value.number > maximum || value.number < minimum) [[unlikely]] {
      refuse_unsigned(field, value, maximum, minimum);
    }
    return value.number;
  }

  std::int64_t signed_value(std::string_view field, const Value& value,
                            std::int64_t minimum = std::numeric_limits<std::int64_t>::min()) const {
    const auto number = static_cast<std::int64_t>(value.number);
    const bool integer = value.type == Value::Type::signed_integer || (value.type == Value::Type::unsigned_integer && number >= 0);
    if (!integer || number < minimum) [[unlikely]] refuse_signed(field, value, minimum);
    return number;
  }

  std::string_view string_value(std::string_view field, const Value& value) const {
    if (value.type != Value::Type::string) [[unlikely]] refuse_type(field, value, "expected a string, found ");
    return value.text();
  }

  bool bool_value(std::string_view field, const Value& value) const {
    if (value.type != Value::Type::boolean) [[unlikely]] refuse_type(field, value, "expected true or false, found ");
    return value.number != 0;
  }

 private:
  [[noreturn, gnu::cold, gnu::noinline]] void refuse_missing(std::string_view field) const {
    fail("detsim.trace.missing", field, kind_.empty() ? "missing" : "missing (required for kind '" + std::string(kind_) + "')");
  }

  [[noreturn, gnu::cold, gnu::noinline]] void refuse_type(std::string_view field, const Value& value, const char* expected) const {
    require(field, value);
    fail("detsim.trace.type", field, expected + std::string(type_name(value)));
  }

  [[noreturn, gnu::cold, gnu::noinline]] void refuse_unsigned(std::string_view field, const Value& value,
                                                              std::uint64_t maximum, std::uint64_t minimum) const {
    require(field, value);
    refuse_huge(field, value, "at most " + std::to_string(maximum));
    if (value.type == Value::Type::signed_integer) {
      fail("detsim.trace.range", field, "must not be negative, found " + std::to_string(static_cast<std::int64_t>(value.number)));
    }
    if (value.type != Value::Type::unsigned_integer) refuse_type(field, value, "expected an unsigned integer, found ");
    if (value.number > maximum) {
      fail("detsim.trace.range", field, std::to_string(value.number) + " is out of range (at most " + std::to_string(maximum) + ")");
    }
    fail("detsim.trace.range", field, std::to_string(value.number) + " is out of range (at least " + std::to_string(minimum) + ")");
  }

  [[noreturn, gnu::cold, gnu::noinline]] void refuse_signed(std::string_view field, const Value& value, std::int64_t minimum) const {
    refuse_huge(field, value, "at least " + std::to_string(minimum));
    if (value.type != Value::Type::unsigned_integer && value.type != Value::Type::signed_integer) {
      refuse_type(field, value, "expected an integer, found ");
    }
    if (value.type == Value::Type::unsigned_integer &&
        value.number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail("detsim.trace.range", field, std::to_string(value.number) + " is out of range");
    }
    const auto number = static_cast<std::int64_t>(value.number);
    fail("detsim.trace.range", field, std::to_string(number) + " is out of range (at least " + std::to_string(minimum) + ")");
  }

  // Returns if `value` is not a huge integer.
  void refuse_huge(std::string_view field, const Value& value, const std::string& bound) const {
    if (value.type != Value::Type::huge_integer) return;
    fail("detsim.trace.range", field, std::string(value.number ? "a negative" : "an") +
                                          " integer past 64 bits is out of range (" + bound + ")");
  }

  const std::string& source_;
  std::size_t number_;
  std::string_view kind_;
};

// A line parsed as JSON, with its values found by name.
class Line : public Place {
 public:
  Line(const std::string& source, std::size_t number, Json value) : Place(source, number), json_(std::move(value)) {}

  bool has(const char* field) const { return json_.contains(field); }
  Value value(const char* field) const {
    const auto it = json_.find(field);
    return it == json_.end() ? Value{} : value_of(*it);
  }

  // Fails on a key that is not one of `fields` (the schema allows no
  // others: a misspelt key would otherwise lose what it holds unnoticed).
  void allow_only(std::initializer_list<std::string_view> fields) const {
    for (const auto& [key, value] : json_.items()) {
      bool known = false;
      for (std::string_view field : fields) known = known || key == field;
      if (!known) fail("detsim.trace.unknown_field", key, "unknown field (traces/SCHEMA.md lists the fields of each line)");
    }
  }

  std::uint64_t unsigned_field(const char* field, std::uint64_t maximum = std::numeric_limits<std::uint64_t>::max()) const {
    return unsigned_value(field, value(field), maximum);
  }
  std::int64_t signed_field(const char* field, std::int64_t minimum = std::numeric_limits<std::int64_t>::min()) const {
    return signed_value(field, value(field), minimum);
  }
  std::string string_field(const char* field) const { return std::string(string_value(field, value(field))); }
  bool bool_field(const char* field) const { return bool_value(field, value(field)); }

  const Json& json() const { return json_; }

 private:
  Json json_;
};

// ---- event lines -------------------------------------------------------------

// The fields of an event line (SCHEMA.md, "Event"), in the order the writer
// puts them in, which the fast path expects.
enum class EventField : std::uint8_t {
  seq, t, kind, cause, handle, future, task, name, when, choice, of, immediate,
  primitive, primitive_type, primitive_name, detail, site
};
constexpr std::size_t event_field_count = static_cast<std::size_t>(EventField::site) + 1;

// What an event line's field holds, and when it must be there. The rules
// that relate fields (seq counts up, t never decreases, cause < seq,
// choice < of, a task keeps one name, a site is defined before use) are in
// Parser::add_event.
struct EventFieldRule {
  std::string_view name;
  Value::Type type;  // unsigned_integer, signed_integer (any integer), string or boolean
  bool always;       // required on every kind
  std::uint8_t required_by;  // else the detail::TraceField bit of the kinds that require it
  std::int64_t minimum = 0;  // of a number
  std::uint64_t maximum = std::numeric_limits<std::uint64_t>::max();  // of an unsigned number
};

constexpr std::uint32_t max_u32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t min_i64 = std::numeric_limits<std::int64_t>::min();

constexpr EventFieldRule event_field_rules[event_field_count] = {
    {"seq", Value::Type::unsigned_integer, true, 0},
    {"t", Value::Type::signed_integer, true, 0, 0},
    {"kind", Value::Type::string, true, 0},
    {"cause", Value::Type::unsigned_integer, true, 0},
    {"handle", Value::Type::unsigned_integer, false, detail::field_handle},
    {"future", Value::Type::unsigned_integer, false, detail::field_future},
    {"task", Value::Type::unsigned_integer, false, detail::field_task},
    {"name", Value::Type::string, false, detail::field_name},
    {"when", Value::Type::signed_integer, false, detail::field_when, min_i64},
    {"choice", Value::Type::unsigned_integer, false, detail::field_choice, 0, max_u32},
    {"of", Value::Type::unsigned_integer, false, detail::field_choice, 1, max_u32},  // where required, "choice < of" instead of 1
    {"immediate", Value::Type::boolean, false, detail::field_immediate},
    {"primitive", Value::Type::unsigned_integer, false, detail::field_primitive},
    {"primitive_type", Value::Type::string, false, detail::field_primitive},
    {"primitive_name", Value::Type::string, false, 0},
    {"detail", Value::Type::string, false, 0},
    {"site", Value::Type::unsigned_integer, false, 0},
};

constexpr const EventFieldRule& rule_of(EventField field) { return event_field_rules[static_cast<std::size_t>(field)]; }

// An event line's values, by field.
using EventValues = std::array<Value, event_field_count>;

std::optional<EventField> event_field_named(std::string_view key) noexcept {
  for (std::size_t i = 0; i < event_field_count; ++i) {
    if (event_field_rules[i].name == key) return static_cast<EventField>(i);
  }
  return std::nullopt;
}

// The general path: the values of an event line parsed as JSON, and the
// first of its keys that is not an event's field, if any.
EventValues event_values(const Json& object, std::optional<std::string_view>& unknown_key) {
  EventValues values{};
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (const auto field = event_field_named(it.key())) {
      values[static_cast<std::size_t>(*field)] = value_of(it.value());
    } else if (!unknown_key) {
      unknown_key = it.key();
    }
  }
  return values;
}

// An event line's values, each checked against its rule as it is taken.
struct EventChecks {
  const EventValues& values;
  const Place& place;
  std::uint8_t required = 0;  // detail::required_fields of the line's kind, once known

  // The field's value, checked (type, sign, range); if it is absent and need
  // not be there, an absent value (0, false, "").
  template <EventField field>
  [[gnu::always_inline]] const Value& take(std::int64_t minimum = rule_of(field).minimum) const {
    static constexpr EventFieldRule rule = rule_of(field);
    const Value& value = values[static_cast<std::size_t>(field)];
    if (!rule.always && !(required & rule.required_by) && value.type == Value::Type::absent) return value;
    if constexpr (rule.type == Value::Type::unsigned_integer) {
      place.unsigned_value(rule.name, value, rule.maximum, static_cast<std::uint64_t>(minimum));
    } else if constexpr (rule.type == Value::Type::signed_integer) {
      place.signed_value(rule.name, value, minimum);
    } else if constexpr (rule.type == Value::Type::string) {
      place.string_value(rule.name, value);
    } else {
      place.bool_value(rule.name, value);
    }
    return value;
  }
};

// The fast path: reads the values of an event line laid out as detsim writes
// it, without building a JSON value. The line must start with `{"seq":` and
// hold a kind; keys come in the rules' order, each once, with no whitespace;
// each value is of its rule's type: an integer (no fraction, exponent or
// leading zero; within 64 bits), a string of valid UTF-8 without escapes or
// control characters, or a boolean. False for any other line, which the
// general path then reads: a line read here is JSON that nlohmann parses to
// the same values.
class EventTokenizer {
 public:
  explicit EventTokenizer(std::string_view line) : p_(line.data()), end_(line.data() + line.size()) {}

  bool read(EventValues& values) {
    static constexpr std::array<char, 1> close = {'}'};
    return read_fields(values, std::make_index_sequence<event_field_count>{}) && literal(close) && p_ == end_ &&
           values[static_cast<std::size_t>(EventField::kind)].type != Value::Type::absent;
  }

 private:
  // `{"seq":` for the first field, `,"<name>":` for the others.
  template <std::size_t I>
  static constexpr auto key_of() {
    constexpr std::string_view name = event_field_rules[I].name;
    std::array<char, name.size() + 4> key{};
    key[0] = I == 0 ? '{' : ',';
    key[1] = '"';
    for (std::size_t i = 0; i < name.size(); ++i) key[i + 2] = name[i];
    key[name.size() + 2] = '"';
    key[name.size() + 3] = ':';
    return key;
  }

  template <std::size_t... I>
  bool read_fields(EventValues& values, std::index_sequence<I...>) {
    return (read_field<I>(values[I]) && ...);
  }

  // A field that is not there is absent (the first must be there).
  template <std::size_t I>
  [[gnu::always_inline]] bool read_field(Value& value) {
    static constexpr auto key = key_of<I>();
    if (!literal(key)) {
      // Member by member: g++ clears the whole Value with a slow rep stos.
      value.type = Value::Type::absent;
      value.number = 0;
      value.data = nullptr;
      return I != 0;
    }
    return read_value<event_field_rules[I].type>(value);
  }

  // Whether the line goes on with `text`, a constant: compared a word or
  // two at a time (memcmp, even of a constant size, was a call).
  template <std::size_t N>
  [[gnu::always_inline]] bool literal(const std::array<char, N>& text) {
    static_assert(N <= 24);
    if (static_cast<std::size_t>(end_ - p_) < N) return false;
    const auto same = [&]<class Word>(Word, std::size_t at) {
      Word line_word, text_word;
      std::memcpy(&line_word, p_ + at, sizeof(Word));
      std::memcpy(&text_word, text.data() + at, sizeof(Word));
      return line_word == text_word;
    };
    bool matches;
    if constexpr (N > 16) {
      matches = same(std::uint64_t{}, 0) && same(std::uint64_t{}, 8) && same(std::uint64_t{}, N - 8);
    } else if constexpr (N >= 8) {
      matches = same(std::uint64_t{}, 0) && same(std::uint64_t{}, N - 8);
    } else if constexpr (N >= 4) {
      matches = same(std::uint32_t{}, 0) && same(std::uint32_t{}, N - 4);
    } else {
      matches = std::equal(text.begin(), text.end(), p_);
    }
    if (matches) p_ += N;
    return matches;
  }

  // A value of the field's type (a value of another the general path reads,
  // and refuses: the tokenizer need not know how to read it).
  template <Value::Type type>
  [[gnu::always_inline]] bool read_value(Value& value) {
    if constexpr (type == Value::Type::unsigned_integer) {
      value.type = type;
      return read_digits(value.number);
    } else if constexpr (type == Value::Type::signed_integer) {
      // As nlohmann reads it: without a minus sign, unsigned; with one
      // ("-0" too), signed, down to -2^63 (past it, a double).
      if (p_ == end_ || *p_ != '-') return read_value<Value::Type::unsigned_integer>(value);
      ++p_;
      std::uint64_t magnitude = 0;
      if (!read_digits(magnitude) || magnitude > std::uint64_t{1} << 63) return false;
      value.type = Value::Type::signed_integer;
      value.number = 0 - magnitude;
      return true;
    } else if constexpr (type == Value::Type::string) {
      if (p_ == end_ || *p_ != '"') return false;
      ++p_;
      value.type = type;
      return read_string(value);
    } else {
      static_assert(type == Value::Type::boolean);
      static constexpr std::array<char, 4> true_text = {'t', 'r', 'u', 'e'};
      static constexpr std::array<char, 5> false_text = {'f', 'a', 'l', 's', 'e'};
      value.type = type;
      value.number = 1;
      if (literal(true_text)) return true;
      value.number = 0;
      return literal(false_text);
    }
  }

  static bool is_digit(char c) { return static_cast<unsigned char>(c - '0') <= 9; }

  // Up to 20 digits, no leading zero, at most 2^64 - 1 (past it, nlohmann
  // reads a double). (Here and below, through a local copy of p_: the
  // compiler stores a member back before every byte read, which may alias it.)
  [[gnu::always_inline]] bool read_digits(std::uint64_t& out) {
    const char* p = p_;
    const char* const nineteen = p + std::min<std::ptrdiff_t>(end_ - p, 19);
    std::uint64_t value = 0;
    while (p != nineteen && is_digit(*p)) value = value * 10 + static_cast<std::uint64_t>(*p++ - '0');
    if (p == p_ || (*p_ == '0' && p - p_ > 1)) return false;  // none, or a leading zero: not JSON
    if (p != end_ && is_digit(*p)) {  // a twentieth
      if (__builtin_mul_overflow(value, 10u, &value) ||
          __builtin_add_overflow(value, static_cast<std::uint64_t>(*p++ - '0'), &value)) {
        return false;
      }
      if (p != end_ && is_digit(*p)) return false;
    }
    p_ = p;
    out = value;
    return true;
  }

  // Up to and past the closing quote.
  bool read_string(Value& out) {
    const char* const start = p_;
    const auto* quote = static_cast<const char*>(std::memchr(start, '"', static_cast<std::size_t>(end_ - start)));
    if (!quote) return false;
    const std::string_view text(start, static_cast<std::size_t>(quote - start));
    for (std::size_t i = 0; i < text.size();) {
      const auto byte = static_cast<unsigned char>(text[i]);
      if (byte == '\\' || byte < 0x20) return false;
      const std::size_t length = byte < 0x80 ? 1 : detail::utf8_sequence_length(text, i);
      if (length == 0) return false;
      i += length;
    }
    p_ = quote + 1;
    out.number = text.size();
    out.data = text.data();
    return true;
  }

  const char* p_;
  const char* const end_;
};

class Parser {
 public:
  Parser(const std::string& source, ReadOptions options) : source_(source), options_(options) {}

  Trace parse(std::string_view text) {
    if (text.empty()) throw TraceError("detsim.trace.empty", source_ + ": the file is empty (a trace starts with a header line)");
    // Event lines are ~70-120 bytes: reserve once instead of regrowing (and
    // copying) the event array through a large file.
    trace_.events.reserve(text.size() / 128);
    const std::size_t number = read_lines(text);
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

  // Reads the lines of `text`; returns how many.
  std::size_t read_lines(std::string_view text) {
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
    return number;
  }

  // For reader_paths.hpp: reads one more line by one path; false if the
  // fast path declines it.
  bool read_event_line(std::string_view line, std::size_t number, detail::EventLinePath path) {
    switch (path) {
      case detail::EventLinePath::fast: return header_seen_ && !trace_.footer && parse_event_fast(line, number);
      case detail::EventLinePath::general: parse_line_general(line, number, true); return true;
      case detail::EventLinePath::reader: parse_line(line, number, true); return true;
    }
    return true;
  }
  const Trace& trace() const { return trace_; }

 private:
  // Returns false to stop reading (a cut-short last line).
  bool parse_line(std::string_view content, std::size_t number, bool complete) {
    // Event lines as detsim writes them take the fast path; any other line
    // (whitespace, escapes, keys out of order or unknown, other types of
    // value) the general one. Both check the values they read in add_event.
    if (header_seen_ && !trace_.footer && parse_event_fast(content, number)) return true;
    return parse_line_general(content, number, complete);
  }

  bool parse_line_general(std::string_view content, std::size_t number, bool complete) {
    Json value;
    try {
      value = parse_json(content, number);
    } catch (const Json::parse_error& error) {
      if (!complete && header_seen_ && !trace_.footer) {
        // The last line of a file cut short while it was written.
        if (options_.allow_truncated) {
          trace_.cut_line = number;
          return false;
        }
        throw TraceError("detsim.trace.truncated", source_ + ":" + std::to_string(number) + ": the last line is cut short");
      }
      throw TraceError("detsim.trace.json", source_ + ":" + std::to_string(number) + ": malformed JSON: " +
                                                within_the_line(error.what()));
    } catch (const Json::exception& error) {  // a number too large for a double, say
      throw TraceError("detsim.trace.json", source_ + ":" + std::to_string(number) + ": malformed JSON: " + error.what());
    }
    Line line(source_, number, std::move(value));
    if (!line.json().is_object()) {
      line.fail("detsim.trace.type", "", std::string("expected a JSON object, found ") + type_name(value_of(line.json())));
    }
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
    if (const Value type = line.value("type"); type.type != Value::Type::string || type.text() != "header") {
      line.fail("detsim.trace.no_header", "type", "the first line must be the header ({\"type\":\"header\", ...})");
    }
    TraceHeader& header = trace_.header;
    header.format = line.string_field("format");
    if (header.format != trace_format_name) {
      line.fail("detsim.trace.format", "format", "expected \"" + std::string(trace_format_name) + "\", found \"" + header.format + "\"");
    }
    const std::int64_t version = line.signed_field("version");
    if (version != trace_format_version) {
      // (Version 3 lacks the primitive events; its files are not read, as
      // SCHEMA.md's "Compatibility" says: recording the run again makes one.)
      line.fail("detsim.trace.version", "version", "this reader reads version " + std::to_string(trace_format_version) +
                                                       ", the file has version " + std::to_string(version));
    }
    header.version = static_cast<int>(version);
    header.detsim_version = line.string_field("detsim");
    header.program = line.string_field("program");
    header.scheduler = line.string_field("scheduler");
    header.seed = line.unsigned_field("seed");
    header.debug = line.bool_field("debug");
    const Value metadata = line.require("metadata", line.value("metadata"));
    if (metadata.type != Value::Type::object) {
      line.fail("detsim.trace.type", "metadata", std::string("expected an object, found ") + type_name(metadata));
    }
    for (const auto& [key, value] : line.json()["metadata"].items()) {
      header.metadata.emplace_back(key, line.string_value("metadata." + key, value_of(value)));
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

  // The fast path: false if the line is not laid out for it.
  bool parse_event_fast(std::string_view content, std::size_t number) {
    EventValues values;
    if (!EventTokenizer(content).read(values)) return false;
    Place place(source_, number);
    add_event(values, std::nullopt, place);
    return true;
  }

  void parse_event(Line& line) {
    std::optional<std::string_view> unknown_key;
    const EventValues values = event_values(line.json(), unknown_key);
    add_event(values, unknown_key, line);
  }

  // Checks an event line's values, read by either path, against the rules of
  // event_field_rules and those that relate fields; adds the event.
  void add_event(const EventValues& values, std::optional<std::string_view> unknown_key, Place& place) {
    EventChecks checks{values, place};
    TraceEvent event;
    const std::string_view kind_name = checks.take<EventField::kind>().text();
    const auto kind = detail::event_kind_from_name(kind_name);
    if (!kind) place.fail("detsim.trace.range", "kind", "unknown event kind '" + std::string(kind_name) + "'");
    event.kind = *kind;
    place.set_kind(kind_name);
    const std::uint8_t required = detail::required_fields(event.kind);
    checks.required = required;
    event.seq = checks.take<EventField::seq>().number;
    const std::uint64_t expected_seq = trace_.events.size() + 1;
    if (event.seq != expected_seq) {
      place.fail("detsim.trace.sequence", "seq", "events out of sequence: expected " + std::to_string(expected_seq) +
                                                    ", found " + std::to_string(event.seq));
    }
    event.time_ns = static_cast<std::int64_t>(checks.take<EventField::t>().number);
    if (event.time_ns < last_time_ns_) {
      place.fail("detsim.trace.sequence", "t", "virtual time goes backwards (" + std::to_string(event.time_ns) +
                                                  " after " + std::to_string(last_time_ns_) + ")");
    }
    last_time_ns_ = event.time_ns;
    event.cause = checks.take<EventField::cause>().number;
    if (event.cause >= event.seq) {
      place.fail("detsim.trace.range", "cause", "must name an earlier event (cause " + std::to_string(event.cause) +
                                                   " >= seq " + std::to_string(event.seq) + ")");
    }
    event.handle = checks.take<EventField::handle>().number;
    event.future = checks.take<EventField::future>().number;
    event.task = checks.take<EventField::task>().number;
    event.when_ns = static_cast<std::int64_t>(checks.take<EventField::when>().number);
    if (required & detail::field_choice) {
      // Not "of at least 1" here: "choice < of" below says more.
      event.of = static_cast<std::uint32_t>(checks.take<EventField::of>(0).number);
      event.choice = static_cast<std::uint32_t>(checks.take<EventField::choice>().number);
      if (event.of == 0 || event.choice >= event.of) {
        place.fail("detsim.trace.range", "choice", "choice " + std::to_string(event.choice) + " is not below of " +
                                                      std::to_string(event.of));
      }
    }
    if (required & detail::field_immediate) event.immediate = checks.take<EventField::immediate>().number != 0;
    // Allowed on any kind, though only the kinds above carry them: checked,
    // not kept.
    if (!(required & detail::field_choice)) {
      checks.take<EventField::of>();
      checks.take<EventField::choice>();
    }
    if (!(required & detail::field_immediate)) checks.take<EventField::immediate>();
    if (const Value& name = checks.take<EventField::name>(); name.type != Value::Type::absent) event.name = intern(name.text());
    if (!task_name_agrees(event)) fail_task_name(event, place);
    read_primitive(checks, event, place);
    if (const Value& detail = checks.take<EventField::detail>(); detail.type != Value::Type::absent) {
      event.detail = intern(detail.text());
    }
    if (const Value& site = checks.take<EventField::site>(); site.type != Value::Type::absent) {
      if (site.number == 0 || site.number > trace_.sites.size()) {
        place.fail("detsim.trace.range", "site", "site " + std::to_string(site.number) + " is not defined by an earlier site line");
      }
      event.site = static_cast<std::uint32_t>(site.number);
    }
    if (unknown_key) {
      place.fail("detsim.trace.unknown_field", *unknown_key, "unknown field (traces/SCHEMA.md lists the fields of each line)");
    }
    trace_.events.push_back(event);
  }

  // A primitive event's primitive: an id and a type, and a name if it has
  // one; any other event may name one too (a task_leaked), with the same
  // fields, or none of them.
  void read_primitive(EventChecks& checks, TraceEvent& event, Place& place) {
    const Value& id = checks.take<EventField::primitive>();
    const Value& type = checks.take<EventField::primitive_type>();
    const Value& name = checks.take<EventField::primitive_name>();
    if (id.type == Value::Type::absent) {
      if (type.type != Value::Type::absent || name.type != Value::Type::absent) {
        place.fail("detsim.trace.missing", "primitive", "missing (the line names a primitive's type or name)");
      }
      return;
    }
    if (type.type == Value::Type::absent) place.fail("detsim.trace.missing", "primitive_type", "missing (required with primitive)");
    event.primitive = id.number;
    event.primitive_type = intern(type.text());
    if (name.type != Value::Type::absent) event.primitive_name = intern(name.text());
  }

  // A task keeps the name of its first event, and only an event with a task
  // has a name (SCHEMA.md). Notes the name of a task's first event.
  bool task_name_agrees(const TraceEvent& event) {
    if (event.task == 0) return event.name == 0;
    if (const std::uint32_t* name = task_names_.find(event.task)) return *name - 1 == event.name;
    task_names_.add(event.task, event.name);
    return true;
  }

  [[noreturn, gnu::cold]] void fail_task_name(const TraceEvent& event, const Place& place) const {
    if (event.task == 0) place.fail("detsim.trace.range", "name", "an event without a task has no name");
    const auto quoted = [this](std::uint32_t name) {
      if (name == 0) return std::string("nothing");
      std::string text(1, '\'');  // built by appending: g++ 12 warns (-Wrestrict) on "'" + string
      text += trace_.string_at(name);
      text += '\'';
      return text;
    };
    place.fail("detsim.trace.range", "name",
               "task " + std::to_string(event.task) + " is named " + quoted(task_names_.name_of(event.task)) +
                   " at its first event, not " + quoted(event.name) + " (a task keeps one name)");
  }

  void parse_footer(Line& line) {
    TraceFooter footer;
    const std::string outcome = line.string_field("outcome");
    bool known = false;
    for (Outcome candidate : {Outcome::ok, Outcome::failed, Outcome::deadlock, Outcome::budget_exceeded,
                              Outcome::leaked_tasks}) {
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

namespace detail {

EventLineResult read_event_line(std::string_view before, std::string_view line, EventLinePath path) {
  static const std::string source = "agreement.jsonl";
  EventLineResult result;
  Parser parser(source, {});
  try {
    const std::size_t number = parser.read_lines(before);
    result.declined = !parser.read_event_line(line, number + 1, path);
    if (!result.declined) result.trace = parser.trace();
  } catch (const TraceError& error) {
    result.error_id = error.id();
    result.error = error.what();
  }
  return result;
}

}  // namespace detail

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
