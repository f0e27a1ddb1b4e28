// The program the exporters' tests draw: a lost update caught by its
// invariant. Two tasks each read a shared counter, yield, and write it back
// plus one; whenever both read before either writes, an increment is lost
// and DETSIM_CHECK_EQ fails in the main task. A sleep first puts a timer
// and a virtual-time jump on the loop's own track.
//
// Task names are parameters, so a test can name a task `<script>...`.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include <detsim/base/check.hpp>
#include <detsim/detsim.hpp>
#include <detsim/trace/recorder.hpp>

namespace detsim_test {

inline detsim::Task<void> increment_racily(int& counter) {
  const int seen = counter;
  co_await detsim::yield();  // another task may read the same value here
  counter = seen + 1;
}

inline detsim::Task<void> lost_update_checked(std::string first_name, std::string second_name) {
  co_await detsim::sleep(std::chrono::milliseconds(1));
  int counter = 0;
  detsim::EventLoop& loop = detsim::get_running_loop();
  detsim::Task<void> first = loop.create_task(increment_racily(counter), std::move(first_name));
  detsim::Task<void> second = loop.create_task(increment_racily(counter), std::move(second_name));
  co_await first;
  co_await second;
  DETSIM_CHECK_EQ(counter, 2);
}

struct RecordedRun {
  detsim::Trace trace;
  std::string schedule;  // the run's schedule string
  bool ok() const { return trace.footer && trace.footer->outcome == detsim::Outcome::ok; }
  const std::string& message() const { return trace.footer->message; }
};

// Records one seed (with the trace layer's recorder, as this layer's tests
// must); the trace is also written to `trace_path`, pass or fail.
inline RecordedRun run_lost_update_checked(std::uint64_t seed, const std::string& trace_path,
                                           const std::string& first_name = "reader-A",
                                           const std::string& second_name = "reader-B") {
  detsim::EventLoop loop{detsim::RandomScheduler{seed}};
  RecordedRun run;
  {
    detsim::TraceRecorder recorder{loop, {.program = "lost_update_checked", .path = trace_path}};
    try {
      recorder.run_until_complete(loop.create_task(lost_update_checked(first_name, second_name)));
    } catch (const detsim::InvariantViolation&) {
      // Recorded: the trace's footer has the message.
    }
    run.trace = recorder.take_trace();
  }
  run.schedule = detsim::encode_schedule(detsim::schedule_of(run.trace));
  return run;
}

// The first seed from 1 on whose run loses an update.
inline RecordedRun first_lost_update(const std::string& trace_path, const std::string& first_name = "reader-A",
                                     const std::string& second_name = "reader-B") {
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    RecordedRun run = run_lost_update_checked(seed, trace_path, first_name, second_name);
    if (!run.ok()) return run;
  }
  ADD_FAILURE() << "no seed in 1..64 loses an update";
  return {};
}

}  // namespace detsim_test
