// detsim::write_chrome_trace / detsim::write_html_report: a recorded run
// (detsim::Trace) in forms people look at.
//
//   - Chrome trace-event JSON, which Perfetto UI (ui.perfetto.dev) and
//     chrome://tracing load: one track (thread) per task, plus one for the
//     loop itself (callbacks, timers, the clock); each event a slice at its
//     virtual time; each `cause` link a flow arrow from the causing event to
//     the caused one; the failure an instant event on the failing task.
//   - A self-contained HTML report: a timeline per task drawn in inline SVG,
//     causes as arrows, the failing event and its cause chain highlighted,
//     the failure message, the schedule string and the rerun command. It
//     loads nothing from the network (no CDN, no fonts).
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

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "detsim/trace/cause_chain.hpp"
#include "detsim/trace/trace.hpp"

namespace detsim {

// Writes `trace` as Chrome trace-event JSON ({"traceEvents": [...],
// "displayTimeUnit": "ns", "otherData": {...}}). Times are virtual
// microseconds (ts = t_ns / 1000, fractional). Steps take no virtual time, so
// an event at virtual time t is a slice of a nominal width (chrome_event_width_us)
// placed after the events before it at the same t: events at one instant are
// spread out in seq order, and an instant with n events takes n widths. The
// shift is the same for every event of the trace from that instant on, so
// the order of events on the time axis is their seq order.
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
