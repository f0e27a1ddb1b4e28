// The JSON trace: golden files, round trips, determinism of digests, the
// reader's errors on bad input, and traces of failing runs on disk.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <detsim/detsim.hpp>
#include <detsim/base/source_location.hpp>
#include <detsim/trace/trace.hpp>
#include <detsim/trace/recorder.hpp>

#include "golden_programs.hpp"
#include "golden_toolkit_programs.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// A fresh directory per test, removed afterwards.
class TempDirectory {
 public:
  TempDirectory() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / (std::string("detsim-") + info->test_suite_name() + "-" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDirectory() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

detsim::Task<void> pause(std::chrono::nanoseconds duration) { co_await detsim::sleep(duration); }

// The golden traces were recorded by a g++ build. Another compiler names
// functions its own way (a site's "function" is as the compiler spells it,
// and never enters the digest): there, each site line's function is left
// out of the comparison, and every other byte must still match. (The golden
// programs record no site inside a function template, where the two would
// also number sites apart: see detsim/base/source_location.hpp.)
#if defined(__GNUC__) && !defined(__clang__)
constexpr bool compiled_as_the_goldens_were = true;
#else
constexpr bool compiled_as_the_goldens_were = false;
#endif

std::string without_site_functions(const std::string& jsonl) {
  static const std::string site_start = "{\"type\":\"site\"";
  static const std::string function_field = ",\"function\":";
  std::istringstream lines(jsonl);
  std::string result;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(site_start)) {
      if (const auto function = line.find(function_field); function != std::string::npos) {
        line = line.substr(0, function) + "}";
      }
    }
    result += line + "\n";
  }
  return result;
}

// Compares with traces/golden/<name>.jsonl; DETSIM_UPDATE_TRACES=1 rewrites it.
void expect_golden(const std::string& name, const detsim::Trace& trace) {
  const fs::path golden = fs::path(DETSIM_TRACES_DIR) / "golden" / (name + ".jsonl");
  std::string actual = detsim::to_jsonl(trace);
  if (const char* update = std::getenv("DETSIM_UPDATE_TRACES"); update && std::string(update) == "1") {
    ASSERT_TRUE(compiled_as_the_goldens_were) << "golden traces are written by a g++ build (function names)";
    detsim::write_trace(trace, golden.string());
    GTEST_SKIP() << "updated " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with DETSIM_UPDATE_TRACES=1 to create it";
  std::string expected = read_file(golden);
  if (!compiled_as_the_goldens_were) {
    actual = without_site_functions(actual);
    expected = without_site_functions(expected);
  }
  EXPECT_EQ(actual, expected) << "the run no longer matches " << golden
                                       << " (if the change is intended: DETSIM_UPDATE_TRACES=1)";
}

TEST(TraceGolden, ContractProgram) { expect_golden("contract", golden::contract()); }
TEST(TraceGolden, LostUpdateSeed7) { expect_golden("lost_update_seed7", golden::lost_update(7)); }
TEST(TraceGolden, CancellationAndExceptions) { expect_golden("cancellation", golden::cancellation()); }
// A lock handed over, an Event set, a task left blocked: the primitive events.
TEST(TraceGolden, PrimitivesLockHandoffEventSetAndALeakedTask) {
  expect_golden("primitives", golden_toolkit::primitives());
}
// 133 events: the digest chains its first two batches of 64 as it records and
// the last 5 when asked, and validate_schema.py recomputes all of it.
TEST(TraceGolden, LongerThanTwoDigestBatches) {
  const detsim::Trace trace = golden::lost_update(11, 5, 10);
  ASSERT_EQ(trace.events.size(), 133u);
  expect_golden("lost_update_long", trace);
}

TEST(TraceGolden, CheckedInTracesReadBackAndVerify) {
  for (const char* name : {"contract", "lost_update_seed7", "cancellation", "lost_update_long", "primitives"}) {
    const fs::path path = fs::path(DETSIM_TRACES_DIR) / "golden" / (std::string(name) + ".jsonl");
    const detsim::Trace trace = detsim::read_trace(path.string(), {.allow_truncated = false});
    ASSERT_TRUE(trace.footer.has_value()) << name;
    EXPECT_EQ(trace.footer->digest, trace.digest()) << name;
    EXPECT_EQ(trace.footer->outcome, detsim::Outcome::ok) << name;
  }
}

TEST(TraceRecorder, ReaderReturnsExactlyWhatTheRecorderHeld) {
  for (const detsim::Trace& recorded : {golden::contract(), golden::lost_update(3, 3, 3), golden::cancellation()}) {
    const detsim::Trace read = detsim::parse_trace(detsim::to_jsonl(recorded), "memory");
    EXPECT_EQ(read, recorded) << recorded.header.program;
    EXPECT_EQ(detsim::to_jsonl(read), detsim::to_jsonl(recorded));
  }
}

// The recorder's log comes in chunks of 8 KiB, 64 KiB, then 2 MiB: a run of
// some 40k events spans all three, and must decode to the events recorded
// (whose digest the reader checks against the one computed while recording).
TEST(TraceRecorder, ALongRunReadsBackAcrossTheLogsChunks) {
  const detsim::Trace recorded = golden::lost_update(3, 2, 10000);
  ASSERT_GT(recorded.events.size(), 40000u);
  const detsim::Trace read = detsim::parse_trace(detsim::to_jsonl(recorded), "memory");
  EXPECT_EQ(read, recorded);
}

TEST(TraceRecorder, RecordsCausesBackToTheSchedulingEvent) {
  const detsim::Trace trace = golden::contract();
  for (const detsim::TraceEvent& event : trace.events) {
    if (event.kind != detsim::EventKind::step) continue;
    // A step is caused by the call_soon that scheduled its handle.
    ASSERT_GT(event.cause, 0u);
    const detsim::TraceEvent& cause = trace.events[event.cause - 1];
    EXPECT_EQ(cause.kind, detsim::EventKind::call_soon) << "step " << event.seq;
    EXPECT_EQ(cause.handle, event.handle) << "step " << event.seq;
  }
  // A timer's run goes back to its becoming due, and that to its scheduling.
  int timers = 0;
  for (const detsim::TraceEvent& event : trace.events) {
    if (event.kind != detsim::EventKind::timer_due) continue;
    ++timers;
    const detsim::TraceEvent& scheduled = trace.events[event.cause - 1];
    EXPECT_EQ(scheduled.kind, detsim::EventKind::timer_scheduled) << "timer_due " << event.seq;
    EXPECT_EQ(scheduled.handle, event.handle);
    const auto run = std::find_if(trace.events.begin(), trace.events.end(), [&](const detsim::TraceEvent& e) {
      return e.kind == detsim::EventKind::callback && e.handle == event.handle;
    });
    ASSERT_NE(run, trace.events.end());
    EXPECT_EQ(run->cause, event.seq);
  }
  EXPECT_EQ(timers, 2);  // the child's sleep and the call_later
}

// The loop numbers its events from its first observer on. A recorder
// attached later (here after another one finished) numbers from its own
// first event: its causes point inside its own trace, and a cause from
// before it (work scheduled under the first recorder) is unknown, 0.
TEST(TraceRecorder, ALaterRecorderNumbersCausesInItsOwnTrace) {
  detsim::EventLoop loop{detsim::RandomScheduler{5}};
  std::uint64_t soon = 0;
  std::uint64_t later = 0;
  {
    detsim::TraceRecorder first{loop};
    detsim::scenarios::run_lost_update(loop, 3, 3);
    ASSERT_GT(first.event_count(), 30u);
    soon = loop.call_soon([] {}).id();
    later = loop.call_later(1ms, [] {}).id();
  }
  detsim::TraceRecorder second{loop};
  detsim::scenarios::run_lost_update(loop, 3, 3);
  loop.run_until_complete(pause(2ms));
  second.finish();
  const detsim::Trace& trace = second.trace();
  EXPECT_NO_THROW(detsim::parse_trace(detsim::to_jsonl(trace), "second.jsonl"));
  int from_before = 0;
  for (const detsim::TraceEvent& event : trace.events) {
    ASSERT_LT(event.cause, event.seq) << "event " << event.seq;
    if (event.handle == soon || (event.handle == later && event.kind == detsim::EventKind::timer_due)) {
      // Both scheduled before this recorder.
      EXPECT_EQ(event.cause, 0u) << "event " << event.seq;
      ++from_before;
    } else if (event.handle == later) {
      // The timer's callback: caused by its becoming due, recorded here.
      ASSERT_GT(event.cause, 0u);
      EXPECT_EQ(trace.events[event.cause - 1].kind, detsim::EventKind::timer_due);
    } else if (event.kind == detsim::EventKind::step) {
      // Scheduled during this recording: its own call_soon.
      ASSERT_GT(event.cause, 0u) << "step " << event.seq;
      EXPECT_EQ(trace.events[event.cause - 1].kind, detsim::EventKind::call_soon) << "step " << event.seq;
      EXPECT_EQ(trace.events[event.cause - 1].handle, event.handle) << "step " << event.seq;
    }
  }
  EXPECT_EQ(from_before, 2);
}

// An event as content: indices into the trace's tables replaced by what they
// name, and the numbering shifted by `offset` (causes from before it: 0).
auto event_content(const detsim::Trace& trace, const detsim::TraceEvent& event, std::uint64_t offset) {
  const std::uint64_t cause = event.cause > offset ? event.cause - offset : 0;
  const std::string site = event.site == 0 ? std::string() : trace.sites[event.site - 1].file + ":" +
                                                                 std::to_string(trace.sites[event.site - 1].line);
  return std::tuple(event.seq - offset, cause, event.kind, event.time_ns, event.when_ns, event.handle, event.future,
                    event.task, event.choice, event.of, event.immediate, std::string(trace.string_at(event.name)),
                    std::string(trace.string_at(event.detail)), site);
}

// The first recorder of a loop is called inline by the loop, a second one
// through on_event: two paths that must record the same events. The second
// starts partway through the run, so its numbering starts later too.
RC_GTEST_PROP(TraceRecorder, InlineAndObserverPathsRecordTheSameEvents, (std::uint64_t seed)) {
  detsim::EventLoop loop{detsim::RandomScheduler{seed}};
  detsim::TraceRecorder inline_path{loop};
  std::unique_ptr<detsim::TraceRecorder> observer_path;
  const int hops = *rc::gen::inRange(0, 40);
  std::function<void(int)> hop = [&](int left) {
    if (left == 0) {
      observer_path = std::make_unique<detsim::TraceRecorder>(loop);
    } else {
      loop.call_soon([&hop, left] { hop(left - 1); });
    }
  };
  hop(hops);
  detsim::scenarios::run_lost_update(loop, *rc::gen::inRange(1, 4), *rc::gen::inRange(1, 4));
  while (!observer_path) loop.run_until_complete(pause(0ms));  // the hops outlasted the program
  inline_path.finish();
  observer_path->finish();
  const detsim::Trace& all = inline_path.trace();
  const detsim::Trace& late = observer_path->trace();
  RC_ASSERT(!late.events.empty());
  RC_ASSERT(late.events.size() <= all.events.size());
  const std::uint64_t offset = all.events.size() - late.events.size();
  for (std::size_t i = 0; i < late.events.size(); ++i) {
    RC_ASSERT(event_content(late, late.events[i], 0) == event_content(all, all.events[i + offset], offset));
  }
  RC_ASSERT(inline_path.digest() == all.digest());
  RC_ASSERT(observer_path->digest() == late.digest());
  (void)detsim::parse_trace(detsim::to_jsonl(late), "late.jsonl");  // throws if it is not a valid trace
}

// A future outlives its loop, and one of its done callbacks may destroy
// the loop (here, completed from outside any run, with the loop recorded).
// The cause the completion set is then restored on no loop at all, not on
// the destroyed one: the debug preset's AddressSanitizer reported a
// heap-use-after-free here, with one callback and with two.
TEST(TraceRecorder, ADoneCallbackMayDestroyTheRecordedLoop) {
  for (int callbacks = 1; callbacks <= 2; ++callbacks) {
    auto loop = std::make_unique<detsim::EventLoop>();
    auto recorder = std::make_unique<detsim::TraceRecorder>(*loop);
    detsim::Future<int> future = loop->create_future<int>();
    int ran = 0;
    future.add_done_callback([&](auto&) {
      ++ran;
      recorder.reset();
      loop.reset();
    });
    if (callbacks == 2) future.add_done_callback([&](auto& done) { ran += done.result(); });
    future.set_result(10);
    EXPECT_EQ(ran, callbacks == 1 ? 1 : 11);
    EXPECT_EQ(loop, nullptr);
  }
}

TEST(TraceRecorder, LastEventOfAnEmptyRecorderIsAllZero) {
  detsim::EventLoop loop;
  detsim::TraceRecorder recorder{loop};
  EXPECT_EQ(recorder.event_count(), 0u);
  EXPECT_EQ(recorder.last_event(), detsim::TraceEvent{});
  loop.call_soon([] {});
  loop.run_until_complete(pause(0ms));
  EXPECT_GT(recorder.last_event().seq, 0u);
  recorder.finish();
  (void)recorder.take_trace();
  EXPECT_EQ(recorder.last_event(), detsim::TraceEvent{});
  loop.run_until_complete(pause(0ms));  // after take_trace: nothing recorded
  EXPECT_EQ(recorder.event_count(), 0u);
}

TEST(TraceRecorder, HeaderNamesSchedulerSeedAndMetadata) {
  const detsim::Trace trace = golden::cancellation();
  EXPECT_EQ(trace.header.format, "detsim-trace");
  EXPECT_EQ(trace.header.version, 4);
  EXPECT_EQ(trace.header.scheduler, "fifo");
  EXPECT_FALSE(trace.header.debug);
  EXPECT_TRUE(golden::contract().header.debug);
  EXPECT_EQ(trace.header.program, "cancellation");
  ASSERT_EQ(trace.header.metadata.size(), 1u);
  EXPECT_EQ(trace.header.metadata[0].first, "purpose");
}

TEST(TraceRecorder, SitesAreRelativeToTheSourceRoot) {
  const detsim::Trace trace = golden::contract();
  ASSERT_FALSE(trace.sites.empty());
  for (const detsim::TraceSite& site : trace.sites) {
    EXPECT_NE(site.file.front(), '/') << site.file;
    EXPECT_GT(site.line, 0u);
  }
  EXPECT_EQ(trace.sites.front().file, "tests/golden_programs.hpp");
}

namespace {
// A call site of its own for each N (the function name differs).
// 300 distinct sites: with std::source_location, one per instantiation
// (each names its own function); the fallback knows only file, line and
// column, which the instantiations share, so it is given a line each.
template <int N>
detsim::SourceLocation numbered_site() {
#if DETSIM_STD_SOURCE_LOCATION
  return detsim::SourceLocation::current();
#else
  return detsim::SourceLocation::current(__FILE__, __func__, 1000 + N, 1);
#endif
}
template <int... N>
std::vector<detsim::SourceLocation> numbered_sites(std::integer_sequence<int, N...>) {
  return {numbered_site<N>()...};
}
}  // namespace

// The recorder's site cache starts at 64 slots and doubles when two sites
// meet in one: with 300 sites, each used twice, every event still names its
// own site. (A cache that loses entries only costs time, which this cannot
// see; an index misplaced by the growth, or a write through the slot it
// invalidates, which ASan reports, it does.)
// The same again with a second recorder on the same thread, which takes
// the sites' text from the thread's cache of it (256 entries: with 300
// sites, some evict others).
TEST(TraceRecorder, ManySitesKeepTheirNamesAsTheSiteCacheGrows) {
  const std::vector<detsim::SourceLocation> sites = numbered_sites(std::make_integer_sequence<int, 300>{});
  for (int recorder_number = 0; recorder_number < 2; ++recorder_number) {
    detsim::EventLoop loop;
    detsim::TraceRecorder recorder{loop};
    for (int round = 0; round < 2; ++round) {
      for (const detsim::SourceLocation& site : sites) (void)loop.call_soon([] {}, site);
    }
    loop.run_until_idle();
    const detsim::Trace& trace = recorder.trace();
    ASSERT_EQ(trace.sites.size(), sites.size());
    std::size_t checked = 0;
    for (const detsim::TraceEvent& event : trace.events) {
      if (event.kind != detsim::EventKind::call_soon) continue;
      const std::size_t expected = checked++ % sites.size();
      ASSERT_GT(event.site, 0u);
      EXPECT_EQ(trace.sites[event.site - 1].function, sites[expected].function_name())
          << "recorder " << recorder_number << ", event " << event.seq;
      EXPECT_EQ(trace.sites[event.site - 1].line, sites[expected].line());
    }
    EXPECT_EQ(checked, 2 * sites.size());
  }
}

// Each number of arguments is an overload of its own, so that the site stays
// a defaulted last parameter: with arguments or without, the site a trace
// records for call_soon (its call_soon event) and for call_later and call_at
// (their timer_scheduled events) is the caller's line.
TEST(TraceRecorder, SchedulingSitesAreTheCallersLineWithAndWithoutArguments) {
  detsim::EventLoop loop;
  detsim::TraceRecorder recorder{loop};
  auto none = [] {};
  auto one = [](int) {};
  auto two = [](int, const std::string&) {};
  auto three = [](int, int, int) {};
  auto four = [](int, int, int, int) {};
  using namespace std::chrono_literals;
  // (One call per line, each scheduling one event, in this order.)
  const std::uint32_t first = __LINE__ + 1;
  (void)loop.call_soon(none);
  (void)loop.call_soon(one, 1);
  (void)loop.call_soon(two, 1, "x");
  (void)loop.call_soon(three, 1, 2, 3);
  (void)loop.call_soon(four, 1, 2, 3, 4);
  (void)loop.call_later(1ms, none);
  (void)loop.call_later(1ms, one, 1);
  (void)loop.call_later(1ms, two, 1, "x");
  (void)loop.call_later(1ms, three, 1, 2, 3);
  (void)loop.call_later(1ms, four, 1, 2, 3, 4);
  (void)loop.call_at(2ms, none);
  (void)loop.call_at(2ms, one, 1);
  (void)loop.call_at(2ms, two, 1, "x");
  (void)loop.call_at(2ms, three, 1, 2, 3);
  (void)loop.call_at(2ms, four, 1, 2, 3, 4);
  const std::uint32_t calls = 15;
  loop.run_until_idle();
  const detsim::Trace& trace = recorder.trace();
  std::vector<std::uint32_t> lines;
  for (const detsim::TraceEvent& event : trace.events) {
    if (event.kind != detsim::EventKind::call_soon && event.kind != detsim::EventKind::timer_scheduled) continue;
    ASSERT_GT(event.site, 0u) << "event " << event.seq;
    const detsim::TraceSite& site = trace.sites[event.site - 1];
    EXPECT_NE(site.file.find("trace_test.cpp"), std::string::npos) << site.file;
    lines.push_back(site.line);
  }
  std::vector<std::uint32_t> expected;
  for (std::uint32_t line = first; line < first + calls; ++line) expected.push_back(line);
  EXPECT_EQ(lines, expected);
}

// A thread keeps the text of the sites it recorded, for the next recorder
// (a sweep makes one per seed): one with another source root still gets
// the file relative to its own.
TEST(TraceRecorder, SiteTextFollowsEachRecordersSourceRoot) {
  const detsim::SourceLocation here = detsim::SourceLocation::current();
  const auto file_with_root = [&](const std::string& root) {
    detsim::EventLoop loop;
    detsim::TraceOptions options;
    options.source_root = root;
    detsim::TraceRecorder recorder{loop, options};
    (void)loop.call_soon([] {}, here);
    loop.run_until_idle();
    return recorder.trace().sites.at(0).file;
  };
  EXPECT_EQ(file_with_root("/no/such/root"), "tests/trace/trace_test.cpp");
  EXPECT_EQ(file_with_root("tests"), "trace/trace_test.cpp");
  EXPECT_EQ(file_with_root("/no/such/root"), "tests/trace/trace_test.cpp");
}

// A recorder that records at its thread's end, after the thread's cache of
// site text is destroyed (thread_locals go in the reverse order of their
// construction), works out the text itself. (Without that, the debug
// preset's AddressSanitizer reports a use after free here.)
TEST(TraceRecorder, RecordsSitesAtItsThreadsEnd) {
  const auto record_one_site = [] {
    detsim::EventLoop loop;
    detsim::TraceRecorder recorder{loop};
    (void)loop.call_soon([] {});
    loop.run_until_idle();
    return recorder.trace().sites.at(0).file;
  };
  std::string file_at_end;
  std::thread([&] {
    struct RecordsAtExit {
      std::string* file;
      std::string (*record)();
      ~RecordsAtExit() { *file = record(); }
    };
    thread_local RecordsAtExit at_exit{&file_at_end, +record_one_site};  // before the cache
    (void)at_exit;
    EXPECT_EQ(record_one_site(), "tests/trace/trace_test.cpp");  // makes the cache
  }).join();
  EXPECT_EQ(file_at_end, "tests/trace/trace_test.cpp");
}

TEST(TraceDigest, LeavesSitesOut) {
  detsim::Trace trace = golden::contract();
  const std::uint64_t before = trace.digest();
  for (detsim::TraceSite& site : trace.sites) site.line += 10;  // an edit that only moves lines
  EXPECT_EQ(trace.digest(), before);
  trace.events[3].time_ns += 1;
  EXPECT_NE(trace.digest(), before);
}

TEST(TraceDigest, RecorderDigestMatchesRecomputation) {
  detsim::EventLoop loop{detsim::RandomScheduler{5}};
  detsim::TraceRecorder recorder{loop};
  detsim::scenarios::run_lost_update(loop, 3, 4);
  EXPECT_EQ(recorder.digest(), recorder.trace().digest());
  EXPECT_EQ(detsim::format_digest(0x00ab), "00000000000000ab");
}

RC_GTEST_PROP(TraceDigest, SameSeedSameTraceAndDigest, (std::uint64_t seed)) {
  const int tasks = 2 + static_cast<int>(seed % 3);
  const detsim::Trace first = golden::lost_update(seed, tasks, 3);
  const detsim::Trace second = golden::lost_update(seed, tasks, 3);
  RC_ASSERT(detsim::to_jsonl(first) == detsim::to_jsonl(second));
  RC_ASSERT(first.footer->digest == second.footer->digest);
}

// The recorder keeps events as small deltas (sim/trace/trace_log.hpp). Whatever
// the values (ids far apart or going back, huge times, deadlines before the
// present, choices of millions, tasks created with any id), trace() gives
// back exactly what was recorded, however often it is asked for along the
// way, and later events of a task carry the name its task_created gave.
RC_GTEST_PROP(TraceRecorder, KeepsEveryEventExactlyHoweverLargeItsFields, ()) {
  const auto count = *rc::gen::inRange<std::size_t>(1, 200);
  detsim::EventLoop loop;
  {
    // The loop has reported events before: events fed by hand are numbered
    // as they come all the same.
    detsim::TraceRecorder earlier{loop};
    loop.run_until_complete(pause(0ms));
  }
  // A failing case unwinds through the recorder, which then writes its trace:
  // to a temporary directory, not to wherever the test runs.
  static const TempDirectory directory;
  detsim::TraceRecorder recorder{loop, {.path = (directory.path() / "fed.jsonl").string()}};
  loop.remove_observer(recorder);  // fed by hand below, not by the loop
  const auto id = rc::gen::oneOf(rc::gen::just<std::uint64_t>(0), rc::gen::inRange<std::uint64_t>(1, 100),
                                 rc::gen::arbitrary<std::uint64_t>());
  std::vector<detsim::TraceEvent> expected;
  std::map<std::uint64_t, std::string> names;  // task id -> the name its first event gave it (maybe "")
  std::int64_t time = 0;
  for (std::size_t i = 0; i < count; ++i) {
    detsim::Event event;
    event.kind = static_cast<detsim::EventKind>(*rc::gen::inRange(0, 17));
    event.seq = i + 1;
    event.cause = *rc::gen::inRange<std::uint64_t>(0, i + 1);
    time += *rc::gen::oneOf(rc::gen::just<std::int64_t>(0), rc::gen::inRange<std::int64_t>(0, std::int64_t{1} << 50));
    event.time = std::chrono::nanoseconds{time};
    event.when = std::chrono::nanoseconds{*rc::gen::oneOf(rc::gen::just<std::int64_t>(0),
                                                           rc::gen::arbitrary<std::int64_t>())};
    event.handle = *id;
    event.future = *id;
    event.task = *id;
    event.choice = *rc::gen::arbitrary<std::uint32_t>();
    event.of = *rc::gen::arbitrary<std::uint32_t>();
    event.immediate = *rc::gen::arbitrary<bool>();
    const std::string name = "task " + std::to_string(event.task);
    if (event.kind == detsim::EventKind::task_created) event.name = name;
    // A task keeps the name of its first event, even a later task_created's
    // aside (and one first seen without a name keeps the empty one).
    if (event.task != 0 && !names.count(event.task)) names[event.task] = std::string(event.name);
    recorder.on_event(event);
    detsim::TraceEvent& kept = expected.emplace_back();
    kept.seq = event.seq;
    kept.cause = event.cause;
    kept.time_ns = time;
    kept.when_ns = event.when.count();
    kept.handle = event.handle;
    kept.future = event.future;
    kept.task = event.task;
    kept.choice = event.choice;
    kept.of = event.of;
    kept.kind = event.kind;
    kept.immediate = event.immediate;
    if (event.task != 0) {
      const auto& strings = recorder.trace().strings;
      const auto position = std::find(strings.begin(), strings.end(), names[event.task]) - strings.begin();
      kept.name = static_cast<std::uint32_t>(position + 1);
    }
    if (*rc::gen::inRange(0, 10) == 0) RC_ASSERT(recorder.trace().events.size() == i + 1);  // decodes so far
    RC_ASSERT(recorder.last_event() == kept);
  }
  RC_ASSERT(recorder.event_count() == count);
  RC_ASSERT(recorder.trace().events == expected);
  RC_ASSERT(recorder.digest() == recorder.trace().digest());
}

// Hand-fed task events with ids dense and sparse (the name table keeps far
// ids in a map, and the vector may later grow past them), names changing or
// empty: the recorder's digest, the trace's and the digest of the written
// file read back all agree, and so do the events.
RC_GTEST_PROP(TraceRecorder, TaskNamesSurviveAWriteAndReadWhateverTheIds, ()) {
  const auto count = *rc::gen::inRange<std::size_t>(1, 60);
  detsim::EventLoop loop;
  detsim::TraceRecorder recorder{loop};
  loop.remove_observer(recorder);  // fed by hand below
  const auto task_id = rc::gen::oneOf(rc::gen::inRange<std::uint64_t>(1, 6),
                                      rc::gen::inRange<std::uint64_t>(60'000, 140'000),
                                      rc::gen::just(std::uint64_t{1} << 40));
  const auto name = rc::gen::element<std::string>("", "A", "B");
  const auto kind = rc::gen::element(detsim::EventKind::task_created, detsim::EventKind::cancel_requested,
                                     detsim::EventKind::set_result);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t task = *task_id;
    const std::string event_name = *name;
    detsim::Event event{.kind = *kind, .seq = i + 1, .future = task, .task = task, .name = event_name};
    if (event.kind == detsim::EventKind::set_result && *rc::gen::arbitrary<bool>()) {
      event.task = 0;  // a plain future's result: no task, no name
      event.name = {};
    }
    recorder.on_event(event);
  }
  recorder.finish();
  const detsim::Trace& trace = recorder.trace();
  RC_ASSERT(recorder.digest() == trace.digest());
  const detsim::Trace read = detsim::parse_trace(detsim::to_jsonl(trace), "fed.jsonl");
  RC_ASSERT(read.events == trace.events);
  RC_ASSERT(read.digest() == trace.digest());
}

TEST(TraceDigest, DifferentSeedsOfARacyProgramDiffer) {
  std::set<std::uint64_t> digests;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) digests.insert(golden::lost_update(seed, 3, 3).footer->digest);
  EXPECT_GE(digests.size(), 38u);
}

// ---- nothing lost -------------------------------------------------------------

detsim::Task<void> throws_after_a_step() {
  co_await detsim::sleep(1ms);
  throw std::logic_error("invariant violated: balance < 0");
}

TEST(TraceOnFailure, FailingRunLeavesCompleteTraceOnDisk) {
  TempDirectory directory;
  const std::string path = (directory.path() / "failure.jsonl").string();
  detsim::EventLoop loop{detsim::RandomScheduler{1}};
  detsim::TraceRecorder recorder{loop, {.program = "failing", .path = path}};
  EXPECT_THROW(recorder.run_until_complete(throws_after_a_step()), std::logic_error);
  const detsim::Trace trace = detsim::read_trace(path, {.allow_truncated = false});
  ASSERT_TRUE(trace.footer);
  EXPECT_EQ(trace.footer->outcome, detsim::Outcome::failed);
  EXPECT_NE(trace.footer->message.find("balance < 0"), std::string::npos);
  EXPECT_EQ(trace.footer->events, recorder.trace().events.size());
  EXPECT_EQ(trace.footer->final_time_ns, 1'000'000);
}

TEST(TraceOnFailure, WithoutAPathTheFailureGoesToTheTraceDirectory) {
  TempDirectory directory;
  ::setenv("DETSIM_TRACE_DIR", directory.path().c_str(), 1);
  std::string written;
  {
    detsim::EventLoop loop{detsim::RandomScheduler{9}};
    detsim::TraceRecorder recorder{loop, {.program = "nopath"}};
    EXPECT_THROW(recorder.run_until_complete(throws_after_a_step()), std::logic_error);
    written = recorder.written_path();
  }
  ::unsetenv("DETSIM_TRACE_DIR");
  EXPECT_EQ(written, (directory.path() / "detsim-nopath-seed9.jsonl").string());
  EXPECT_EQ(detsim::read_trace(written).footer->outcome, detsim::Outcome::failed);
}

TEST(TraceOnFailure, SuccessfulRunWithoutAPathWritesNothing) {
  detsim::EventLoop loop;
  detsim::TraceRecorder recorder{loop, {.program = "quiet"}};
  detsim::scenarios::run_lost_update(loop);
  recorder.finish();
  EXPECT_TRUE(recorder.written_path().empty());
}

detsim::Task<void> waits_forever(detsim::Future<int> never) { co_await never; }

TEST(TraceOnFailure, DeadlockAndBudgetAreOutcomes) {
  TempDirectory directory;
  {
    const std::string path = (directory.path() / "deadlock.jsonl").string();
    detsim::EventLoop loop;
    detsim::TraceRecorder recorder{loop, {.path = path}};
    EXPECT_THROW(recorder.run_until_complete(waits_forever(loop.create_future<int>())), detsim::DeadlockError);
    const detsim::Trace trace = detsim::read_trace(path);
    EXPECT_EQ(trace.footer->outcome, detsim::Outcome::deadlock);
    EXPECT_NE(trace.footer->message.find("Task-1"), std::string::npos) << trace.footer->message;
  }
  {
    const std::string path = (directory.path() / "budget.jsonl").string();
    detsim::EventLoop loop;
    loop.set_limits({.max_callbacks = 5});
    detsim::TraceRecorder recorder{loop, {.path = path}};
    bool threw = false;
    try {
      detsim::scenarios::run_lost_update(loop, 2, 10);
    } catch (const detsim::BudgetExceededError&) {
      threw = true;
      recorder.finish_from_current_exception();
    }
    EXPECT_TRUE(threw);
    EXPECT_EQ(detsim::read_trace(path).footer->outcome, detsim::Outcome::budget_exceeded);
  }
}

TEST(TraceOnFailure, RecorderDestroyedByAnExceptionWritesAFailedTrace) {
  TempDirectory directory;
  const std::string path = (directory.path() / "unwound.jsonl").string();
  try {
    detsim::EventLoop loop;
    detsim::TraceRecorder recorder{loop, {.path = path}};
    loop.run_until_complete(throws_after_a_step());
  } catch (const std::logic_error&) {
  }
  const detsim::Trace trace = detsim::read_trace(path, {.allow_truncated = false});
  EXPECT_EQ(trace.footer->outcome, detsim::Outcome::failed);
}

TEST(TraceStreaming, StreamedFileEqualsTheWrittenTrace) {
  TempDirectory directory;
  const std::string path = (directory.path() / "streamed.jsonl").string();
  const detsim::Trace trace = golden::contract({.path = path, .stream = true});
  EXPECT_EQ(read_file(path), detsim::to_jsonl(trace));
}

TEST(TraceStreaming, StreamIsFlushedWhileTheRunGoes) {
  TempDirectory directory;
  const std::string path = (directory.path() / "live.jsonl").string();
  detsim::EventLoop loop{detsim::RandomScheduler{3}};
  detsim::TraceRecorder recorder{loop, {.path = path, .stream = true}};
  detsim::scenarios::run_lost_update(loop, 10, 500);  // well over one flush interval of events
  // Not finished: as if the process died here. What is on disk reads back.
  const detsim::Trace partial = detsim::read_trace(path);
  EXPECT_TRUE(partial.truncated);
  EXPECT_GT(partial.events.size(), 4096u);
  for (std::size_t i = 0; i < partial.events.size(); ++i) ASSERT_EQ(partial.events[i], recorder.trace().events[i]);
}

RC_GTEST_PROP(TraceReader, ATraceCutAnywhereReadsBackAsItsPrefix, ()) {
  static const detsim::Trace full = golden::lost_update(11, 2, 3);
  static const std::string text = detsim::to_jsonl(full);
  const std::size_t header_end = text.find('\n') + 1;
  const auto cut = *rc::gen::inRange(header_end, text.size());
  const detsim::Trace partial = detsim::parse_trace(std::string_view(text).substr(0, cut), "cut.jsonl");
  RC_ASSERT(partial.truncated);
  RC_ASSERT(partial.events.size() <= full.events.size());
  for (std::size_t i = 0; i < partial.events.size(); ++i) RC_ASSERT(partial.events[i] == full.events[i]);
}

// ---- bad input ----------------------------------------------------------------

struct BadInput {
  const char* what;
  std::string text;
  const char* id;
  const char* message_part;  // the message must contain this (file:line and the field)
};

std::string valid_text() { return detsim::to_jsonl(golden::lost_update(2, 2, 1)); }

std::string replace_first(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string drop_line(const std::string& text, int line_number) {
  std::istringstream in(text);
  std::string line, out;
  for (int n = 1; std::getline(in, line); ++n) {
    if (n != line_number) out += line + "\n";
  }
  return out;
}

// `count` metadata entries, "k0":"" and so on.
std::string many_keys(int count) {
  std::string keys;
  for (int i = 0; i < count; ++i) {
    keys += i ? ",\"k" : "\"k";  // appended piece by piece: g++ 12 warns (-Wrestrict) on "k" + string
    keys += std::to_string(i);
    keys += "\":\"\"";
  }
  return keys;
}

TEST(TraceReader, RejectsEveryClassOfBadInputWithFileLineAndField) {
  const std::string good = valid_text();
  const std::string header_line = good.substr(0, good.find('\n') + 1);
  const std::vector<BadInput> cases = {
      {"empty file", "", "detsim.trace.empty", "bad.jsonl: the file is empty"},
      {"missing header", drop_line(good, 1), "detsim.trace.no_header", "bad.jsonl:1: field 'type'"},
      {"not a detsim trace", replace_first(good, "\"detsim-trace\"", "\"other-trace\""), "detsim.trace.format",
       "bad.jsonl:1: field 'format'"},
      {"unknown version", replace_first(good, "\"version\":4", "\"version\":2"), "detsim.trace.version",
       "bad.jsonl:1: field 'version': this reader reads version 4, the file has version 2"},
      {"version 3 (no primitive events)", replace_first(good, "\"version\":4", "\"version\":3"), "detsim.trace.version",
       "bad.jsonl:1: field 'version': this reader reads version 4, the file has version 3"},
      {"missing debug flag", replace_first(good, ",\"debug\":false", ""), "detsim.trace.missing",
       "bad.jsonl:1: field 'debug': missing"},
      {"debug flag not a boolean", replace_first(good, "\"debug\":false", "\"debug\":0"), "detsim.trace.type",
       "bad.jsonl:1: field 'debug': expected true or false, found an integer"},
      {"malformed JSON", replace_first(good, "{\"seq\":3,", "{\"seq\":3,,"), "detsim.trace.json",
       "bad.jsonl:"},
      {"wrong type", replace_first(good, "{\"seq\":2,\"t\":0", "{\"seq\":2,\"t\":\"zero\""), "detsim.trace.type",
       "field 't': expected an integer, found a string"},
      {"missing field", replace_first(good, "\"kind\":\"step\",\"cause\":", "\"kind\":\"step\",\"because\":"),
       "detsim.trace.missing", "field 'cause': missing"},
      {"missing kind-specific field", replace_first(good, ",\"choice\":0,\"of\":1", ",\"of\":1"),
       "detsim.trace.missing", "field 'choice': missing (required for kind 'step')"},
      {"negative number", replace_first(good, "{\"seq\":2,\"t\":0", "{\"seq\":2,\"t\":-5"), "detsim.trace.range",
       "field 't'"},
      {"out-of-range number", replace_first(good, "\"seed\":2", "\"seed\":-2"), "detsim.trace.range",
       "bad.jsonl:1: field 'seed': must not be negative"},
      {"choice not below of", replace_first(good, "\"choice\":0,\"of\":1", "\"choice\":1,\"of\":1"),
       "detsim.trace.range", "field 'choice': choice 1 is not below of 1"},
      {"unknown kind", replace_first(good, "\"kind\":\"call_soon\"", "\"kind\":\"call_later\""), "detsim.trace.range",
       "field 'kind': unknown event kind 'call_later'"},
      {"a task's name changes", replace_first(good, "\"task\":2,\"name\":\"A\",\"choice\"", "\"task\":2,\"name\":\"B\",\"choice\""),
       "detsim.trace.range", "field 'name': task 2 is named 'A' at its first event, not 'B' (a task keeps one name)"},
      {"a task's name dropped", replace_first(good, "\"task\":2,\"name\":\"A\",\"choice\"", "\"task\":2,\"choice\""),
       "detsim.trace.range", "field 'name': task 2 is named 'A' at its first event, not nothing"},
      {"a name without a task", replace_first(good, "\"kind\":\"loop_run\",\"cause\":0", "\"kind\":\"loop_run\",\"cause\":0,\"name\":\"A\""),
       "detsim.trace.range", "field 'name': an event without a task has no name"},
      {"events out of sequence", replace_first(good, "{\"seq\":3,", "{\"seq\":4,"), "detsim.trace.sequence",
       "field 'seq': events out of sequence: expected 3, found 4"},
      {"undefined site", replace_first(good, "\"site\":1}", "\"site\":99}"), "detsim.trace.range",
       "field 'site': site 99 is not defined"},
      {"digest mismatch", replace_first(good, "\"digest\":\"", "\"digest\":\"0"), "detsim.trace.type",
       "field 'digest': expected 16 lowercase hex digits"},
      {"event count mismatch", replace_first(good, "\"events\":", "\"events\":1"), "detsim.trace.count",
       "field 'events'"},
      {"line after footer", good + header_line, "detsim.trace.after_footer", "a line after the footer"},
      {"not an object", replace_first(good, "{\"seq\":2,", "[1,2]\n{\"seq\":2,"), "detsim.trace.type",
       "expected a JSON object, found an array"},
      {"a misspelt field", replace_first(good, "\"site\":1}", "\"sIte\":1}"), "detsim.trace.unknown_field",
       "field 'sIte': unknown field"},
      {"a field given twice", replace_first(good, "\"version\":4", "\"version\":4,\"version\":3"), "detsim.trace.json",
       "bad.jsonl:1: field 'version': given twice"},
      {"nested too deeply", replace_first(good, "\"metadata\":{}", "\"metadata\":{\"x\":" + std::string(15, '[') + std::string(15, ']') + "}"),
       "detsim.trace.json", "bad.jsonl:1: nested deeper than 16 levels"},
      {"nested as deep as allowed (16 levels)", replace_first(good, "\"metadata\":{}", "\"metadata\":{\"x\":" + std::string(14, '[') + std::string(14, ']') + "}"),
       "detsim.trace.type", "bad.jsonl:1: field 'metadata.x': expected a string, found an array"},
      {"too many keys", replace_first(good, "\"metadata\":{}", "\"metadata\":{" + many_keys(4097) + "}"),
       "detsim.trace.json", "bad.jsonl:1: an object with more than 4096 keys"},
      {"a number too large", replace_first(good, "\"seed\":2", "\"seed\":1e999"), "detsim.trace.json",
       "bad.jsonl:1: malformed JSON"},
      {"an absolute site path", replace_first(good, "\"file\":\"", "\"file\":\"/"), "detsim.trace.range",
       "field 'file': an absolute path"},
      {"a key given twice in the metadata", replace_first(good, "\"metadata\":{}", "\"metadata\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}"),
       "detsim.trace.json", "bad.jsonl:1: field 'a': given twice"},
      {"a key given twice, spelt two ways", replace_first(good, "\"metadata\":{}", "\"metadata\":{\"a\":\"1\",\"\\u0061\":\"2\"}"),
       "detsim.trace.json", "bad.jsonl:1: field 'a': given twice"},
      {"a repeated key holding a NUL", replace_first(good, "\"metadata\":{}", "\"metadata\":{\"a\\u0000b\":\"1\",\"a\\u0000b\":\"2\"}"),
       "detsim.trace.json", "bad.jsonl:1: field 'a\\u0000b': given twice"},
      {"of on another kind", replace_first(good, "\"kind\":\"loop_run\",\"cause\":0", "\"kind\":\"loop_run\",\"cause\":0,\"of\":0"),
       "detsim.trace.range", "field 'of': 0 is out of range (at least 1)"},
  };
  for (const BadInput& bad : cases) {
    try {
      detsim::parse_trace(bad.text, "bad.jsonl", {.allow_truncated = false});
      ADD_FAILURE() << bad.what << ": accepted";
    } catch (const detsim::TraceError& error) {
      EXPECT_EQ(error.id(), bad.id) << bad.what << ": " << error.what();
      EXPECT_NE(std::string(error.what()).find(bad.message_part), std::string::npos)
          << bad.what << ": message was: " << error.what();
    }
  }
}

TEST(TraceRecorder, RefusesMetadataNoReaderAccepts) {
  detsim::EventLoop loop;
  const auto refused = [&loop](std::vector<std::pair<std::string, std::string>> metadata) -> std::string {
    try {
      detsim::TraceRecorder recorder{loop, {.metadata = std::move(metadata)}};
    } catch (const detsim::TraceError& error) {
      EXPECT_EQ(error.id(), "detsim.trace.options");
      return std::string(error.message());
    }
    return "accepted";
  };
  EXPECT_EQ(refused({{"build", "1"}, {"host", "a"}, {"build", "2"}}), "TraceOptions::metadata: key 'build' given twice");
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 4097; ++i) many.emplace_back(std::to_string(i), "");
  EXPECT_EQ(refused(many), "TraceOptions::metadata: 4097 entries, more than a trace holds (4096)");
  many.pop_back();
  EXPECT_EQ(refused(many), "accepted");
  // And the most a trace holds reads back.
  detsim::TraceRecorder recorder{loop, {.metadata = many}};
  recorder.finish();
  const detsim::Trace read = detsim::parse_trace(detsim::to_jsonl(recorder.trace()), "many.jsonl");
  EXPECT_EQ(read.header.metadata, many);
}

TEST(TraceReader, KeysAndValuesMayHoldWhatTheScanCounts) {
  // The reader counts keys and nesting outside strings before parsing:
  // colons, braces, brackets, quotes and backslashes inside them count for
  // nothing, and the trace reads as written.
  std::vector<std::pair<std::string, std::string>> metadata = {
      {"a:b", "{[\"x\": 1]}"}, {"{", "}"}, {"\\", "\"\\\""}, {"say \"hi\"", ":"}};
  detsim::EventLoop loop;
  detsim::TraceRecorder recorder{loop, {.metadata = metadata}};
  recorder.finish();
  const std::string text = detsim::to_jsonl(recorder.trace());
  const detsim::Trace read = detsim::parse_trace(text, "awkward.jsonl");
  EXPECT_EQ(read.header.metadata, metadata);
  EXPECT_EQ(detsim::to_jsonl(read), text);
}

TEST(TraceReader, RejectsAFooterWhoseRunEndsBeforeItsLastEvent) {
  std::string text = detsim::to_jsonl(golden::contract());  // its last events are at 10 ms
  text = replace_first(text, "\"final_time_ns\":10000000", "\"final_time_ns\":0");
  try {
    detsim::parse_trace(text, "early.jsonl");
    FAIL() << "accepted a run that ends before its last event";
  } catch (const detsim::TraceError& error) {
    EXPECT_EQ(error.id(), "detsim.trace.range") << error.what();
    EXPECT_NE(std::string(error.what()).find("early.jsonl:"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("field 'final_time_ns': the run ends at 0 ns, before its last event"),
              std::string::npos)
        << error.what();
  }
}

TEST(TraceReader, MalformedJsonNamesTheColumnOfTheFilesLine) {
  const std::string text = replace_first(valid_text(), "{\"seq\":3,", "{\"seq\":3,,");
  try {
    detsim::parse_trace(text, "bad.jsonl");
    FAIL() << "accepted malformed JSON";
  } catch (const detsim::TraceError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("bad.jsonl:4: malformed JSON"), std::string::npos) << message;
    EXPECT_NE(message.find("at column 10"), std::string::npos) << message;
    EXPECT_EQ(message.find("at line 1"), std::string::npos) << message;  // nlohmann's line within the line
  }
}

TEST(TraceReader, ADirectoryIsNotATraceFile) {
  const auto directory = std::filesystem::temp_directory_path() / "detsim-trace-test-directory.jsonl";
  std::filesystem::create_directories(directory);
  try {
    detsim::read_trace(directory.string());
    FAIL() << "read a directory";
  } catch (const detsim::TraceError& error) {
    EXPECT_EQ(error.id(), "detsim.trace.open");
    EXPECT_EQ(error.message(), directory.string() + ": a directory, not a trace file");
  }
  std::filesystem::remove(directory);
}

TEST(TraceReader, EditedEventIsCaughtByTheDigest) {
  std::string text = valid_text();
  // Change a recorded decision's time but keep the file well-formed.
  const std::size_t last_event = text.rfind("{\"seq\":");
  const std::size_t t_at = text.find("\"t\":", last_event);
  text.replace(t_at, 5, "\"t\":9");
  try {
    detsim::parse_trace(text, "edited.jsonl");
    FAIL() << "accepted an edited trace";
  } catch (const detsim::TraceError& error) {
    EXPECT_EQ(error.id(), "detsim.trace.digest") << error.what();
    EXPECT_NE(std::string(error.what()).find("field 'digest': the footer says"), std::string::npos) << error.what();
  }
}

TEST(TraceReader, TruncatedTraceIsReportedWhenCompletenessIsRequired) {
  const std::string good = valid_text();
  const std::string cut = good.substr(0, good.size() / 2);
  EXPECT_TRUE(detsim::parse_trace(cut, "cut.jsonl").truncated);
  try {
    detsim::parse_trace(cut, "cut.jsonl", {.allow_truncated = false});
    FAIL() << "accepted a truncated trace";
  } catch (const detsim::TraceError& error) {
    EXPECT_EQ(error.id(), "detsim.trace.truncated") << error.what();
    EXPECT_NE(std::string(error.what()).find("cut.jsonl:"), std::string::npos) << error.what();
  }
}

TEST(TraceReader, MissingFileIsAnError) {
  try {
    detsim::read_trace("/nonexistent/trace.jsonl");
    FAIL();
  } catch (const detsim::TraceError& error) {
    EXPECT_EQ(error.id(), "detsim.trace.open");
    EXPECT_NE(std::string(error.what()).find("/nonexistent/trace.jsonl"), std::string::npos);
  }
}

TEST(TraceWriter, EscapesNamesAndKeepsInvalidUtf8Readable) {
  detsim::Trace trace;
  trace.header.program = "quote\" backslash\\ newline\n tab\t bell\x07 bad\xff end";
  trace.footer = detsim::TraceFooter{};
  trace.footer->digest = trace.digest();
  const detsim::Trace read = detsim::parse_trace(detsim::to_jsonl(trace), "escape.jsonl");
  EXPECT_EQ(read.header.program, "quote\" backslash\\ newline\n tab\t bell\x07 bad\xEF\xBF\xBD end");
}

namespace {
// UTF-8 of a code point (valid ones only: no surrogates, at most U+10FFFF).
std::string encode_utf8(std::uint32_t code) {
  std::string out;
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xe0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
  return out;
}
}  // namespace

// Text is made valid UTF-8 by replacing each byte that starts no valid
// sequence with U+FFFD, keeping everything else: built from valid characters
// and bytes that are never valid where they stand (0xC0, 0xC1, 0xFE, 0xFF,
// a lone continuation byte), the expected text is known piece by piece.
RC_GTEST_PROP(TraceRecorder, NamesAreMadeValidUtf8ByteByByte, ()) {
  const auto pieces = *rc::gen::container<std::vector<std::pair<bool, std::uint32_t>>>(rc::gen::pair(
      rc::gen::arbitrary<bool>(),
      rc::gen::oneOf(rc::gen::inRange<std::uint32_t>(0x20, 0x7f), rc::gen::inRange<std::uint32_t>(0x80, 0xd800),
                     rc::gen::inRange<std::uint32_t>(0xe000, 0x110000))));
  constexpr unsigned char invalid[] = {0xc0, 0xc1, 0xfe, 0xff, 0x80, 0x9f, 0xbf};
  std::string text;
  std::string expected;
  for (const auto& [valid, code] : pieces) {
    if (valid) {
      text += encode_utf8(code);
      expected += encode_utf8(code);
    } else {
      text += static_cast<char>(invalid[code % sizeof invalid]);
      expected += "\xEF\xBF\xBD";
    }
  }
  detsim::EventLoop loop;
  const detsim::TraceRecorder recorder{loop, {.program = text}};
  RC_ASSERT(recorder.trace().header.program == expected);
}

detsim::Task<void> named_worker() { co_await detsim::yield(); }

TEST(TraceRecorder, NamesThatAreNotUtf8RoundTripWithTheSameDigest) {
  detsim::EventLoop loop;
  detsim::TraceRecorder recorder{loop, {.program = "bytes\xa4"}};
  loop.run_until_complete(loop.create_task(named_worker(), std::string("task\xa4\xff")));
  recorder.finish();
  const detsim::Trace read = detsim::parse_trace(detsim::to_jsonl(recorder.trace()), "utf8.jsonl");
  EXPECT_EQ(read, recorder.trace());
  EXPECT_EQ(read.footer->digest, recorder.digest());
  EXPECT_EQ(read.string_at(read.events.front().name), "task\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
