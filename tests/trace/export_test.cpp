// The exporters (detsim/trace/export.hpp) and cause_chain: the Chrome JSON
// checked against the trace-event format's rules, with the expected tracks
// and flows for a known program; the HTML report's escaping and
// self-containment (tests/trace/export_browser_test.cpp opens it in a browser).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include <detsim/trace/export.hpp>

#include "trace/export_example.hpp"

namespace {

using detsim::EventKind;
using detsim::Trace;
using nlohmann::json;

// Where this test's runs write their traces: a file per test, since CTest
// may run the tests of this file in parallel, each in a process of its own.
std::string scratch_trace() {
  return std::string("export_test.") + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl";
}

std::string chrome_json(const Trace& trace) {
  std::ostringstream out;
  detsim::write_chrome_trace(trace, out);
  return out.str();
}

std::string html_report(const Trace& trace, const detsim::HtmlReportOptions& options = {}) {
  std::ostringstream out;
  detsim::write_html_report(trace, out, options);
  return out.str();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t found = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++found;
  return found;
}

// The failing run every test here looks at, recorded once.
const detsim_test::RecordedRun& failing_run() {
  static const detsim_test::RecordedRun result = detsim_test::first_lost_update(scratch_trace());
  return result;
}

class ChromeTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(failing_run().ok());
    document = json::parse(chrome_json(trace()));
    ASSERT_TRUE(document.is_object());
    ASSERT_TRUE(document.contains("traceEvents"));
    ASSERT_TRUE(document["traceEvents"].is_array());
    for (const json& event : document["traceEvents"]) {
      const std::string phase = event.value("ph", "");
      if (phase == "X") slices[event["args"]["seq"].get<std::uint64_t>()] = event;
      if (phase == "M" && event["name"] == "thread_name") thread_names[event["tid"]] = event["args"]["name"];
    }
  }
  static const Trace& trace() { return failing_run().trace; }
  json document;
  std::map<std::uint64_t, json> slices;  // by seq
  std::map<std::uint64_t, std::string> thread_names;  // by tid
};

TEST_F(ChromeTrace, EveryEventHasTheFieldsItsPhaseRequires) {
  for (const json& event : document["traceEvents"]) {
    SCOPED_TRACE(event.dump());
    ASSERT_TRUE(event.contains("ph") && event["ph"].is_string());
    ASSERT_TRUE(event.contains("name") && event["name"].is_string());
    // pid and tid 0 are the kernel's swapper to Perfetto.
    ASSERT_TRUE(event.contains("pid") && event["pid"].is_number_unsigned() && event["pid"].get<int>() >= 1);
    ASSERT_TRUE(event.contains("tid") && event["tid"].is_number_unsigned() && event["tid"].get<int>() >= 1);
    const std::string phase = event["ph"];
    ASSERT_TRUE(phase == "X" || phase == "M" || phase == "s" || phase == "f" || phase == "i") << phase;
    if (phase == "M") {
      EXPECT_FALSE(event.contains("ts"));
      ASSERT_TRUE(event.contains("args") && event["args"].is_object());
      continue;
    }
    ASSERT_TRUE(event.contains("ts") && event["ts"].is_number());
    EXPECT_GE(event["ts"].get<double>(), 0);
    EXPECT_TRUE(event.contains("cat"));
    if (phase == "X") {
      ASSERT_TRUE(event.contains("dur") && event["dur"].is_number());
      EXPECT_GT(event["dur"].get<double>(), 0);
    }
    if (phase == "s" || phase == "f") {
      EXPECT_TRUE(event.contains("id") && event["id"].is_number_unsigned());
    }
    if (phase == "i") {
      EXPECT_EQ(event["s"], "t");
    }
  }
}

TEST_F(ChromeTrace, HasOneTrackPerTaskAndOneForTheLoop) {
  // Task 1 runs the program, 2 and 3 the racing readers; the loop's track
  // takes the number after the last task.
  const std::map<std::uint64_t, std::string> expected = {
      {1, "Task-1 (task 1)"}, {2, "reader-A (task 2)"}, {3, "reader-B (task 3)"}, {4, "event loop"}};
  EXPECT_EQ(thread_names, expected);
  ASSERT_EQ(slices.size(), trace().events.size());
  for (const detsim::TraceEvent& event : trace().events) {
    const json& slice = slices.at(event.seq);
    EXPECT_EQ(slice["name"], std::string(to_string(event.kind)));
    EXPECT_EQ(slice["tid"].get<std::uint64_t>(), event.task == 0 ? 4 : event.task) << slice.dump();
    EXPECT_EQ(slice["args"]["t_ns"].get<std::int64_t>(), event.time_ns);
    EXPECT_EQ(slice["args"]["cause"].get<std::uint64_t>(), event.cause);
  }
  // The sleep made the loop's track carry timer events.
  EXPECT_NE(document.dump().find("\"timer_due\""), std::string::npos);
}

TEST_F(ChromeTrace, SlicesFollowSeqAndNeverStartBeforeTheirVirtualTime) {
  double previous_end = -1;
  for (const auto& [seq, slice] : slices) {
    const double ts = slice["ts"], dur = slice["dur"];
    EXPECT_GE(ts, previous_end) << "slice " << seq << " overlaps the one before";
    EXPECT_GE(ts * 1000, slice["args"]["t_ns"].get<double>()) << "slice " << seq;
    previous_end = ts + dur;
  }
  // The sleep shows: the first event after it starts at 1 ms.
  bool after_sleep = false;
  for (const auto& [seq, slice] : slices) after_sleep |= slice["ts"].get<double>() >= 1000.0;
  EXPECT_TRUE(after_sleep);
}

TEST_F(ChromeTrace, EachCauseIsAFlowFromTheCausingSliceToTheCausedOne) {
  std::map<std::uint64_t, json> starts, finishes;
  for (const json& event : document["traceEvents"]) {
    const std::uint64_t id = event.value("id", std::uint64_t{0});
    if (event["ph"] == "s") {
      EXPECT_TRUE(starts.emplace(id, event).second) << "two flow starts with id " << id;
    }
    if (event["ph"] == "f") {
      EXPECT_TRUE(finishes.emplace(id, event).second) << "two flow ends with id " << id;
    }
  }
  std::set<std::uint64_t> caused;
  for (const detsim::TraceEvent& event : trace().events) {
    if (event.cause != 0) caused.insert(event.seq);
  }
  ASSERT_FALSE(caused.empty());
  std::set<std::uint64_t> start_ids, finish_ids;
  for (const auto& [id, event] : starts) start_ids.insert(id);
  for (const auto& [id, event] : finishes) finish_ids.insert(id);
  EXPECT_EQ(start_ids, caused);
  EXPECT_EQ(finish_ids, caused);
  // Each end is bound to its slice as both viewers bind: same pid, tid, cat
  // and ts (DevTools); the end binds to its enclosing slice (Perfetto).
  auto bound_to = [](const json& flow, const json& slice) {
    return flow["pid"] == slice["pid"] && flow["tid"] == slice["tid"] && flow["cat"] == slice["cat"] &&
           flow["ts"] == slice["ts"];
  };
  for (std::uint64_t seq : caused) {
    const std::uint64_t cause = trace().events[seq - 1].cause;
    EXPECT_TRUE(bound_to(starts.at(seq), slices.at(cause))) << starts.at(seq).dump() << " vs " << slices.at(cause).dump();
    EXPECT_TRUE(bound_to(finishes.at(seq), slices.at(seq))) << finishes.at(seq).dump() << " vs " << slices.at(seq).dump();
    EXPECT_EQ(finishes.at(seq)["bp"], "e");
    EXPECT_LT(starts.at(seq)["ts"].get<double>(), finishes.at(seq)["ts"].get<double>());
  }
}

TEST_F(ChromeTrace, MarksTheFailureOnTheFailingTask) {
  std::vector<json> failures;
  for (const json& event : document["traceEvents"]) {
    if (event["ph"] == "i") failures.push_back(event);
  }
  ASSERT_EQ(failures.size(), 1u);
  const json& failure = failures[0];
  EXPECT_EQ(failure["name"], "failure");
  EXPECT_EQ(failure["args"]["message"], failing_run().message());
  EXPECT_EQ(failure["tid"], 1) << "the check failed in the main task";
  const json& slice = slices.at(failure["args"]["seq"].get<std::uint64_t>());
  EXPECT_EQ(slice["name"], "set_exception");
  EXPECT_EQ(slice["ts"], failure["ts"]);
  EXPECT_EQ(slice["cname"], "terrible");
  EXPECT_EQ(document["otherData"]["outcome"], "failed");
  EXPECT_EQ(document["otherData"]["seed"], std::to_string(trace().header.seed));
}

TEST_F(ChromeTrace, SameTraceSameBytesAndTheFileReadBackExportsTheSame) {
  const std::string first = chrome_json(trace());
  EXPECT_EQ(chrome_json(trace()), first);
  const detsim_test::RecordedRun again =
      detsim_test::run_lost_update_checked(trace().header.seed, scratch_trace() + ".again");
  EXPECT_EQ(chrome_json(again.trace), first);
  EXPECT_EQ(chrome_json(detsim::read_trace(scratch_trace() + ".again")), first);
}

// A kind this build does not draw specially (one another version adds) is
// still a slice, named by its kind, with its fields.
TEST(TraceExport, ShowsAnEventOfAKindItDoesNotKnow) {
  Trace trace = failing_run().trace;
  const auto stranger = static_cast<EventKind>(200);
  trace.events[4].kind = stranger;
  const json document = json::parse(chrome_json(trace));
  std::size_t found = 0;
  for (const json& event : document["traceEvents"]) {
    if (event["ph"] == "X" && event["args"]["seq"] == trace.events[4].seq) {
      EXPECT_EQ(event["name"], std::string(to_string(stranger)));
      ++found;
    }
  }
  EXPECT_EQ(found, 1u);
  const std::string html = html_report(trace);
  EXPECT_NE(html.find("\"kind\":\"" + std::string(to_string(stranger)) + "\""), std::string::npos);
}

TEST(CauseChain, WalksFromTheEventBackToTheRoot) {
  const Trace& trace = failing_run().trace;
  const std::optional<std::size_t> failure = detsim::failure_event(trace);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(trace.events[*failure].kind, EventKind::set_exception);
  EXPECT_EQ(trace.string_at(trace.events[*failure].detail), failing_run().message());
  const std::vector<std::size_t> chain = detsim::cause_chain(trace, trace.events[*failure].seq);
  ASSERT_GE(chain.size(), 3u);
  EXPECT_EQ(chain.front(), *failure);
  for (std::size_t i = 1; i < chain.size(); ++i) EXPECT_EQ(chain[i] + 1, trace.events[chain[i - 1]].cause);
  EXPECT_EQ(trace.events[chain.back()].cause, 0u);
  // The step that failed the check comes right before its set_exception.
  EXPECT_EQ(trace.events[chain[1]].kind, EventKind::step);
}

TEST(CauseChain, RefusesAnEventTheTraceDoesNotHave) {
  const Trace& trace = failing_run().trace;
  for (std::uint64_t seq : {std::uint64_t{0}, std::uint64_t{trace.events.size() + 1}}) {
    try {
      (void)detsim::cause_chain(trace, seq);
      ADD_FAILURE() << "no error for seq " << seq;
    } catch (const detsim::TraceError& error) {
      EXPECT_EQ(error.id(), "detsim.trace.no_such_event");
      EXPECT_NE(std::string(error.what()).find("1.." + std::to_string(trace.events.size())), std::string::npos)
          << error.what();
    }
  }
}

TEST(CauseChain, NoFailureInARunThatPassed) {
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    const detsim_test::RecordedRun result = detsim_test::run_lost_update_checked(seed, scratch_trace() + ".pass");
    if (!result.ok()) continue;
    EXPECT_FALSE(detsim::failure_event(result.trace).has_value());
    EXPECT_EQ(count(html_report(result.trace), "id=\"failure\""), 0u);
    return;
  }
  FAIL() << "no seed in 1..64 passes";
}

// Task names, messages and commands are user data: they reach the page as
// text, never as markup, in the static HTML and in the script's data alike.
TEST(HtmlReport, EscapesEverythingTakenFromTheTrace) {
  const std::string hostile = "<script>document.documentElement.setAttribute('data-pwned','1')</script>";
  const detsim_test::RecordedRun result = detsim_test::first_lost_update(scratch_trace() + ".hostile", hostile, "B&<b>");
  ASSERT_FALSE(result.ok());
  const std::string html = html_report(result.trace, {.title = hostile, .rerun_command = "run '" + hostile + "'",
                                                      .failure_message = "</pre>" + hostile});
  EXPECT_EQ(count(html, "<script"), 2u) << "only the data and the renderer";
  EXPECT_EQ(count(html, "</script"), 2u);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;document.documentElement"), std::string::npos);
  // The data block still says what the trace says.
  const std::string open = "<script type=\"application/json\" id=\"trace-data\">";
  const std::size_t begin = html.find(open) + open.size();
  const json data = json::parse(html.substr(begin, html.find("</script>", begin) - begin));
  std::set<std::string> names;
  for (const json& track : data["tracks"]) names.insert(track["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"event loop", "Task-1", hostile, "B&<b>"}));
}

TEST(HtmlReport, NeedsNothingFromTheNetwork) {
  const std::string html = html_report(failing_run().trace);
  // The only URL is SVG's namespace name, which is never fetched.
  EXPECT_EQ(count(html, "://"), count(html, "http://www.w3.org/2000/svg"));
  EXPECT_EQ(count(html, "src="), 0u);
  EXPECT_EQ(count(html, "href="), 0u);
  EXPECT_EQ(count(html, "@import"), 0u);
  EXPECT_EQ(count(html, "url("), count(html, "url(#"));
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
}

TEST(HtmlReport, ShowsTheFailureTheScheduleAndTheRerunCommand) {
  const detsim_test::RecordedRun& run = failing_run();
  const std::string html = html_report(run.trace, {.rerun_command = "DETSIM_SCHEDULE=" + run.schedule + " ./export_test"});
  EXPECT_NE(html.find("<code class=\"copy\" id=\"schedule\">" + run.schedule + "</code>"), std::string::npos)
      << "the schedule string encoded from the trace is the run's";
  EXPECT_NE(html.find("id=\"rerun-command\">DETSIM_SCHEDULE=" + run.schedule + " ./export_test</code>"),
            std::string::npos);
  EXPECT_NE(html.find("<pre id=\"failure-message\">"), std::string::npos);
  EXPECT_NE(html.find("expected counter == 2, but 1 != 2"), std::string::npos);
  EXPECT_EQ(html_report(run.trace), html_report(run.trace)) << "same trace, same bytes";
}

TEST(HtmlReport, DrawsAtMostMaxEventsPlusTheFailureChain) {
  const Trace& trace = failing_run().trace;
  const std::string html = html_report(trace, {.max_events = 2});
  const std::string open = "<script type=\"application/json\" id=\"trace-data\">";
  const std::size_t begin = html.find(open) + open.size();
  const json data = json::parse(html.substr(begin, html.find("</script>", begin) - begin));
  const std::vector<std::size_t> chain = detsim::cause_chain(trace, trace.events[*detsim::failure_event(trace)].seq);
  std::set<std::uint64_t> expected{trace.events.size() - 1, trace.events.size()};
  for (std::size_t index : chain) expected.insert(trace.events[index].seq);
  std::set<std::uint64_t> shown;
  for (const json& event : data["events"]) shown.insert(event["seq"].get<std::uint64_t>());
  EXPECT_EQ(shown, expected);
  EXPECT_NE(html.find("Showing " + std::to_string(expected.size()) + " of " + std::to_string(trace.events.size())),
            std::string::npos);
}

}  // namespace

namespace {

// A trace cut short (no footer: the process died) is still shown, and says so.
TEST(TraceExport, ShowsATraceCutShortAsSuch) {
  Trace trace = failing_run().trace;
  trace.footer.reset();
  trace.truncated = true;
  trace.events.resize(trace.events.size() / 2);
  const json document = json::parse(chrome_json(trace));
  EXPECT_EQ(document["otherData"]["outcome"], "truncated");
  std::size_t slices = 0;
  for (const json& event : document["traceEvents"]) slices += event["ph"] == "X";
  EXPECT_EQ(slices, trace.events.size());
  const std::string html = html_report(trace);
  EXPECT_NE(html.find("class=\"outcome-truncated\">truncated</dd>"), std::string::npos);
  EXPECT_NE(html.find("the trace was cut short"), std::string::npos);
  EXPECT_FALSE(detsim::failure_event(trace).has_value());
}

}  // namespace

namespace {

// Sets a primitive on `event` if TraceEvent has primitive fields (trace
// format 4); false if it has none. A template, so that it compiles either way.
template <class Event>
bool name_a_primitive(Event& event, std::uint32_t type, std::uint32_t name) {
  if constexpr (requires { event.primitive; event.primitive_type; event.primitive_name; }) {
    event.primitive = 2;
    event.primitive_type = type;
    event.primitive_name = name;
    return true;
  } else {
    return false;
  }
}

TEST(TraceExport, NamesThePrimitiveOfAPrimitiveEvent) {
  Trace trace = failing_run().trace;
  trace.strings.push_back("Lock");
  trace.strings.push_back("accounts");
  const auto count_of_strings = static_cast<std::uint32_t>(trace.strings.size());
  detsim::TraceEvent& event = trace.events[4];
  if (!name_a_primitive(event, count_of_strings - 1, count_of_strings)) {
    GTEST_SKIP() << "this TraceEvent has no primitive fields (they come with trace format 4)";
  }
  const json document = json::parse(chrome_json(trace));
  std::size_t found = 0;
  for (const json& chrome_event : document["traceEvents"]) {
    if (chrome_event["ph"] == "X" && chrome_event["args"]["seq"] == event.seq) {
      EXPECT_EQ(chrome_event["args"]["primitive"], "Lock 'accounts' #2");
      ++found;
    }
  }
  EXPECT_EQ(found, 1u);
  EXPECT_NE(html_report(trace).find("\"primitive\":\"Lock 'accounts' #2\""), std::string::npos);
}

}  // namespace
