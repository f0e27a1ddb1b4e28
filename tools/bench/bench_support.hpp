// Shared pieces of detsim-bench: workload sizes, the trivial coroutine the
// bare baselines resume, the deadline permutation the timer workloads share,
// and OperationMeter, which turns a timed loop into the reported figures.
//
// Every benchmark reports, per operation (a callback run, a task step, a
// timer fired, a bare resumption):
//   items_per_second  operations per CPU second (Google Benchmark's own);
//   time_per_op       CPU seconds per operation (the same, inverted; the
//                     console shows it as e.g. "17.2ns");
//   allocs_per_op     calls to operator new per operation inside the timed
//                     loop, i.e. in steady state: every benchmark warms up
//                     (grows its pools and queues) before the loop starts.
// and a label "baseline=<name>" naming the bare benchmark it is compared
// with (ratios.py divides the two).
#pragma once

#include <benchmark/benchmark.h>

#include <coroutine>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "allocation_counter.hpp"

namespace detsim::bench {

struct Sizes {
  std::size_t callback_chains = 64;     // concurrent self-rescheduling call_soon callbacks
  std::size_t many_tasks = 100'000;     // tasks in the yield workload
  std::size_t timers = 1'000'000;       // pending timers in the timer workload
  std::size_t steps_per_batch = 4096;   // operations per benchmark iteration (small workloads)
  int replay_increments = 50'000;       // lost-update increments per task: ~10M events to replay
};

// Scheduler seed used by every RandomScheduler and bare random pick here.
inline constexpr std::uint64_t bench_seed = 42;

// A coroutine's frame, owned: it suspends before its first line and at its
// end, so it runs only when resumed. The bare baselines and the floors run
// their coroutines as these; `PromiseData` is what a floor keeps in the
// promise (the step id of a task, say).
struct NoPromiseData {};
template <class PromiseData = NoPromiseData>
class BasicOwnedCoroutine {
 public:
  struct promise_type : PromiseData {
    BasicOwnedCoroutine get_return_object() {
      return BasicOwnedCoroutine{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_always final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    void unhandled_exception() const noexcept { std::terminate(); }
  };
  using Handle = std::coroutine_handle<promise_type>;

  BasicOwnedCoroutine(BasicOwnedCoroutine&& other) noexcept : frame_(std::exchange(other.frame_, {})) {}
  BasicOwnedCoroutine& operator=(BasicOwnedCoroutine&&) = delete;
  ~BasicOwnedCoroutine() {
    if (frame_) frame_.destroy();
  }
  Handle handle() const noexcept { return frame_; }

 private:
  explicit BasicOwnedCoroutine(Handle frame) noexcept : frame_(frame) {}
  Handle frame_;
};
using OwnedCoroutine = BasicOwnedCoroutine<>;

// Counts its resumptions, forever: the cheapest possible "task step".
inline OwnedCoroutine spin(std::uint64_t& resumptions) {
  for (;;) {
    ++resumptions;
    co_await std::suspend_always{};
  }
}

// 0 .. count-1 in an order shuffled by detsim::Random{seed} (Fisher-Yates):
// the timer workloads add these to a base time so that deadlines are
// distinct and arrive in no particular order.
std::vector<std::uint32_t> shuffled_offsets(std::size_t count, std::uint64_t seed);

// Counts operations and allocations across a benchmark's timed loop.
// Construct it right before `for (auto _ : state)` (after the warm-up), call
// add() inside, and finish() right after. `baseline` (the name of the bare
// benchmark to compare with, or empty) is taken up front so that building
// its string is not counted as an allocation of the workload.
class OperationMeter {
 public:
  // `floor`: the semantic floor of the same workload, if it has one.
  OperationMeter(benchmark::State& state, std::string baseline, std::string floor = {}) noexcept
      : state_(state), baseline_(std::move(baseline)), floor_(std::move(floor)),
        allocations_before_(allocation_count()) {}

  void add(std::uint64_t operations) noexcept { operations_ += operations; }
  // Allocations made inside the timed loop but outside the timed region
  // (between PauseTiming and ResumeTiming), which are not the workload's.
  void exclude_allocations(std::uint64_t allocations) noexcept { allocations_before_ += allocations; }

  void finish() {
    const std::uint64_t allocations = allocation_count() - allocations_before_;
    const auto operations = static_cast<double>(operations_);
    state_.SetItemsProcessed(static_cast<std::int64_t>(operations_));
    // A rate of operations/1e9 per second, inverted, is nanoseconds per operation.
    // Operations per second, inverted: seconds per operation.
    state_.counters["time_per_op"] =
        benchmark::Counter(operations, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state_.counters["allocs_per_op"] = operations > 0 ? static_cast<double>(allocations) / operations : 0.0;
    if (!baseline_.empty()) state_.SetLabel("baseline=" + baseline_ + (floor_.empty() ? "" : " floor=" + floor_));
  }

 private:
  benchmark::State& state_;
  std::string baseline_;
  std::string floor_;
  std::uint64_t allocations_before_;
  std::uint64_t operations_ = 0;
};

void register_bare_baselines(const Sizes& sizes);
// The semantic floor (semantic_floor.cpp): the cheapest loop with the core
// issue's semantics, for the call_soon, ping-pong and yield workloads.
void register_semantic_floor(const Sizes& sizes);
std::string floor_call_soon_name(std::size_t chains);
std::string floor_ping_pong_name();
std::string floor_yield_name(std::size_t tasks);
void register_loop_workloads(const Sizes& sizes);

// One ping-pong run of `steps` task steps (FIFO), outside Google Benchmark:
// one run_forever, so that `valgrind --tool=callgrind
// --toggle-collect='detsim::detail::LoopCore::run_forever()'` counts exactly
// those steps' instructions. `mode`: "untraced", "observed" (an observer that
// counts events), "recorded" (a TraceRecorder) or "recorded-debug" (the
// same, the loop in debug mode). Returns the wall time per
// step in ns; throws std::invalid_argument for another mode.
double run_ping_pong_steps(const std::string& mode, std::size_t steps);
void register_trace_workloads(const Sizes& sizes);
// Per seed of a sweep (seed_workloads.cpp): a fresh loop, or a recorded
// simulation, around a small program.
void register_seed_workloads();
// Runs the lost update under seeds 1..seeds in `mode` (bare, seed-runner,
// sweep-run); the time per seed in ns.
double run_seeds(const std::string& mode, std::size_t seeds);
// A helper call inside a task (coroutine_workloads.cpp): detsim::Coroutine,
// an awaited Task, a plain function.
void register_coroutine_workloads(const Sizes& sizes);
// The asyncio toolkit's primitives (toolkit_workloads.cpp): an uncontended
// Lock, a Queue handoff, an Event broadcast; asyncio_toolkit.py measures the
// same on CPython.
void register_toolkit_workloads(const Sizes& sizes);
// asyncio.gather of 10k tasks (combinator_workloads.cpp).
void register_combinator_workloads(const Sizes& sizes);

// Names of the bare benchmarks, shared by registration and the labels.
std::string bare_fifo_name(std::size_t handles);
std::string bare_random_name(std::size_t handles);
std::string bare_timer_heap_name(std::size_t timers);

}  // namespace detsim::bench
