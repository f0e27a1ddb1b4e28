// detsim::write_chrome_trace / detsim::write_html_report: a recorded run
// (detsim::Trace) in forms people look at.
//
//   - Chrome trace-event JSON, which Perfetto UI (ui.perfetto.dev) and
//     chrome://tracing load: one track (thread) per task, plus one for the
//     events that concern no task (the loop starting and stopping, plain
//     callbacks and their timers, the clock); each event a slice at its
//     virtual time; each `cause` link a flow arrow from the causing event to
//     the caused one; the failure an instant event on the failing task.
//   - A self-contained HTML report: a timeline per task drawn in inline SVG,
//     causes as arrows, the failing event and its cause chain highlighted,
//     the failure message, the schedule string and the rerun command. It
//     loads nothing from the network (no CDN, no fonts), and draws at most
//     HtmlReportOptions::max_events events (the last ones, and the
//     failure's cause chain).
//
// Both show every event kind, including kinds this build does not know
// specially (new kinds are drawn generically, labelled by their kind name).
//
// Determinism contract: the output is a function of the trace (and the
// options) alone: same trace, same bytes. No clock, no address, no hash
// order. Everything taken from the trace (task names, messages, sites) is
// escaped for JSON or HTML: a task named `<script>` is shown as text.
//
// Example:
//   detsim::Trace trace = detsim::read_trace("failure.jsonl");
//   std::ofstream json("failure.json");
//   detsim::write_chrome_trace(trace, json);
//   std::ofstream html("failure.html");
//   detsim::write_html_report(trace, html, {.title = "lost update", .schedule = result.schedule});
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "detsim/trace/cause_chain.hpp"
#include "detsim/trace/trace.hpp"

namespace detsim {

// Writes `trace` as Chrome trace-event JSON: {"traceEvents": [...],
// "displayTimeUnit": "ns", "otherData": {program, seed, scheduler, outcome,
// message, digest, ...}}. In traceEvents:
//   - "M" metadata: the process's name, and a thread_name and
//     thread_sort_index per track. Task N is thread N ("<name> (task N)");
//     the loop's track is the thread after the last task (Perfetto treats
//     thread 0 as the kernel's) and sorts first.
//   - an "X" slice per event, named by its kind (to_string(kind)), its
//     fields in args (seq, cause, t_ns, handle, future, task, when_ns,
//     choice, of, name, detail, site, function).
//   - a flow per cause link: "s" on the causing slice, "f" ("bp":"e") on
//     the caused one, both at their slice's exact ts, id = the caused seq.
//   - an "i" instant named "failure" on the failing event (failure_event),
//     whose slice also has "cname":"terrible" (red).
// Times are microseconds. Steps take no virtual time, so each event is a
// slice of chrome_event_width_us that starts at its virtual time, or where
// the event before it ends if that is later: the events of one instant lie
// side by side in seq order, and time catches up at the next gap. args.t_ns
// keeps the exact virtual time.
void write_chrome_trace(const Trace& trace, std::ostream& out);

// The nominal width of an event's slice in the Chrome trace, microseconds.
inline constexpr double chrome_event_width_us = 1.0;

struct HtmlReportOptions {
  std::string title;            // empty: "detsim: <program> (seed <seed>, <scheduler>)"
  std::string schedule;         // the schedule string; empty: encoded from the trace (schedule_of)
  std::string rerun_command;    // how to reproduce the run; empty: not shown
  std::string failure_message;  // empty: the footer's message
  // At most this many events are drawn: the last ones of the run (where it
  // failed), plus every event of the failure's cause chain. The page says
  // which range it shows. A trace of a million events would otherwise make
  // a page no browser draws.
  std::size_t max_events = 3000;
};

// Writes a self-contained HTML page showing `trace` (see the top of this file).
void write_html_report(const Trace& trace, std::ostream& out, const HtmlReportOptions& options = {});

// The event that failed the run, as an index into trace.events, if the trace
// says which: for a failed run, the last event of the task whose exception
// failed it (the set_exception whose detail is the footer's message), else
// the last step; none for a run that passed or has no events.
std::optional<std::size_t> failure_event(const Trace& trace);

}  // namespace detsim
