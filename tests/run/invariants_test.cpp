// detsim's own invariants, as properties over random programs (task graphs
// that await futures and each other, sleep, yield, set results, cancel and
// raise; tests/support/random_program.hpp) under random schedules: RapidCheck-shrunk
// choice lists and seeded random scheduling.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <detsim/detsim.hpp>
#include <detsim/replay/replay.hpp>
#include <detsim/testing.hpp>
#include <detsim/trace/recorder.hpp>

#include "support/random_program.hpp"

namespace {

// A schedule drawn by RapidCheck: a shrinkable choice list, or a seed.
std::unique_ptr<detsim::Scheduler> arbitrary_scheduler() {
  if (*rc::gen::arbitrary<bool>()) return std::make_unique<detsim::ChoiceScheduler>(*detsim::gen::schedule());
  return std::make_unique<detsim::RandomScheduler>(*rc::gen::arbitrary<std::uint64_t>());
}

struct RecordedRun {
  detsim::Trace trace;
  random_program::Shared shared;
  std::string log;
};

RecordedRun run_recorded(const random_program::ProgramSpec& spec, std::unique_ptr<detsim::Scheduler> scheduler) {
  RecordedRun run;
  detsim::EventLoop loop{std::move(scheduler)};
  detsim::TraceRecorder recorder{loop};
  run.log = random_program::run(loop, spec, run.shared);
  recorder.finish();
  run.trace = recorder.take_trace();
  return run;
}

RC_GTEST_PROP(Invariants, DoneCallbacksRunOnceInRegistrationOrderAndImmediatelyWhenDone,
              (const random_program::ProgramSpec& spec)) {
  const RecordedRun run = run_recorded(spec, arbitrary_scheduler());
  for (std::size_t f = 0; f < run.shared.callbacks.size(); ++f) {
    const random_program::CallbackRecord& record = run.shared.callbacks[f];
    RC_ASSERT(run.shared.futures[f].done());  // run_until_idle let every timer fire
    RC_ASSERT(record.fired == record.registered);  // each once, in registration order
    RC_ASSERT(record.ran_immediately_when_done == record.registered_when_done);
  }
}

RC_GTEST_PROP(Invariants, EveryHandleRunsExactlyOnceUnlessCancelledAndNeverAfter,
              (const random_program::ProgramSpec& spec)) {
  const RecordedRun run = run_recorded(spec, arbitrary_scheduler());
  struct HandleLife {
    int scheduled = 0;
    int ran = 0;
    bool cancelled = false;
    bool ran_after_cancel = false;
  };
  std::map<std::uint64_t, HandleLife> handles;  // ordered: deterministic iteration
  for (const detsim::TraceEvent& event : run.trace.events) {
    HandleLife& life = handles[event.handle];
    switch (event.kind) {
      case detsim::EventKind::call_soon:
      case detsim::EventKind::timer_scheduled: ++life.scheduled; break;
      case detsim::EventKind::handle_cancelled: life.cancelled = true; break;
      case detsim::EventKind::step:
      case detsim::EventKind::callback:
        ++life.ran;
        life.ran_after_cancel = life.ran_after_cancel || life.cancelled;
        break;
      default: break;
    }
  }
  handles.erase(0);
  for (const auto& [handle, life] : handles) {
    RC_ASSERT(life.scheduled == 1);
    RC_ASSERT(!life.ran_after_cancel);
    RC_ASSERT(life.ran == (life.cancelled ? 0 : 1));
  }
}

RC_GTEST_PROP(Invariants, TimeNeverDecreasesAndTimersFireOnTimeInDeadlineOrder,
              (const random_program::ProgramSpec& spec)) {
  const RecordedRun run = run_recorded(spec, arbitrary_scheduler());
  std::map<std::uint64_t, std::int64_t> deadline;  // timer handle -> when
  std::int64_t previous_time = 0;
  std::int64_t previous_fired_deadline = 0;
  for (const detsim::TraceEvent& event : run.trace.events) {
    RC_ASSERT(event.time_ns >= previous_time);
    previous_time = event.time_ns;
    if (event.kind == detsim::EventKind::timer_scheduled) {
      RC_ASSERT(event.when_ns >= event.time_ns);  // every timer here has a delay >= 0
      deadline[event.handle] = event.when_ns;
    }
    if (event.kind == detsim::EventKind::callback && deadline.count(event.handle)) {
      const std::int64_t when = deadline[event.handle];
      RC_ASSERT(event.time_ns >= when);  // never early
      RC_ASSERT(when >= previous_fired_deadline);  // distinct deadlines fire in deadline order
      previous_fired_deadline = when;
    }
  }
}

detsim::Task<int> root(bool fails, int value) {
  co_await detsim::yield();
  if (fails) throw std::out_of_range("root failed with " + std::to_string(value));
  co_return value;
}

RC_GTEST_PROP(Invariants, RunUntilCompleteReturnsTheRootsResultOrRethrows, (bool fails, int value)) {
  detsim::EventLoop loop{*rc::gen::arbitrary<bool>() ? std::unique_ptr<detsim::Scheduler>(std::make_unique<detsim::FifoScheduler>())
                                                    : std::make_unique<detsim::ChoiceScheduler>(*detsim::gen::schedule())};
  auto noise = loop.create_task(root(false, 0));  // another task competing for the schedule
  if (fails) {
    try {
      loop.run_until_complete(root(true, value));
      RC_FAIL("no exception");
    } catch (const std::out_of_range& error) {
      RC_ASSERT(std::string(error.what()) == "root failed with " + std::to_string(value));
    }
  } else {
    RC_ASSERT(loop.run_until_complete(root(false, value)) == value);
  }
  loop.run_until_complete(noise);
}

RC_GTEST_PROP(Invariants, SameScheduleSameDigestAndReplayReproducesIt, (const random_program::ProgramSpec& spec)) {
  const std::vector<std::uint32_t> choices = *detsim::gen::schedule();
  const RecordedRun first = run_recorded(spec, std::make_unique<detsim::ChoiceScheduler>(choices));
  const RecordedRun second = run_recorded(spec, std::make_unique<detsim::ChoiceScheduler>(choices));
  RC_ASSERT(first.trace.footer->digest == second.trace.footer->digest);
  RC_ASSERT(first.log == second.log);
  const RecordedRun replayed =
      run_recorded(spec, std::make_unique<detsim::ReplayScheduler>(detsim::schedule_of(first.trace)));
  RC_ASSERT(detsim::to_jsonl(replayed.trace) == detsim::to_jsonl(first.trace));
}

RC_GTEST_PROP(Invariants, EmptyScheduleIsAsyncioFifo, (const random_program::ProgramSpec& spec)) {
  // No choices means FIFO: the run is the FifoScheduler's, event for event.
  const RecordedRun fifo = run_recorded(spec, std::make_unique<detsim::FifoScheduler>());
  const RecordedRun empty = run_recorded(spec, std::make_unique<detsim::ChoiceScheduler>(std::vector<std::uint32_t>{}));
  RC_ASSERT(!detsim::first_divergence(fifo.trace, empty.trace).has_value());
  RC_ASSERT(fifo.log == empty.log);
}

}  // namespace
