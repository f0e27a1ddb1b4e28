// The trace reader's two paths for an event line (sim/trace/reader_paths.hpp)
// agree. An event line laid out as detsim writes it is read by a tokenizer;
// any other by nlohmann's parser. Here both read random lines: the next event
// of a random trace, as the writer writes it, and the same line mangled
// (fields dropped, given twice, moved, renamed, of the wrong type, negative,
// out of range or huge; unknown or other kinds; whitespace; a stray, missing
// or changed byte). Wherever the tokenizer takes a line, it must read the same
// event as the parser, or refuse it with the same error; and parse_trace must
// read every line as the parser alone does.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <detsim/trace/trace.hpp>

#include "trace/format.hpp"
#include "trace/reader_paths.hpp"

namespace {

using detsim::EventKind;
using detsim::Trace;
using detsim::TraceEvent;
using detsim::detail::EventLinePath;
using detsim::detail::EventLineResult;
namespace gen = rc::gen;

// ---- a random trace, and its next event ---------------------------------------

// Names and details: plain, escaped by the writer, not ASCII.
const std::vector<std::string>& string_pool() {
  static const std::vector<std::string> pool = {"A", "B", "Task-1", "worker", "", "caf\xc3\xa9", "\xf0\x9f\x98\x80",
                                                "say \"hi\"", "back\\slash", "tab\there", "\x01"};
  return pool;
}

std::uint32_t intern(Trace& trace, const std::string& text) {
  const auto found = std::find(trace.strings.begin(), trace.strings.end(), text);
  if (found != trace.strings.end()) return static_cast<std::uint32_t>(found - trace.strings.begin() + 1);
  trace.strings.push_back(text);
  return static_cast<std::uint32_t>(trace.strings.size());
}

// An id as the loop counts them, now and then any 64-bit number.
std::uint64_t draw_id() {
  return *gen::weightedOneOf<std::uint64_t>({{6, gen::inRange<std::uint64_t>(1, 6)},
                                             {1, gen::arbitrary<std::uint64_t>()}});
}

// A valid next event of `trace`, whose tasks are named as `names` says (task
// id -> the name index of its first event, 0 for none), which it updates.
TraceEvent draw_next_event(Trace& trace, std::map<std::uint64_t, std::uint32_t>& names) {
  using namespace detsim::detail;
  TraceEvent event;
  event.kind = static_cast<EventKind>(*gen::inRange<std::size_t>(0, event_kind_count));
  const std::uint8_t required = required_fields(event.kind);
  const auto sometimes = [] { return *gen::weightedElement<bool>({{3, false}, {1, true}}); };
  event.seq = trace.events.size() + 1;
  const std::int64_t last = trace.events.empty() ? 0 : trace.events.back().time_ns;
  const std::int64_t step = *gen::weightedOneOf<std::int64_t>(
      {{3, gen::just<std::int64_t>(0)}, {3, gen::inRange<std::int64_t>(1, 1000)},
       {1, gen::inRange<std::int64_t>(0, std::int64_t{1} << 40)}});
  event.time_ns = last > std::numeric_limits<std::int64_t>::max() - step ? last : last + step;
  event.cause = *gen::inRange<std::uint64_t>(0, event.seq);
  if ((required & field_handle) || sometimes()) event.handle = draw_id();
  if ((required & field_future) || sometimes()) event.future = draw_id();
  if ((required & field_task) || sometimes()) {
    event.task = draw_id();
    // A task_created names its task: not one whose first event had no name.
    while (event.kind == EventKind::task_created && names.contains(event.task) && names[event.task] == 0) ++event.task;
  }
  if (event.task != 0) {
    if (!names.contains(event.task)) {
      const bool named = event.kind == EventKind::task_created || sometimes();
      names[event.task] = named ? intern(trace, *gen::elementOf(string_pool())) : 0;
    }
    event.name = names[event.task];
  }
  if ((required & field_when) || sometimes()) {
    event.when_ns = *gen::oneOf(gen::inRange<std::int64_t>(-5, 5), gen::arbitrary<std::int64_t>());
  }
  if (required & field_choice) {
    event.of = *gen::weightedOneOf<std::uint32_t>({{4, gen::inRange<std::uint32_t>(1, 6)},
                                                   {1, gen::just(std::numeric_limits<std::uint32_t>::max())},
                                                   {1, gen::inRange<std::uint32_t>(1, std::numeric_limits<std::uint32_t>::max())}});
    event.choice = *gen::oneOf(gen::just(event.of - 1), gen::inRange<std::uint32_t>(0, event.of));
  }
  if (required & field_immediate) event.immediate = *gen::arbitrary<bool>();
  if (sometimes()) event.detail = intern(trace, *gen::elementOf(string_pool()));
  if (!trace.sites.empty() && sometimes()) {
    event.site = *gen::inRange<std::uint32_t>(1, static_cast<std::uint32_t>(trace.sites.size()) + 1);
  }
  return event;
}

// A trace's header, sites and events: what the line under test follows.
struct Context {
  Trace trace;
  std::map<std::uint64_t, std::uint32_t> names;
};

Context draw_context() {
  Context context;
  context.trace.header.program = "agreement";
  const auto sites = *gen::inRange<std::size_t>(0, 4);
  for (std::size_t i = 0; i < sites; ++i) {
    context.trace.sites.push_back({.file = "tests/x.cpp", .line = static_cast<std::uint32_t>(i + 1), .function = "f"});
  }
  const auto events = *gen::inRange<std::size_t>(0, 8);
  for (std::size_t i = 0; i < events; ++i) context.trace.events.push_back(draw_next_event(context.trace, context.names));
  return context;
}

// The line the writer writes for the last event of `trace`.
std::string written_line(const Trace& trace) {
  const std::string text = detsim::to_jsonl(trace);
  const std::string start = "{\"seq\":" + std::to_string(trace.events.size()) + ",";
  const std::size_t at = text.find(start);
  return text.substr(at, text.find('\n', at) - at);
}

// ---- mangling a line -----------------------------------------------------------

struct Field {
  std::string key;    // as written, with its quotes
  std::string value;  // as written
};

// The fields of a line as the writer lays it out (no whitespace; values are
// numbers, booleans and strings).
std::vector<Field> split_fields(const std::string& line) {
  std::vector<Field> fields;
  std::size_t i = 1;  // past '{'
  const auto token_end = [&line](std::size_t from, char stop) {
    bool in_string = false;
    for (std::size_t k = from; k < line.size(); ++k) {
      if (in_string && line[k] == '\\') {
        ++k;
      } else if (line[k] == '"') {
        in_string = !in_string;
      } else if (!in_string && (line[k] == stop || line[k] == '}')) {
        return k;
      }
    }
    return line.size();
  };
  while (i < line.size() && line[i] != '}') {
    const std::size_t colon = token_end(i, ':');
    const std::size_t end = token_end(colon + 1, ',');
    fields.push_back({line.substr(i, colon - i), line.substr(colon + 1, end - colon - 1)});
    i = end + (end < line.size() && line[end] == ',' ? 1 : 0);
  }
  return fields;
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> known_keys() {
  return {"seq", "t", "kind", "cause", "handle", "future", "task", "name", "when", "choice", "of", "immediate", "detail", "site"};
}

// A key: one of an event's, or one that is not, or one spelt with an escape.
std::string draw_key() {
  return *gen::weightedOneOf<std::string>(
      {{6, gen::map(gen::elementOf(known_keys()), quoted)},
       {1, gen::element<std::string>("\"sIte\"", "\"type\"", "\"\"", "\"Seq\"", "\"kind \"", "\"\\u0073eq\"",
                                     "\"ti\\u006de\"", "\"t\\u0000\"")}});
}

// A value as written: numbers at every edge, next to the trace's own ones and
// to those of the line's `fields` (so that rules relating two values meet
// their edges: choice and of, cause and seq, t and the last event's),
// other types, valid and malformed JSON.
std::string draw_value(const Context& context, const std::vector<Field>& fields) {
  const Trace& trace = context.trace;
  const std::uint64_t next = trace.events.size() + 1;
  const std::int64_t last = trace.events.empty() ? 0 : trace.events.back().time_ns;
  std::vector<std::string> own = {std::to_string(next - 1), std::to_string(next), std::to_string(next + 1),
                                  std::to_string(last - 1), std::to_string(last), std::to_string(last + 1),
                                  std::to_string(trace.sites.size()), std::to_string(trace.sites.size() + 1)};
  for (const auto& [task, name] : context.names) own.push_back(std::to_string(task));
  for (const Field& field : fields) {
    if (field.value.empty() || field.value.find_first_not_of("0123456789") != std::string::npos) continue;
    if (field.value.size() > 18) continue;
    const std::uint64_t number = std::stoull(field.value);
    for (const std::uint64_t near : {number - 1, number, number + 1}) own.push_back(std::to_string(near));
  }
  std::vector<std::string> kinds;
  for (std::size_t i = 0; i < detsim::detail::event_kind_count; ++i) {
    kinds.push_back(quoted(std::string(detsim::to_string(static_cast<EventKind>(i)))));
  }
  return *gen::weightedOneOf<std::string>({
      {4, gen::element<std::string>("0", "1", "2", "-0", "-1", "4294967295", "4294967296", "9223372036854775807",
                                    "9223372036854775808", "-9223372036854775807", "-9223372036854775808",
                                    "-9223372036854775809", "18446744073709551615", "18446744073709551616",
                                    "9999999999999999999", "10000000000000000000", "-9999999999999999999",
                                    "99999999999999999999", "1000000000000000000", "-1000000000000000000")},
      {4, gen::elementOf(own)},
      {2, gen::map(gen::arbitrary<std::uint64_t>(), [](std::uint64_t n) { return std::to_string(n); })},
      {2, gen::map(gen::arbitrary<std::int64_t>(), [](std::int64_t n) { return std::to_string(n); })},
      {3, gen::elementOf(kinds)},
      {2, gen::map(gen::elementOf(string_pool()), quoted)},
      {2, gen::element<std::string>("\"call_later\"", "\"\"", "\"STEP\"", "\"step \"", "\"st\\u0065p\"",
                                    "\"\\u00e9\"", "\"a\\nb\"", "\"\xc3\xa9\"", "\"\xff\"", "\"\xc3\"",
                                    "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\x7f\"",
                                    "\"\x01\"", "\"\t\"", "\"\\ud800\"")},
      {3, gen::element<std::string>("true", "false", "null", "[]", "[1]", "{}", "{\"a\":1}", "1.0", "1e3", "1E+2",
                                    "-0.0", "0.5", "1e999", "-1e999")},
      {1, gen::element<std::string>("01", "-01", "00", "-", "+1", ".5", "1.", "tru", "nul", "\"open", "'x'", "",
                                    "0x10", "1 2", std::string(17, '[') + std::string(17, ']'))},
  });
}

// `text` plus or minus one, if it is an unsigned number of up to 19 digits.
std::optional<std::string> nudged(const std::string& text, bool up) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) return {};
  const std::uint64_t number = std::stoull(text);
  if (!up && number == 0) return "-1";
  return std::to_string(up ? number + 1 : number - 1);
}

// The same value written otherwise, or nearly: where a tokenizer and a JSON
// parser are most likely to read a line apart.
std::string respelled(const std::string& value) {
  if (value.empty()) return value;
  if (value.front() == '"') {  // a string: an escape, a byte that is not UTF-8, a control character
    const auto at = *gen::inRange<std::size_t>(1, value.size());
    const std::string piece = *gen::element<std::string>("\\u0041", "\\/", "\\\"", "\\", "\xff", "\xc3", "\xc3\xa9",
                                                         "\xe2\x82", "\xed\xa0\x80", "\x01", "\t", "\x7f");
    return value.substr(0, at) + piece + value.substr(at);
  }
  if (value == "true" || value == "false") return *gen::element<std::string>("tru", "True", "1", "0", "\"true\"");
  // a number: written otherwise, or at the edges of 64 bits
  return *gen::oneOf(gen::element<std::string>("0" + value, "-" + value, "-0", value + ".0", value + "e0",
                                               value + "E+0", value + "0", "1" + value, "+" + value),
                     gen::element<std::string>("-9223372036854775808", "-9223372036854775809", "-18446744073709551616",
                                               "-99999999999999999999", "9223372036854775807", "9223372036854775808",
                                               "18446744073709551615", "18446744073709551616", "99999999999999999999"));
}

enum class Mangle { drop, repeat, move, revalue, nudge, respell, rekey, add };

void mangle_fields(std::vector<Field>& fields, const Context& context) {
  if (fields.empty()) {
    fields.push_back({draw_key(), draw_value(context, fields)});
    return;
  }
  const auto index = [&fields] { return *gen::inRange<std::size_t>(0, fields.size()); };
  const auto position = [&fields] { return *gen::inRange<std::size_t>(0, fields.size() + 1); };
  const auto at = [&fields](std::size_t i) { return fields.begin() + static_cast<std::ptrdiff_t>(i); };
  // Mostly a value changed: lines that still parse, and meet the rules at
  // their edges, or values written as the writer would not.
  switch (*gen::weightedElement<Mangle>({{2, Mangle::drop}, {1, Mangle::repeat}, {1, Mangle::move},
                                         {3, Mangle::revalue}, {4, Mangle::nudge}, {4, Mangle::respell},
                                         {1, Mangle::rekey}, {2, Mangle::add}})) {
    case Mangle::drop:
      fields.erase(at(index()));
      break;
    case Mangle::repeat: {  // the same value or another
      Field copy = fields[index()];
      if (*gen::arbitrary<bool>()) copy.value = draw_value(context, fields);
      fields.insert(at(position()), copy);
      break;
    }
    case Mangle::move: {
      const std::size_t from = index();
      const Field moved = fields[from];
      fields.erase(at(from));
      fields.insert(at(position()), moved);
      break;
    }
    case Mangle::revalue:
      fields[index()].value = draw_value(context, fields);
      break;
    case Mangle::nudge: {  // a number one more or one less
      std::vector<std::size_t> numbers;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (nudged(fields[i].value, true)) numbers.push_back(i);
      }
      if (numbers.empty()) break;
      Field& field = fields[*gen::elementOf(numbers)];
      field.value = *nudged(field.value, *gen::arbitrary<bool>());
      break;
    }
    case Mangle::respell: {
      Field& field = fields[index()];
      field.value = respelled(field.value);
      break;
    }
    case Mangle::rekey:
      fields[index()].key = draw_key();
      break;
    case Mangle::add:
      fields.insert(at(position()), Field{draw_key(), draw_value(context, fields)});
      break;
  }
}

// The fields as a line, with whitespace between tokens if `spaced`.
std::string join(const std::vector<Field>& fields, bool spaced) {
  const auto space = [spaced] { return spaced ? *gen::element<std::string>("", "", " ", "\t", "\r", "  ") : ""; };
  std::string line = space() + "{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    line += space() + fields[i].key + space() + ":" + space() + fields[i].value + space();
    if (i + 1 < fields.size()) line += ",";
  }
  return line + "}" + space();
}

// A byte of the line added, removed or changed, or the line cut short.
void mangle_bytes(std::string& line) {
  const auto at = *gen::inRange<std::size_t>(0, line.size() + 1);
  const char byte = *gen::weightedOneOf<char>({{3, gen::element('"', ',', ':', '{', '}', '\\', ' ', '0', '-')},
                                               {1, gen::arbitrary<char>()}});
  switch (*gen::inRange(0, 4)) {
    case 0: line.insert(at, 1, byte); break;
    case 1: if (at < line.size()) line.erase(at, 1); break;
    case 2: if (at < line.size()) line[at] = byte; break;
    default: line.resize(at); break;
  }
  // A line holds no '\n' (the reader splits the file at them).
  std::replace(line.begin(), line.end(), '\n', ' ');
}

// ---- the comparison ------------------------------------------------------------

std::string printable(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::string describe(const EventLineResult& result) {
  if (result.declined) return "declined";
  if (!result.error.empty()) return "error " + printable(result.error);  // what() starts with "[id]"
  const TraceEvent& e = result.trace.events.back();
  return "event seq " + std::to_string(e.seq) + " t " + std::to_string(e.time_ns) + " kind " +
         std::string(detsim::to_string(e.kind)) + " cause " + std::to_string(e.cause) + " handle " +
         std::to_string(e.handle) + " future " + std::to_string(e.future) + " task " + std::to_string(e.task) +
         " name '" + printable(std::string(result.trace.string_at(e.name))) + "' when " + std::to_string(e.when_ns) +
         " choice " + std::to_string(e.choice) + " of " + std::to_string(e.of) + " immediate " +
         std::to_string(e.immediate) + " detail '" + printable(std::string(result.trace.string_at(e.detail))) +
         "' site " + std::to_string(e.site);
}

RC_GTEST_PROP(TraceReader, FastAndGeneralPathsReadEveryEventLineAlike, ()) {
  const Context context = draw_context();
  const std::string before = detsim::to_jsonl(context.trace);  // no footer: more lines may follow
  // Lines by the batch: a case's trace serves many lines (each read after
  // `before`, not after one another).
  const auto lines = *gen::inRange<std::size_t>(1, 60);
  std::size_t accepted = 0, refused = 0, declined = 0;  // by the fast path
  for (std::size_t i = 0; i < lines; ++i) {
    Context next = context;
    next.trace.events.push_back(draw_next_event(next.trace, next.names));
    const std::string written = written_line(next.trace);
    std::vector<Field> fields = split_fields(written);
    const auto mangles = *gen::weightedElement<std::size_t>({{3, 0}, {4, 1}, {2, 2}, {1, 3}});
    for (std::size_t m = 0; m < mangles; ++m) mangle_fields(fields, context);
    const bool spaced = *gen::weightedElement<bool>({{5, false}, {1, true}});
    std::string line = mangles == 0 && !spaced ? written : join(fields, spaced);
    const bool bytes_mangled = *gen::weightedElement<bool>({{6, false}, {1, true}});
    if (bytes_mangled) mangle_bytes(line);

    const EventLineResult fast = read_event_line(before, line, EventLinePath::fast);
    const EventLineResult general = read_event_line(before, line, EventLinePath::general);
    const EventLineResult reader = read_event_line(before, line, EventLinePath::reader);
    (fast.declined ? declined : fast.error.empty() ? accepted : refused) += 1;
    const std::string context_text = "\nline:    " + printable(line) + "\nafter:   " + printable(before);
    if (!fast.declined && fast != general) {
      RC_FAIL("the paths disagree" + context_text + "\nfast:    " + describe(fast) + "\ngeneral: " + describe(general));
    }
    if (reader != general) {
      RC_FAIL("parse_trace reads the line otherwise than the general path" + context_text +
              "\nreader:  " + describe(reader) + "\ngeneral: " + describe(general));
    }
    // What the fast path is for: lines as the writer writes them, with no escapes.
    if (line == written && written.find('\\') == std::string::npos && fast.declined) {
      RC_FAIL("the fast path declined a line as the writer writes it" + context_text);
    }
  }
  RC_CLASSIFY(accepted > 0, "the fast path accepted a line");
  RC_CLASSIFY(refused > 0, "the fast path refused a line");
  RC_CLASSIFY(declined > 0, "the fast path declined a line");
}

}  // namespace
