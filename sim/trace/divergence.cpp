#include "detsim/trace/divergence.hpp"

#include <algorithm>
#include <string>

#include "trace/event_equality.hpp"

namespace detsim {

namespace {

std::string format_time(std::int64_t ns) {
  if (ns != 0 && ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns != 0 && ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  if (ns != 0 && ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
  return std::to_string(ns) + "ns";
}

std::string context_lines(const Trace& trace, std::size_t index, std::size_t count) {
  std::string text;
  for (std::size_t i = index > count ? index - count : 0; i < index; ++i) {
    text += "    " + describe_event(trace, trace.events[i]) + "\n";
  }
  return text;
}

}  // namespace

Divergence divergence_at(const Trace& expected, const Trace& actual, std::size_t index, std::size_t context_events) {
  auto event_or_end = [index](const Trace& trace) {
    return index < trace.events.size()
               ? describe_event(trace, trace.events[index])
               : "(none: the run ended after " + std::to_string(trace.events.size()) + " events)";
  };
  return Divergence{index + 1, event_or_end(expected), event_or_end(actual),
                    context_lines(actual, index, context_events)};
}

std::string describe_event(const Trace& trace, const TraceEvent& event) {
  std::string text = "seq " + std::to_string(event.seq) + " t=" + format_time(event.time_ns) + " " +
                     std::string(to_string(event.kind));
  if (event.task) text += " task " + std::to_string(event.task);
  if (event.name) text += " '" + std::string(trace.string_at(event.name)) + "'";
  if (event.handle) text += " handle " + std::to_string(event.handle);
  if (event.future) text += " future " + std::to_string(event.future);
  if (event.primitive) {
    // "Lock 'accounts' (primitive 2)", as deadlock reports name primitives.
    // (Appended piece by piece: g++ 12 warns (-Wrestrict) on "'" + string.)
    text += ' ';
    text += trace.string_at(event.primitive_type);
    if (event.primitive_name) {
      text += " '";
      text += trace.string_at(event.primitive_name);
      text += '\'';
    }
    text += " (primitive ";
    text += std::to_string(event.primitive);
    text += ')';
  }
  if (event.kind == EventKind::timer_scheduled || event.kind == EventKind::timer_due ||
      event.kind == EventKind::timeout) {
    text += " when=" + format_time(event.when_ns);
  }
  if (event.of) text += " choice " + std::to_string(event.choice) + "/" + std::to_string(event.of);
  if (event.kind == EventKind::done_callback && event.immediate) text += " immediate";
  if (event.detail) text += " \"" + std::string(trace.string_at(event.detail)) + "\"";
  if (event.cause) text += " (cause " + std::to_string(event.cause) + ")";
  if (event.site && event.site <= trace.sites.size()) {
    const TraceSite& site = trace.sites[event.site - 1];
    text += " at " + site.file + ":" + std::to_string(site.line) + " (" + site.function + ")";
  }
  return text;
}

std::string Divergence::describe() const {
  std::string text = "first divergence at event " + std::to_string(seq) + "\n  expected: " + expected +
                     "\n  actual:   " + actual;
  if (!context.empty()) text += "\n  preceded by:\n" + context;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::optional<Divergence> first_divergence(const Trace& expected, const Trace& actual, std::size_t context_events) {
  const std::size_t common = std::min(expected.events.size(), actual.events.size());
  std::size_t index = 0;
  while (index < common && detail::same_event(expected, expected.events[index], actual, actual.events[index])) ++index;
  if (index == expected.events.size() && index == actual.events.size()) return std::nullopt;
  return divergence_at(expected, actual, index, context_events);
}

}  // namespace detsim
