// Tests for what a Scheduler sees of the ready callbacks (ReadyCandidates,
// include/detsim/scheduling/scheduler.hpp): each candidate's task, kind and
// site, in ready-queue order; the same whether or not the loop is observed;
// and the candidate picked is the one that runs.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>
#include <detsim/trace/recorder.hpp>

using namespace std::chrono_literals;
using detsim::Candidate;
using detsim::CandidateKind;
using detsim::ReadyCandidates;
using detsim::Task;

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string describe(const Candidate& candidate) {
  std::string text(to_string(candidate.kind));
  text += " task " + std::to_string(candidate.task);
  text += " at " + std::string(candidate.site.file_name()) + ":" + std::to_string(candidate.site.line()) + " in " +
          candidate.site.function_name();
  return text;
}

// Records every view it is asked about, candidate by candidate, and the one
// it picks: the ((7 * n + 3) mod size)-th at its n-th pick, so that it
// strays from FIFO.
class Watcher final : public detsim::Scheduler {
 public:
  struct Seen {
    std::vector<std::vector<Candidate>> views;
    std::vector<Candidate> picked;
  };
  explicit Watcher(Seen& seen, bool fifo = false) : seen_(&seen), fifo_(fifo) {}
  using Scheduler::pick;
  bool reads_candidates() const noexcept override { return true; }
  std::size_t pick(ReadyCandidates ready) override {
    std::vector<Candidate> view;
    for (std::size_t i = 0; i < ready.size(); ++i) view.push_back(ready.candidate(i));
    const std::size_t choice = fifo_ ? 0 : (7 * seen_->views.size() + 3) % ready.size();
    seen_->views.push_back(view);
    seen_->picked.push_back(view[choice]);
    return choice;
  }
  std::string name() const override { return "watcher"; }
  std::unique_ptr<detsim::Scheduler> clone_fresh() const override { return std::make_unique<Watcher>(*seen_, fifo_); }

 private:
  Seen* seen_;
  bool fifo_;
};

Task<void> note(std::string& log, char label) {
  log += label;
  co_return;
}

// ---- what a scheduler sees ---------------------------------------------------------

TEST(ReadyCandidates, TwoTasksAndACallbackInReadyQueueOrder) {
  Watcher::Seen seen;
  detsim::EventLoop loop{std::make_unique<Watcher>(seen, /*fifo=*/true)};
  std::string log;
  // (Each call and its line number on one line: the sites are those lines.)
  auto a = loop.create_task(note(log, 'a'), "A"); const std::uint_least32_t a_line = __LINE__;
  auto b = loop.create_task(note(log, 'b'), "B"); const std::uint_least32_t b_line = __LINE__;
  loop.call_soon([&log] { log += 'c'; }); const std::uint_least32_t c_line = __LINE__;
  loop.run_until_idle();
  EXPECT_EQ(log, "abc");

  // FIFO: the first pick among all three, the second among the two left.
  ASSERT_EQ(seen.views.size(), 2u);
  const std::vector<Candidate>& first = seen.views[0];
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].kind, CandidateKind::step);
  EXPECT_EQ(first[0].task, a.task_id());
  EXPECT_EQ(first[0].site.line(), a_line);
  EXPECT_EQ(first[1].kind, CandidateKind::step);
  EXPECT_EQ(first[1].task, b.task_id());
  EXPECT_EQ(first[1].site.line(), b_line);
  EXPECT_EQ(first[2].kind, CandidateKind::callback);
  EXPECT_EQ(first[2].task, Candidate::no_task);
  EXPECT_EQ(first[2].site.line(), c_line);
  for (const Candidate& candidate : first) {
    EXPECT_TRUE(ends_with(candidate.site.file_name(), "candidates_test.cpp")) << candidate.site.file_name();
  }
  EXPECT_NE(a.task_id(), b.task_id());
  ASSERT_EQ(seen.views[1].size(), 2u);
  EXPECT_EQ(describe(seen.views[1][0]), describe(first[1]));
  EXPECT_EQ(describe(seen.views[1][1]), describe(first[2]));
}

TEST(ReadyCandidates, ATimerIsATimerAndASleepsTimerNamesItsTask) {
  Watcher::Seen seen;
  detsim::EventLoop loop{std::make_unique<Watcher>(seen, /*fifo=*/true)};
  std::string log;
  std::uint_least32_t sleep_line = 0;
  loop.call_later(1ms, [&log] { log += 't'; }); const std::uint_least32_t timer_line = __LINE__;
  auto sleeper = loop.create_task([](std::uint_least32_t& line) -> Task<void> {
    line = __LINE__; co_await detsim::sleep(1ms);
  }(sleep_line), "sleeper");
  loop.run_until_idle();
  // Iteration 1: the sleeper's first step alone, no decision. At 1 ms both
  // timers are due, in the order they were scheduled.
  ASSERT_EQ(seen.views.size(), 1u);
  const std::vector<Candidate>& due = seen.views[0];
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].kind, CandidateKind::timer);
  EXPECT_EQ(due[0].task, Candidate::no_task);
  EXPECT_EQ(due[0].site.line(), timer_line);
  EXPECT_EQ(due[1].kind, CandidateKind::timer);
  EXPECT_EQ(due[1].task, sleeper.task_id());
  EXPECT_EQ(due[1].site.line(), sleep_line);
  EXPECT_EQ(log, "t");
  EXPECT_TRUE(sleeper.done());
}

TEST(ReadyCandidates, ADueTimerCancelledLeavesTheCandidates) {
  Watcher::Seen seen;
  detsim::EventLoop loop{std::make_unique<Watcher>(seen, /*fifo=*/true)};
  std::string log;
  detsim::TimerHandle second;
  loop.call_later(1ms, [&] {
    log += 'a';
    second.cancel();
  });
  second = loop.call_later(1ms, [&log] { log += 'b'; });
  loop.call_later(1ms, [&log] { log += 'c'; });
  loop.run_until_idle();
  EXPECT_EQ(log, "ac");
  EXPECT_TRUE(second.cancelled());
  // One decision among the three due timers; then 'c' is alone.
  ASSERT_EQ(seen.views.size(), 1u);
  ASSERT_EQ(seen.views[0].size(), 3u);
  for (const Candidate& candidate : seen.views[0]) EXPECT_EQ(candidate.kind, CandidateKind::timer);
}

TEST(ReadyCandidates, AWakeUpIsAStepOfTheTaskWoken) {
  Watcher::Seen seen;
  detsim::EventLoop loop{std::make_unique<Watcher>(seen, /*fifo=*/true)};
  detsim::Future<void> gate = loop.create_future();
  auto waiter = loop.create_task([](detsim::Future<void>& future) -> Task<void> { co_await future; }(gate), "waiter");
  loop.run_until_idle();  // the waiter's first step: it awaits the gate
  loop.call_soon([&gate] { gate.set_result(); });
  loop.call_soon([] {});
  loop.run_until_idle();
  // The first pick is among the two callbacks; the second among the one
  // left and the waiter's wake-up (a step: done callbacks never wait in the
  // ready queue).
  ASSERT_EQ(seen.views.size(), 2u);
  const std::vector<Candidate>& woken = seen.views[1];
  ASSERT_EQ(woken.size(), 2u);
  EXPECT_EQ(woken[0].kind, CandidateKind::callback);
  EXPECT_EQ(woken[1].kind, CandidateKind::step);
  EXPECT_EQ(woken[1].task, waiter.task_id());
  EXPECT_TRUE(waiter.done());
}

// ---- the candidate picked is the one that runs ---------------------------------------

// Three tasks that yield, sleep (all due at once, with two plain timers) and
// await a future a timer completes, plus call_soon callbacks: every kind of
// candidate, several ready at once.
Task<void> worker(detsim::EventLoop& loop, detsim::Future<void>& gate, std::string& log, char label) {
  log += label;
  co_await detsim::yield();
  loop.call_soon([&log, label] { log += static_cast<char>(label - 'a' + 'A'); });
  co_await detsim::sleep(1ms);
  co_await gate;
  log += label;
}

// `at_1ms` runs from one of the timers.
std::string run_program(detsim::EventLoop& loop, const std::function<void()>& at_1ms = [] {}) {
  std::string log;
  detsim::Future<void> gate = loop.create_future();
  std::vector<Task<void>> tasks;
  for (char label : std::string("abc")) {
    tasks.push_back(loop.create_task(worker(loop, gate, log, label), std::string(1, label)));
  }
  loop.call_soon([&log] { log += '+'; });
  loop.call_later(1ms, [&gate] { gate.set_result(); });
  loop.call_later(1ms, [&log, &at_1ms] {
    log += 't';
    at_1ms();
  });
  loop.run_until_idle();
  for (const Task<void>& task : tasks) EXPECT_TRUE(task.done());
  return log;
}

// The step and callback events that were decisions (of >= 2), and the
// handles of timers that became due.
class RunLog final : public detsim::LoopObserver {
 public:
  void on_event(const detsim::Event& event) override {
    if (event.kind == detsim::EventKind::timer_due) due_handles.insert(event.handle);
    if ((event.kind == detsim::EventKind::step || event.kind == detsim::EventKind::callback) && event.of >= 2) {
      ran.push_back(event);
      ran_sites.push_back(std::string(event.site.file_name()) + ":" + std::to_string(event.site.line()));
    }
  }
  std::vector<detsim::Event> ran;  // (their string views are not kept)
  std::vector<std::string> ran_sites;
  std::set<std::uint64_t> due_handles;
};

TEST(ReadyCandidates, ThePickedCandidateIsTheOneThatRuns) {
  Watcher::Seen seen;
  detsim::EventLoop loop{std::make_unique<Watcher>(seen)};
  RunLog run;
  loop.add_observer(run);
  run_program(loop);
  loop.remove_observer(run);

  ASSERT_EQ(seen.picked.size(), run.ran.size());
  std::set<CandidateKind> kinds;
  for (std::size_t i = 0; i < run.ran.size(); ++i) {
    const Candidate& picked = seen.picked[i];
    const detsim::Event& ran = run.ran[i];
    SCOPED_TRACE("decision " + std::to_string(i) + ": picked " + describe(picked));
    kinds.insert(picked.kind);
    EXPECT_EQ(ran.of, seen.views[i].size());
    EXPECT_EQ(describe(seen.views[i][ran.choice]), describe(picked));
    EXPECT_EQ(ran.task, picked.task);
    EXPECT_EQ(run.ran_sites[i], std::string(picked.site.file_name()) + ":" + std::to_string(picked.site.line()));
    if (picked.kind == CandidateKind::step) {
      EXPECT_EQ(ran.kind, detsim::EventKind::step);
    } else {
      EXPECT_EQ(ran.kind, detsim::EventKind::callback);
      EXPECT_EQ(run.due_handles.count(ran.handle) == 1, picked.kind == CandidateKind::timer);
    }
  }
  EXPECT_EQ(kinds, (std::set<CandidateKind>{CandidateKind::step, CandidateKind::callback, CandidateKind::timer}));
}

TEST(ReadyCandidates, ARecordedRunSeesWhatAnUnrecordedOneSees) {
  // The loop labels what it schedules for a scheduler that reads candidates
  // as it does for observers: the views, sites included, do not depend on
  // whether (or from when) the run is recorded.
  enum class Recorded { no, from_the_start, from_1ms };
  const auto views_of = [](Recorded recorded) {
    Watcher::Seen seen;
    detsim::EventLoop loop{std::make_unique<Watcher>(seen)};
    std::unique_ptr<detsim::TraceRecorder> recorder;
    if (recorded == Recorded::from_the_start) recorder = std::make_unique<detsim::TraceRecorder>(loop);
    // From the middle of the run, callbacks already pending keep the sites
    // they were scheduled with.
    const std::string log = run_program(loop, [&] {
      if (recorded == Recorded::from_1ms) recorder = std::make_unique<detsim::TraceRecorder>(loop);
    });
    std::vector<std::string> text{log};
    for (const auto& view : seen.views) {
      std::string line;
      for (const Candidate& candidate : view) line += describe(candidate) + "; ";
      text.push_back(line);
    }
    return text;
  };
  const std::vector<std::string> unrecorded = views_of(Recorded::no);
  EXPECT_GT(unrecorded.size(), 5u);
  EXPECT_EQ(views_of(Recorded::from_the_start), unrecorded);
  EXPECT_EQ(views_of(Recorded::from_1ms), unrecorded);
}

// ---- a view of a count alone --------------------------------------------------------------

// A scheduler that does not say it reads candidates gets a count alone.
class Peeker final : public detsim::Scheduler {
 public:
  using Scheduler::pick;
  std::size_t pick(ReadyCandidates ready) override {
    described = ready.described();
    try {
      (void)ready.candidate(0);
    } catch (const detsim::Error& error) {
      error_id = error.id();
    }
    return 0;
  }
  std::string name() const override { return "peeker"; }
  std::unique_ptr<detsim::Scheduler> clone_fresh() const override { return std::make_unique<Peeker>(); }
  bool described = true;
  std::string error_id;
};

TEST(ReadyCandidates, ASchedulerThatDoesNotReadCandidatesGetsACountAlone) {
  auto owned = std::make_unique<Peeker>();
  Peeker& peeker = *owned;
  detsim::EventLoop loop{std::move(owned)};
  loop.call_soon([] {});
  loop.call_soon([] {});
  loop.run_until_idle();
  EXPECT_FALSE(peeker.described);
  EXPECT_EQ(peeker.error_id, "detsim.scheduler.candidates");

  EXPECT_FALSE(detsim::FifoScheduler{}.reads_candidates());
  EXPECT_FALSE(detsim::RandomScheduler{1}.reads_candidates());
  EXPECT_FALSE(detsim::ChoiceScheduler{{}}.reads_candidates());
}

TEST(ReadyCandidates, ACountAloneCannotBeDescribed) {
  const ReadyCandidates count_only{3};
  EXPECT_EQ(count_only.size(), 3u);
  EXPECT_FALSE(count_only.described());
  try {
    (void)count_only.kind(0);
    ADD_FAILURE() << "expected detsim.scheduler.candidates";
  } catch (const detsim::Error& error) {
    EXPECT_EQ(error.id(), "detsim.scheduler.candidates");
    EXPECT_NE(std::string(error.what()).find("reads_candidates"), std::string::npos) << error.what();
  }
  // A scheduler that reads candidates cannot answer pick(count).
  Watcher::Seen seen;
  Watcher watcher{seen};
  EXPECT_THROW((void)watcher.pick(3), detsim::Error);
}

TEST(ReadyCandidates, AnIndexOutOfRangeIsAnError) {
  std::string error_text;
  class OutOfRange final : public detsim::Scheduler {
   public:
    explicit OutOfRange(std::string& text) : text_(&text) {}
    using Scheduler::pick;
    bool reads_candidates() const noexcept override { return true; }
    std::size_t pick(ReadyCandidates ready) override {
      try {
        (void)ready.candidate(ready.size());
      } catch (const detsim::Error& error) {
        *text_ = error.what();
      }
      return 0;
    }
    std::string name() const override { return "out-of-range"; }
    std::unique_ptr<detsim::Scheduler> clone_fresh() const override { return std::make_unique<OutOfRange>(*text_); }

   private:
    std::string* text_;
  };
  detsim::EventLoop loop{OutOfRange{error_text}};
  loop.call_soon([] {});
  loop.call_soon([] {});
  loop.run_until_idle();
  EXPECT_NE(error_text.find("out of range, 2 candidates are ready"), std::string::npos) << error_text;
}

TEST(ReadyCandidates, KindsHaveNames) {
  EXPECT_EQ(to_string(CandidateKind::step), "step");
  EXPECT_EQ(to_string(CandidateKind::callback), "callback");
  EXPECT_EQ(to_string(CandidateKind::timer), "timer");
}

}  // namespace
