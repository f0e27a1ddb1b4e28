// Chrome trace-event JSON (detsim/trace/export.hpp): one process, a thread
// per track, an "X" slice per event, a flow ("s" then "f") per cause link.
//
// Facts of the format that shaped this file:
//   - Chrome's DevTools binds a flow event to the slice with the same cat,
//     pid, tid and ts; Perfetto binds "s" to the slice open on its thread and
//     "f" with "bp":"e" to the enclosing slice. So both flow ends sit exactly
//     at their slice's ts, with the slice's cat, and follow the slice in the
//     array (events are written in ts order).
//   - Perfetto treats tid 0 (and pid 0) as the kernel's swapper and merges
//     it with tid 1 in some versions: tasks are numbered from 1, and the loop's
//     track takes the number after the last task.
//   - Metadata ("M") events carry no ts.
#include <cinttypes>
#include <ostream>
#include <string>

#include "detsim/trace/export.hpp"
#include "trace/export_layout.hpp"
#include "trace/format.hpp"

namespace detsim {
namespace {

constexpr int process_id = 1;
constexpr std::int64_t width_ns = static_cast<std::int64_t>(chrome_event_width_us * 1000);
constexpr std::string_view category = "detsim";

// Microseconds from nanoseconds, exactly: "12.345".
void append_microseconds(std::string& out, std::int64_t ns) {
  out += std::to_string(ns / 1000);
  const auto fraction = static_cast<int>(ns % 1000);
  if (fraction != 0) {
    char digits[8];
    std::snprintf(digits, sizeof digits, ".%03d", fraction);
    out += digits;
  }
}

class ChromeWriter {
 public:
  ChromeWriter(const Trace& trace, std::string& out)
      : trace_(trace), out_(out), layout_(detail::layout_trace(trace, width_ns)) {
    std::uint64_t last_task = 0;
    for (const detail::ExportTrack& track : layout_.tracks) last_task = std::max(last_task, track.task);
    loop_thread_ = last_task + 1;
  }

  void write() {
    out_ += "{\"traceEvents\":[\n";
    write_metadata();
    caused_by_ = children();
    for (std::size_t i = 0; i < trace_.events.size(); ++i) write_event(i);
    write_failure();
    out_ += "],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":";
    write_other_data();
    out_ += "}\n";
  }

 private:
  std::uint64_t thread_of(std::size_t event) const {
    const detail::ExportTrack& track = layout_.tracks[layout_.track_of[event]];
    return track.task == 0 ? loop_thread_ : track.task;
  }

  // Opens one element of traceEvents: {"name":...,"cat":...,"ph":...,"pid":1,"tid":...
  void open(std::string_view name, char phase, std::uint64_t thread) {
    if (!first_) out_ += ",\n";
    first_ = false;
    out_ += "{\"name\":";
    detail::append_json_string(out_, name);
    out_ += ",\"cat\":\"";
    out_ += category;
    out_ += "\",\"ph\":\"";
    out_ += phase;
    out_ += "\",\"pid\":" + std::to_string(process_id) + ",\"tid\":" + std::to_string(thread);
  }
  void time(std::int64_t ns) {
    out_ += ",\"ts\":";
    append_microseconds(out_, ns);
  }
  void metadata(std::string_view what, std::uint64_t thread, std::string_view key, const std::string& value_json) {
    open(what, 'M', thread);
    out_ += ",\"args\":{\"";
    out_ += key;
    out_ += "\":" + value_json + "}}";
  }
  static std::string quoted(std::string_view text) {
    std::string json;
    detail::append_json_string(json, text);
    return json;
  }

  void write_metadata() {
    const TraceHeader& header = trace_.header;
    metadata("process_name", loop_thread_, "name",
             quoted("detsim: " + header.program + " (seed " + std::to_string(header.seed) + ", " + header.scheduler + ")"));
    for (const detail::ExportTrack& track : layout_.tracks) {
      const std::uint64_t thread = track.task == 0 ? loop_thread_ : track.task;
      const std::string name = track.task == 0 ? std::string(track.name)
                                               : std::string(track.name) + " (task " + std::to_string(track.task) + ")";
      metadata("thread_name", thread, "name", quoted(name));
      // The loop's track first, then the tasks by number.
      metadata("thread_sort_index", thread, "sort_index", std::to_string(track.task));
    }
  }

  // For each event, the events it caused, in seq order (a CSR table).
  struct Children {
    std::vector<std::size_t> begin;  // per event + 1
    std::vector<std::size_t> caused;
  };
  Children children() const {
    const std::size_t count = trace_.events.size();
    Children table{std::vector<std::size_t>(count + 1, 0), std::vector<std::size_t>()};
    for (const TraceEvent& event : trace_.events) {
      if (has_cause(event)) ++table.begin[event.cause];
    }
    for (std::size_t i = 0; i < count; ++i) table.begin[i + 1] += table.begin[i];
    table.caused.resize(table.begin[count]);
    std::vector<std::size_t> next(table.begin.begin(), table.begin.end() - 1);
    for (std::size_t i = 0; i < count; ++i) {
      if (has_cause(trace_.events[i])) table.caused[next[trace_.events[i].cause - 1]++] = i;
    }
    return table;
  }
  bool has_cause(const TraceEvent& event) const {
    return event.cause != 0 && event.cause < event.seq && event.cause <= trace_.events.size();
  }

  void write_event(std::size_t i) {
    const TraceEvent& event = trace_.events[i];
    open(to_string(event.kind), 'X', thread_of(i));
    time(layout_.position_ns[i]);
    out_ += ",\"dur\":";
    append_microseconds(out_, width_ns);
    if (layout_.failure == i) out_ += ",\"cname\":\"terrible\"";
    write_arguments(event);
    out_ += '}';
    // The flow from this event's cause ends here...
    if (has_cause(event)) {
      open("cause", 'f', thread_of(i));
      time(layout_.position_ns[i]);
      out_ += ",\"id\":" + std::to_string(event.seq) + ",\"bp\":\"e\"}";
    }
    // ...and those to the events it caused start here (each flow's id is
    // the seq of the event it ends at: one cause per event).
    for (std::size_t k = caused_by_.begin[i]; k < caused_by_.begin[i + 1]; ++k) {
      open("cause", 's', thread_of(i));
      time(layout_.position_ns[i]);
      out_ += ",\"id\":" + std::to_string(trace_.events[caused_by_.caused[k]].seq) + "}";
    }
  }

  // Every field the event carries, so that a kind this file does not know
  // still shows all it has.
  void write_arguments(const TraceEvent& event) {
    out_ += ",\"args\":{\"seq\":" + std::to_string(event.seq) + ",\"cause\":" + std::to_string(event.cause) +
            ",\"t_ns\":" + std::to_string(event.time_ns);
    auto number = [&](std::string_view key, std::uint64_t value) {
      if (value == 0) return;
      out_ += ",\"";
      out_ += key;
      out_ += "\":" + std::to_string(value);
    };
    number("handle", event.handle);
    number("future", event.future);
    number("task", event.task);
    if (event.when_ns != 0) out_ += ",\"when_ns\":" + std::to_string(event.when_ns);
    if (event.of != 0) out_ += ",\"choice\":" + std::to_string(event.choice) + ",\"of\":" + std::to_string(event.of);
    if (event.immediate) out_ += ",\"immediate\":true";
    auto text = [&](std::string_view key, std::string_view value) {
      if (value.empty()) return;
      out_ += ",\"";
      out_ += key;
      out_ += "\":";
      detail::append_json_string(out_, value);
    };
    text("name", trace_.string_at(event.name));
    text("detail", trace_.string_at(event.detail));
    text("site", detail::site_text(trace_, event));
    if (event.site != 0 && event.site <= trace_.sites.size()) text("function", trace_.sites[event.site - 1].function);
    out_ += '}';
  }

  void write_failure() {
    if (!layout_.failure) return;
    const std::size_t i = *layout_.failure;
    open("failure", 'i', thread_of(i));
    time(layout_.position_ns[i]);
    out_ += ",\"s\":\"t\",\"args\":{\"message\":" + quoted(detail::failure_message(trace_)) +
            ",\"seq\":" + std::to_string(trace_.events[i].seq) + "}}";
  }

  void write_other_data() {
    const TraceHeader& header = trace_.header;
    out_ += "{\"program\":" + quoted(header.program) + ",\"seed\":" + quoted(std::to_string(header.seed)) +
            ",\"scheduler\":" + quoted(header.scheduler) + ",\"detsim\":" + quoted(header.detsim_version) +
            ",\"events\":" + quoted(std::to_string(trace_.events.size()));
    if (trace_.footer) {
      out_ += ",\"outcome\":" + quoted(to_string(trace_.footer->outcome)) +
              ",\"digest\":" + quoted(format_digest(trace_.footer->digest));
      if (!trace_.footer->message.empty()) out_ += ",\"message\":" + quoted(trace_.footer->message);
    } else {
      out_ += ",\"outcome\":\"truncated\"";
    }
    out_ += ",\"time_axis\":" +
            quoted("virtual time; events at one instant are laid out one after another, " +
                   std::to_string(width_ns / 1000) + " us apart (args.t_ns is the virtual time)") +
            "}";
  }

  const Trace& trace_;
  std::string& out_;
  detail::ExportLayout layout_;
  Children caused_by_;
  std::uint64_t loop_thread_ = 0;
  bool first_ = true;
};

}  // namespace

void write_chrome_trace(const Trace& trace, std::ostream& out) {
  std::string json;
  ChromeWriter(trace, json).write();
  out << json;
}

}  // namespace detsim
