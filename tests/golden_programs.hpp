// Small programs whose traces are checked in under traces/golden/. Editing
// this file moves source lines, which changes the traces' site lines (never
// their digests): regenerate with DETSIM_UPDATE_TRACES=1 (see trace/trace_test.cpp).
#pragma once

#include <stdexcept>
#include <string>

#include <detsim/detsim.hpp>
#include <detsim/trace/recorder.hpp>

#include "scenarios/lost_update.hpp"

namespace golden {

using namespace std::chrono_literals;

inline detsim::Task<int> child(int x) {
  co_await detsim::sleep(5ms);
  co_return x * 2;
}

inline detsim::Task<int> parent(detsim::Future<int> ready) {
  int a = co_await child(21);
  int b = co_await ready;
  co_await detsim::yield();
  co_return a + b;
}

// The core issue's contract program, recorded in debug mode (so that the
// golden shows future_created events too).
inline detsim::Trace contract(detsim::TraceOptions options = {}) {
  detsim::EventLoop loop{detsim::RandomScheduler{42}};
  loop.set_debug(true);
  options.program = "contract";
  detsim::TraceRecorder recorder{loop, options};
  detsim::Future<int> ready = loop.create_future<int>();
  loop.call_later(10ms, [&] { ready.set_result(1); });
  auto task = loop.create_task(parent(ready), "parent");
  recorder.run_until_complete(task);
  return recorder.trace();
}

// Two tasks racing on a counter under a seed.
inline detsim::Trace lost_update(std::uint64_t seed, int tasks = 2, int increments = 2) {
  detsim::EventLoop loop{detsim::RandomScheduler{seed}};
  detsim::TraceRecorder recorder{loop, {.program = "lost_update"}};
  detsim::scenarios::run_lost_update(loop, tasks, increments);
  recorder.finish();
  return recorder.trace();
}

inline detsim::Task<void> sleeper() { co_await detsim::sleep(1s); }

inline detsim::Task<void> failing() {
  co_await detsim::yield();
  throw std::runtime_error("boom");
}

inline detsim::Task<std::string> supervisor() {
  auto& loop = detsim::get_running_loop();
  auto sleeping = loop.create_task(sleeper(), "sleeper");
  auto broken = loop.create_task(failing(), "failing");
  co_await detsim::yield();
  sleeping.cancel("no longer needed");
  std::string outcome;
  try {
    co_await sleeping;
  } catch (const detsim::CancelledError& error) {
    outcome += error.cancel_message();
  }
  try {
    co_await broken;
  } catch (const std::runtime_error& error) {
    outcome += std::string(", ") + error.what();
  }
  co_return outcome;
}

// Cancellation, an exception, an immediate done callback, under FIFO.
inline detsim::Trace cancellation() {
  detsim::EventLoop loop;
  detsim::TraceRecorder recorder{loop, {.program = "cancellation", .metadata = {{"purpose", "golden"}}}};
  auto task = loop.create_task(supervisor(), "supervisor");
  loop.run_until_complete(task);
  task.add_done_callback([](auto&) {});
  recorder.finish();
  return recorder.trace();
}

}  // namespace golden
