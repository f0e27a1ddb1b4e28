// The HTML report opened in headless Chromium (Debian's `chromium`): the DOM
// after the page's script ran shows a row per task, the cause arrows, and
// the failure, and a screenshot of it is kept as an artefact (one Chromium
// run for both); trace text stays text in a real browser (a second run).
//
// Artefacts (build/<preset>/artifacts/): lost_update_checked.jsonl (the
// failing run's trace), .json (Chrome trace-event JSON, for Perfetto UI),
// .html (the report) and .png (its screenshot). The test prints their paths
// and how long each Chromium run took (its start-up dominates).
//
// Chromium is looked up when CMake configures (DETSIM_CHROMIUM): a build
// configured without it skips these tests, saying so; one configured with it
// (CI, after tools/install-deps.sh) fails if it cannot run it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <detsim/trace/export.hpp>

#include "trace/export_example.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path artifacts = DETSIM_ARTIFACTS_DIR;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t found = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++found;
  return found;
}

// Runs headless Chromium on `page` with `arguments`; its stdout goes to
// `output`. Returns the exit status. Flags: as root the sandbox cannot start
// (--no-sandbox); the background-networking flags keep it from trying to
// reach Google's hosts from a machine with no network; a fresh profile
// directory per run keeps runs apart. stderr (a harmless D-Bus complaint)
// goes to a file beside the output, read only if the run fails.
int run_chromium(const std::string& name, const std::string& arguments, const fs::path& page, const fs::path& output) {
  const fs::path profile = artifacts / ("chromium-profile-" + name);
  fs::remove_all(profile);
  const std::string command =
      "timeout 90 " + shell_quote(DETSIM_CHROMIUM) +
      " --headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
      " --disable-component-update --disable-sync --user-data-dir=" + shell_quote(profile.string()) + " " + arguments +
      " " + shell_quote("file://" + fs::absolute(page).string()) + " > " + shell_quote(output.string()) + " 2> " +
      shell_quote(output.string() + ".stderr");
  // A real clock, outside any simulation: how long Chromium took, printed.
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(command.c_str());
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("chromium %s: %.2f s (exit status %d)\n", name.c_str(), took.count(), status);
  fs::remove_all(profile);
  if (status != 0) std::cerr << "chromium's stderr:\n" << read_file(output.string() + ".stderr");
  return status;
}

// The <html ...> start tag of a DOM: where the script reports how it went
// (data-rendered, data-render-error). The script's own text names both
// attributes, so the rest of the page is no place to look for them.
std::string root_tag(const std::string& dom) {
  const std::size_t begin = dom.find("<html");
  return begin == std::string::npos ? std::string() : dom.substr(begin, dom.find('>', begin) + 1 - begin);
}

// The DOM of `page` after its scripts ran. `more` are further arguments
// for the same Chromium run (a screenshot costs no second start-up).
std::string rendered_dom(const std::string& name, const fs::path& page, const std::string& more = {}) {
  const fs::path dom = artifacts / (name + ".dom.html");
  EXPECT_EQ(run_chromium(name, "--dump-dom " + more, page, dom), 0);
  return read_file(dom);
}

void write_report(const detsim_test::RecordedRun& result, const fs::path& page) {
  std::ofstream html(page, std::ios::binary);
  detsim::write_html_report(result.trace, html,
                            {.schedule = result.schedule,
                             .rerun_command = "DETSIM_SCHEDULE=" + result.schedule + " ./tests/export_browser_test"});
  ASSERT_TRUE(html.good()) << page;
}

class ReportInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string_view(DETSIM_CHROMIUM).empty()) {
      GTEST_SKIP() << "chromium was not found when CMake configured this build: install it "
                      "(tools/install-deps.sh installs Debian's chromium) and reconfigure";
    }
    ASSERT_TRUE(fs::exists(DETSIM_CHROMIUM)) << DETSIM_CHROMIUM << " was found at configure time and is gone";
    fs::create_directories(artifacts);
  }
};

// Cause links the page draws as arrows: those across tracks, and every link
// of the failure's cause chain.
std::size_t expected_arrows(const detsim::Trace& trace, const std::set<std::uint64_t>& chain) {
  std::size_t arrows = 0;
  for (const detsim::TraceEvent& event : trace.events) {
    if (event.cause == 0) continue;
    const detsim::TraceEvent& cause = trace.events[event.cause - 1];
    arrows += cause.task != event.task || (chain.count(event.seq) && chain.count(cause.seq));
  }
  return arrows;
}

TEST_F(ReportInChromium, RendersTheTasksTheArrowsAndTheFailure) {
  const detsim_test::RecordedRun result =
      detsim_test::first_lost_update((artifacts / "lost_update_checked.jsonl").string());
  ASSERT_FALSE(result.ok());
  const detsim::Trace& trace = result.trace;
  const fs::path page = artifacts / "lost_update_checked.html";
  write_report(result, page);
  {
    std::ofstream json(artifacts / "lost_update_checked.json", std::ios::binary);
    detsim::write_chrome_trace(trace, json);
  }
  const fs::path png = artifacts / "lost_update_checked.png";
  fs::remove(png);
  const std::string dom =
      rendered_dom("report", page, "--screenshot=" + shell_quote(png.string()) + " --window-size=1280,1000");
  ASSERT_EQ(count(root_tag(dom), "data-render-error"), 0u) << root_tag(dom);
  ASSERT_NE(root_tag(dom).find("data-rendered=\"true\""), std::string::npos) << "the script did not finish: " << root_tag(dom);

  // A row per task, and the loop's; the failing task's label marked.
  std::set<std::string> labels, failing;
  const std::regex label(R"re(<text class="track-label( failing)?"[^>]*>([^<]*)</text>)re");
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), label); it != std::sregex_iterator(); ++it) {
    labels.insert((*it)[2]);
    if ((*it)[1].matched) failing.insert((*it)[2]);
  }
  EXPECT_EQ(labels, (std::set<std::string>{"event loop", "Task-1 (task 1)", "reader-A (task 2)", "reader-B (task 3)"}));
  EXPECT_EQ(failing, (std::set<std::string>{"Task-1 (task 1)"}));

  // A mark per event, an arrow per cause drawn.
  EXPECT_EQ(count(dom, "<rect class=\"ev ") + count(dom, "<circle class=\"ev "), trace.events.size());
  const std::size_t failure = *detsim::failure_event(trace);
  std::set<std::uint64_t> chain;
  for (std::size_t index : detsim::cause_chain(trace, trace.events[failure].seq)) chain.insert(trace.events[index].seq);
  EXPECT_EQ(count(dom, "<path class=\"cause"), expected_arrows(trace, chain));
  EXPECT_GT(count(dom, "<path class=\"cause\""), 0u) << "arrows across tasks";
  EXPECT_EQ(count(dom, "<path class=\"cause chain\""), chain.size() - 1);

  // The failure: its mark, the line through it, the message, the chain.
  const std::string seq = std::to_string(trace.events[failure].seq);
  EXPECT_NE(dom.find("class=\"ev kind-set_exception on-chain failure\" data-seq=\"" + seq + "\""), std::string::npos);
  EXPECT_EQ(count(dom, "class=\"failure-line\""), 1u);
  EXPECT_NE(dom.find("failure #" + seq), std::string::npos);
  EXPECT_NE(dom.find("expected counter == 2, but 1 != 2"), std::string::npos);
  EXPECT_EQ(count(dom, "<li class=\"failure\" data-seq=\"" + seq + "\">"), 1u);
  EXPECT_EQ(count(dom, "<li class"), chain.size());
  EXPECT_NE(dom.find(result.schedule), std::string::npos);
  std::printf("artefacts: %s.{jsonl,json,html}\n", (artifacts / "lost_update_checked").c_str());

  // The screenshot, taken by the same Chromium run.
  ASSERT_TRUE(fs::exists(png));
  const std::string image = read_file(png);
  EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(image.size(), 20'000u) << "a page with text and a timeline, not a blank one";
  std::printf("screenshot: %s\n", png.c_str());
}

// Task names are the program's data: a task named like markup is shown as
// its name, and nothing in it runs.
TEST_F(ReportInChromium, ShowsMarkupInATaskNameAsText) {
  const std::string hostile = "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','1')\">"
                              "</script><script>document.documentElement.setAttribute('data-pwned','2')</script>";
  const detsim_test::RecordedRun result =
      detsim_test::first_lost_update((artifacts / "hostile.jsonl").string(), "reader-A", hostile);
  ASSERT_FALSE(result.ok());
  const fs::path page = artifacts / "hostile.html";
  std::ofstream(page, std::ios::binary) << [&] {
    std::ostringstream html;
    detsim::write_html_report(result.trace, html, {.title = hostile, .rerun_command = hostile});
    return html.str();
  }();
  const std::string dom = rendered_dom("hostile", page);
  EXPECT_NE(root_tag(dom).find("data-rendered=\"true\""), std::string::npos) << root_tag(dom);
  EXPECT_EQ(count(root_tag(dom), "data-pwned"), 0u) << "markup from the trace ran: " << root_tag(dom);
  EXPECT_EQ(count(dom, "<img"), 0u);
  // The serializer escapes the label's text again: the name, as text.
  EXPECT_NE(dom.find("&lt;img src=x onerror=\"document.documentElement.setAttribute('data-pwned','1')\"&gt;&lt;/script&gt;"
                     "&lt;script&gt;document.documentElement.setAttribute('data-pwned','2')&lt;/script&gt; (task 3)</text>"),
            std::string::npos)
      << dom;
}

}  // namespace
