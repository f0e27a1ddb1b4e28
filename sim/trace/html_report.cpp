// The self-contained HTML report (detsim/trace/export.hpp): static HTML for
// what can be read without a script (summary, failure, how to reproduce),
// and the events as JSON in the page for the inline script that draws the
// timeline (html_report_assets.hpp).
#include <algorithm>
#include <ostream>
#include <string>

#include "detsim/trace/export.hpp"
#include "trace/export_layout.hpp"
#include "trace/format.hpp"
#include "trace/html_report_assets.hpp"

namespace detsim {
namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON that is safe inside <script>: no "</script>", "<!--" or "]]>" can be
// formed, since <, > and & only ever occur inside JSON strings here, where
// their \u escapes mean the same.
std::string escape_for_script(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_time(std::int64_t ns) {
  if (ns % 1'000'000'000 == 0 && ns != 0) return std::to_string(ns / 1'000'000'000) + " s";
  return std::to_string(ns) + " ns";
}

// Which events the page draws: the last max_events (where the run ended),
// plus the failure's cause chain wherever it is.
std::vector<std::size_t> shown_events(const Trace& trace, const detail::ExportLayout& layout, std::size_t max_events) {
  const std::size_t count = trace.events.size();
  const std::size_t first = count > max_events ? count - max_events : 0;
  std::vector<std::size_t> shown;
  for (std::size_t i = 0; i < first; ++i) {
    if (layout.on_failure_chain[i]) shown.push_back(i);
  }
  for (std::size_t i = first; i < count; ++i) shown.push_back(i);
  return shown;
}

class HtmlWriter {
 public:
  HtmlWriter(const Trace& trace, const HtmlReportOptions& options, std::string& out)
      : trace_(trace), options_(options), out_(out), layout_(detail::layout_trace(trace, 1)) {}

  void write() {
    const TraceHeader& header = trace_.header;
    const std::string title = options_.title.empty() ? "detsim: " + header.program + " (seed " +
                                                           std::to_string(header.seed) + ", " + header.scheduler + ")"
                                                     : options_.title;
    out_ += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            // Nothing from the network, whatever the trace holds.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n<title>";
    out_ += escape_html(title) + "</title>\n<style>";
    out_ += detail::html_report_style;
    out_ += "</style>\n</head>\n<body>\n<h1 id=\"title\">" + escape_html(title) + "</h1>\n";
    write_summary();
    write_failure();
    write_reproduce();
    write_timeline();
    out_ += "<script type=\"application/json\" id=\"trace-data\">" + escape_for_script(data_json()) + "</script>\n";
    out_ += "<script>";
    out_ += detail::html_report_script;
    out_ += "</script>\n</body>\n</html>\n";
  }

 private:
  void row(std::string_view name, const std::string& value, const std::string& value_class = {}) {
    out_ += "<dt>" + escape_html(name) + "</dt><dd" +
            (value_class.empty() ? std::string() : " class=\"" + value_class + "\"") + ">" + escape_html(value) +
            "</dd>\n";
  }

  void write_summary() {
    const TraceHeader& header = trace_.header;
    const std::string outcome = trace_.footer ? std::string(to_string(trace_.footer->outcome)) : "truncated";
    out_ += "<dl class=\"summary\" id=\"summary\">\n";
    row("program", header.program);
    row("outcome", outcome, "outcome-" + outcome);
    row("seed", std::to_string(header.seed));
    row("scheduler", header.scheduler);
    row("events", std::to_string(trace_.events.size()));
    row("tasks", std::to_string(layout_.tracks.size() - 1));
    if (trace_.footer) {
      row("virtual time", format_time(trace_.footer->final_time_ns));
      row("digest", format_digest(trace_.footer->digest));
    }
    row("detsim", header.detsim_version);
    for (const auto& [key, value] : header.metadata) row(key, value);
    out_ += "</dl>\n";
  }

  void write_failure() {
    const std::string message = options_.failure_message.empty() ? detail::failure_message(trace_) : options_.failure_message;
    if (message.empty() && !layout_.failure) return;
    out_ += "<section id=\"failure\">\n<h2>Failure</h2>\n<pre id=\"failure-message\">" + escape_html(message) + "</pre>\n";
    if (layout_.failure) {
      const TraceEvent& event = trace_.events[*layout_.failure];
      std::string where = "event #" + std::to_string(event.seq) + " (" + std::string(to_string(event.kind)) + ")";
      if (event.task != 0) {
        where += " of task " + std::to_string(event.task) + " '" + std::string(trace_.string_at(event.name)) + "'";
      }
      where += " at virtual time " + format_time(event.time_ns);
      out_ += "<p id=\"failure-event\" data-seq=\"" + std::to_string(event.seq) + "\">" + escape_html(where) + "</p>\n";
    }
    out_ += "</section>\n";
  }

  void write_reproduce() {
    const std::string schedule = options_.schedule.empty() ? encode_schedule(schedule_of(trace_)) : options_.schedule;
    out_ += "<section id=\"reproduce\">\n<h2>Reproduce</h2>\n<p>schedule: <code class=\"copy\" id=\"schedule\">" +
            escape_html(schedule) + "</code></p>\n";
    if (!options_.rerun_command.empty()) {
      out_ += "<p>rerun: <code class=\"copy\" id=\"rerun-command\">" + escape_html(options_.rerun_command) + "</code></p>\n";
    }
    out_ += "</section>\n";
  }

  void write_timeline() {
    shown_ = shown_events(trace_, layout_, options_.max_events);
    out_ += "<section id=\"timeline-section\">\n<h2>Timeline</h2>\n<p class=\"note\">One row per task (and one for "
            "the event loop), one column per event in the order they happened; ticks give the virtual time. Arrows "
            "show who woke whom across tasks; the failure's cause chain is in orange. Click an event to follow its "
            "causes back.";
    if (shown_.size() < trace_.events.size()) {
      out_ += " Showing " + std::to_string(shown_.size()) + " of " + std::to_string(trace_.events.size()) +
              " events: the last " + std::to_string(options_.max_events) + " and the failure's cause chain.";
    }
    out_ += "</p>\n<div id=\"timeline\"></div>\n<div id=\"details\"></div>\n"
            "<noscript>The timeline is drawn by the page's script; the events are in the page as JSON.</noscript>\n";
    if (layout_.failure) out_ += "<h2>How the run got to the failure</h2>\n<ol id=\"chain\"></ol>\n";
    out_ += "</section>\n";
  }

  std::string data_json() const {
    std::string json = "{\"tracks\":[";
    const std::size_t failing_track = layout_.failure ? layout_.track_of[*layout_.failure] : layout_.tracks.size();
    for (std::size_t t = 0; t < layout_.tracks.size(); ++t) {
      if (t != 0) json += ',';
      json += "{\"task\":" + std::to_string(layout_.tracks[t].task) + ",\"name\":";
      detail::append_json_string(json, layout_.tracks[t].name);
      if (failing_track == t) json += ",\"failing\":true";
      json += '}';
    }
    json += "],\"events\":[";
    bool first = true;
    for (std::size_t i : shown_) {
      if (!first) json += ",\n";
      first = false;
      append_event(json, i);
    }
    json += "]}";
    return json;
  }

  void append_event(std::string& json, std::size_t i) const {
    const TraceEvent& event = trace_.events[i];
    json += "{\"seq\":" + std::to_string(event.seq) + ",\"cause\":" + std::to_string(event.cause) +
            ",\"track\":" + std::to_string(layout_.track_of[i]) + ",\"t\":" + std::to_string(event.time_ns) +
            ",\"kind\":";
    detail::append_json_string(json, to_string(event.kind));
    if (event.of != 0) json += ",\"choice\":" + std::to_string(event.choice) + ",\"of\":" + std::to_string(event.of);
    if (event.when_ns != 0) json += ",\"when\":" + std::to_string(event.when_ns);
    const std::string site = detail::site_text(trace_, event);
    if (!site.empty()) {
      json += ",\"site\":";
      detail::append_json_string(json, site);
    }
    if (event.detail != 0) {
      json += ",\"detail\":";
      detail::append_json_string(json, trace_.string_at(event.detail));
    }
    if (layout_.on_failure_chain[i]) json += ",\"chain\":true";
    if (layout_.failure == i) json += ",\"failure\":true";
    json += '}';
  }

  const Trace& trace_;
  const HtmlReportOptions& options_;
  std::string& out_;
  detail::ExportLayout layout_;
  std::vector<std::size_t> shown_;
};

}  // namespace

void write_html_report(const Trace& trace, std::ostream& out, const HtmlReportOptions& options) {
  std::string html;
  HtmlWriter(trace, options, html).write();
  out << html;
}

}  // namespace detsim
