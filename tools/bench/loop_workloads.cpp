// The detsim workloads, each run under FifoScheduler and RandomScheduler:
//   call_soon  no-op callbacks, `callback_chains` of them ready at once, each
//              rescheduling itself with call_soon;
//   ping_pong  two tasks handing a turn back and forth over futures (one step
//              = one task resumption; each turn creates a new future, since a
//              future completes once);
//   yield      `many_tasks` tasks each doing co_await detsim::yield() forever;
//   timers     `timers` call_at callbacks at shuffled distinct virtual times,
//              scheduled and run to completion in each iteration.
// Each benchmark iteration runs the loop (run_forever) until a budget of
// operations is used up; the callback or task that exhausts it calls stop().
// Work started during the stopping iteration simply carries over to the next
// benchmark iteration, so the loop stays in steady state throughout.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <detsim/detsim.hpp>
#include <detsim/trace/recorder.hpp>

#include "bench_support.hpp"

namespace detsim::bench {
namespace {

enum class SchedulerKind { fifo, random };

const char* to_string(SchedulerKind kind) { return kind == SchedulerKind::fifo ? "fifo" : "random"; }

std::unique_ptr<Scheduler> make_scheduler(SchedulerKind kind) {
  if (kind == SchedulerKind::fifo) return std::make_unique<FifoScheduler>();
  return std::make_unique<RandomScheduler>(bench_seed);
}

// What a workload counts: `remaining` is this iteration's budget (whoever
// brings it to 0 stops the loop), `done` counts every operation that ran.
struct Budget {
  std::int64_t remaining = 0;
  std::uint64_t done = 0;

  void use_one(EventLoop& loop) noexcept {
    ++done;
    if (--remaining == 0) loop.stop();
  }
  // Runs the loop until the budget of `operations` is used; returns how many
  // operations actually ran (the stopping loop iteration finishes first).
  std::uint64_t run(EventLoop& loop, std::size_t operations) {
    const std::uint64_t before = done;
    remaining = static_cast<std::int64_t>(operations);
    loop.run_forever();
    return done - before;
  }
};

// ---- call_soon ---------------------------------------------------------------

// Trivially copyable and 16 bytes, so it is stored inside the InlineFunction.
struct Rescheduler {
  EventLoop* loop;
  Budget* budget;
  void operator()() const {
    budget->use_one(*loop);
    (void)loop->call_soon(*this);
  }
};

void call_soon_workload(benchmark::State& state, const Sizes& sizes, SchedulerKind kind) {
  EventLoop loop{make_scheduler(kind)};
  Budget budget;
  for (std::size_t i = 0; i < sizes.callback_chains; ++i) (void)loop.call_soon(Rescheduler{&loop, &budget});
  budget.run(loop, sizes.steps_per_batch);  // warm-up
  // (The floor is FIFO's: the random rows have none.)
  const bool fifo = kind == SchedulerKind::fifo;
  OperationMeter meter(state, fifo ? bare_fifo_name(sizes.callback_chains) : bare_random_name(sizes.callback_chains),
                       fifo ? floor_call_soon_name(sizes.callback_chains) : std::string());
  for (auto _ : state) meter.add(budget.run(loop, sizes.steps_per_batch));
  meter.finish();
}

// ---- ping_pong ---------------------------------------------------------------

struct Court {
  EventLoop* loop;
  Budget budget;
  Future<void> to_a;  // the future player A awaits next
  Future<void> to_b;
};

// Awaits its turn, replaces its (now done) future with a fresh one, and hands
// the turn to the other player by completing theirs.
Task<void> player(Court& court, Future<void> Court::*mine, Future<void> Court::*theirs) {
  for (;;) {
    co_await (court.*mine);
    court.budget.use_one(*court.loop);
    court.*mine = court.loop->create_future();
    (court.*theirs).set_result();
  }
}

// Two players on `loop`, A serving; the tasks are kept for the loop's life.
struct Match {
  Court& court;
  Task<void> a;
  Task<void> b;

  Match(EventLoop& loop, Court& court_) : court(court_) {
    court.loop = &loop;
    court.to_a = loop.create_future();
    court.to_b = loop.create_future();
    court.to_a.set_result();  // A serves
    a = loop.create_task(player(court, &Court::to_a, &Court::to_b), "A");
    b = loop.create_task(player(court, &Court::to_b, &Court::to_a), "B");
  }
};

void ping_pong_workload(benchmark::State& state, const Sizes& sizes, SchedulerKind kind) {
  Court court;  // outlives the loop, whose close() destroys the players' frames
  EventLoop loop{make_scheduler(kind)};
  const Match match(loop, court);
  court.budget.run(loop, sizes.steps_per_batch);  // warm-up
  // One task is ready at any time, so the RandomScheduler is never asked to
  // pick (a lone candidate is no decision): both compare with bare FIFO of 2.
  OperationMeter meter(state, bare_fifo_name(2), floor_ping_pong_name());
  for (auto _ : state) meter.add(court.budget.run(loop, sizes.steps_per_batch));
  meter.finish();
}

// The same ping-pong with an observer that only counts the events: what
// reporting events costs the loop before any observer does work with them,
// the floor under ping_pong_recorded.
void ping_pong_observed_workload(benchmark::State& state, const Sizes& sizes, SchedulerKind kind) {
  struct EventCounter final : LoopObserver {
    std::uint64_t events = 0;
    void on_event(const Event&) override { ++events; }
  } counter;
  Court court;
  EventLoop loop{make_scheduler(kind)};
  loop.add_observer(counter);
  const Match match(loop, court);
  court.budget.run(loop, sizes.steps_per_batch);  // warm-up
  OperationMeter meter(state, std::string("detsim/ping_pong/") + to_string(kind));
  const std::uint64_t events_before = counter.events;
  std::uint64_t steps = 0;
  for (auto _ : state) {
    const std::uint64_t made = court.budget.run(loop, sizes.steps_per_batch);
    meter.add(made);
    steps += made;
  }
  meter.finish();
  if (steps > 0) {
    state.counters["events_per_op"] = static_cast<double>(counter.events - events_before) / static_cast<double>(steps);
  }
  loop.remove_observer(counter);
}

std::unique_ptr<TraceRecorder> ping_pong_recorder(EventLoop& loop) {
  return std::make_unique<TraceRecorder>(loop, TraceOptions{.program = "ping_pong"});
}

// Restarts `recorder` on `loop`, outside the timed region, once it holds a
// million events, to bound memory. If it did, returns the allocations the
// restart made, which are not the workload's.
std::optional<std::uint64_t> restart_when_full(benchmark::State& state, EventLoop& loop,
                                               std::unique_ptr<TraceRecorder>& recorder) {
  if (recorder->event_count() < 1'000'000) return std::nullopt;
  state.PauseTiming();
  const std::uint64_t before = allocation_count();
  recorder.reset();
  recorder = ping_pong_recorder(loop);
  const std::uint64_t made = allocation_count() - before;
  state.ResumeTiming();
  return made;
}

// The same ping-pong with a TraceRecorder attached: every event recorded in
// memory, its digest computed as it goes. Compared with the untraced run
// (the trace issue's target: at most 2x). The trace is restarted whenever it
// holds a million events (restart_when_full).
void ping_pong_recorded_workload(benchmark::State& state, const Sizes& sizes, SchedulerKind kind) {
  Court court;
  EventLoop loop{make_scheduler(kind)};
  auto recorder = ping_pong_recorder(loop);
  const Match match(loop, court);
  court.budget.run(loop, sizes.steps_per_batch);  // warm-up
  OperationMeter meter(state, std::string("detsim/ping_pong/") + to_string(kind));
  std::uint64_t steps_in_trace = sizes.steps_per_batch;  // the warm-up's
  for (auto _ : state) {
    const std::uint64_t steps = court.budget.run(loop, sizes.steps_per_batch);
    meter.add(steps);
    steps_in_trace += steps;
    if (const auto restart_allocations = restart_when_full(state, loop, recorder)) {
      meter.exclude_allocations(*restart_allocations);
      steps_in_trace = 0;
    }
  }
  meter.finish();
  if (steps_in_trace > 0) {
    state.counters["events_per_op"] =
        static_cast<double>(recorder->event_count()) / static_cast<double>(steps_in_trace);
  }
}

// The recorded ping-pong and the untraced one measured side by side: each
// iteration times one batch of each, on two loops, in alternating order. On
// a shared virtual machine the speed of the whole run drifts by tens of
// percent between benchmarks (the FIFO and random ping-pongs, the same code,
// have differed by 40% in one run); batches a millisecond apart see the same
// machine, so their ratio is what recording costs. Counters: each one's
// ns/step and `ratio` = recorded / untraced, over the whole repetition, in
// wall-clock time (steady_clock; the other benchmarks report CPU time, the
// same thing for this single-threaded loop), and the allocations per recorded step.
void ping_pong_paired_workload(benchmark::State& state, const Sizes& sizes, SchedulerKind kind) {
  Court untraced_court;
  EventLoop untraced{make_scheduler(kind)};
  const Match untraced_match(untraced, untraced_court);
  Court recorded_court;
  EventLoop recorded{make_scheduler(kind)};
  auto recorder = ping_pong_recorder(recorded);
  const Match recorded_match(recorded, recorded_court);
  untraced_court.budget.run(untraced, sizes.steps_per_batch);  // warm-up
  recorded_court.budget.run(recorded, sizes.steps_per_batch);

  struct Side {
    std::chrono::nanoseconds time{0};
    std::uint64_t steps = 0;
    double ns_per_step() const { return steps ? static_cast<double>(time.count()) / static_cast<double>(steps) : 0; }
  } untraced_side, recorded_side;
  const auto timed_batch = [&](Court& court, EventLoop& loop, Side& side) {
    const auto start = std::chrono::steady_clock::now();
    side.steps += court.budget.run(loop, sizes.steps_per_batch);
    side.time += std::chrono::steady_clock::now() - start;
  };
  bool recorded_first = false;
  std::uint64_t allocations = allocation_count();
  for (auto _ : state) {
    if (recorded_first) timed_batch(recorded_court, recorded, recorded_side);
    timed_batch(untraced_court, untraced, untraced_side);
    if (!recorded_first) timed_batch(recorded_court, recorded, recorded_side);
    recorded_first = !recorded_first;
    if (const auto restart_allocations = restart_when_full(state, recorded, recorder)) {
      allocations += *restart_allocations;  // excluded below
    }
  }
  // Per recorded step: the untraced loop allocates nothing in steady state
  // (ping_pong's allocs_per_op).
  allocations = allocation_count() - allocations;
  state.counters["allocs_per_op"] =
      recorded_side.steps ? static_cast<double>(allocations) / static_cast<double>(recorded_side.steps) : 0.0;
  state.counters["untraced_ns"] = untraced_side.ns_per_step();
  state.counters["recorded_ns"] = recorded_side.ns_per_step();
  state.counters["ratio"] = untraced_side.steps > 0 && untraced_side.time.count() > 0
                                ? recorded_side.ns_per_step() / untraced_side.ns_per_step()
                                : 0;
  state.SetLabel(std::string("paired=detsim/ping_pong/") + to_string(kind));
}

// ---- yield -------------------------------------------------------------------

Task<void> yielder(EventLoop& loop, Budget& budget) {
  for (;;) {
    budget.use_one(loop);
    co_await detsim::yield();
  }
}

void yield_workload(benchmark::State& state, const Sizes& sizes, SchedulerKind kind) {
  Budget budget;
  EventLoop loop{make_scheduler(kind)};
  std::vector<Task<void>> tasks;
  tasks.reserve(sizes.many_tasks);
  for (std::size_t i = 0; i < sizes.many_tasks; ++i) tasks.push_back(loop.create_task(yielder(loop, budget)));
  budget.run(loop, sizes.many_tasks);  // warm-up: every task has started
  const bool fifo = kind == SchedulerKind::fifo;
  OperationMeter meter(state, fifo ? bare_fifo_name(sizes.many_tasks) : bare_random_name(sizes.many_tasks),
                       fifo ? floor_yield_name(sizes.many_tasks) : std::string());
  for (auto _ : state) meter.add(budget.run(loop, sizes.many_tasks));
  meter.finish();
}

// ---- timers ------------------------------------------------------------------

struct TimerFired {
  EventLoop* loop;
  Budget* budget;
  void operator()() const { budget->use_one(*loop); }
};

void timers_workload(benchmark::State& state, const Sizes& sizes, SchedulerKind kind) {
  const std::vector<std::uint32_t> offsets = shuffled_offsets(sizes.timers, bench_seed);
  Budget budget;
  EventLoop loop{make_scheduler(kind)};
  // All timers are due at distinct times, so each loop iteration has one
  // ready callback and the stop() of the last one ends the batch exactly.
  const auto run_batch = [&] {
    const std::chrono::nanoseconds base = loop.now();
    for (std::uint32_t offset : offsets) {
      (void)loop.call_at(base + std::chrono::nanoseconds{1 + offset}, TimerFired{&loop, &budget});
    }
    return budget.run(loop, offsets.size());
  };
  run_batch();  // warm-up
  OperationMeter meter(state, bare_timer_heap_name(sizes.timers));
  for (auto _ : state) meter.add(run_batch());
  meter.finish();
}

template <class Workload>
void register_both(const std::string& name, Workload workload, const Sizes& sizes) {
  for (SchedulerKind kind : {SchedulerKind::fifo, SchedulerKind::random}) {
    const std::string full = "detsim/" + name + "/" + to_string(kind);
    benchmark::RegisterBenchmark(full.c_str(), workload, sizes, kind);
  }
}

}  // namespace

double run_ping_pong_steps(const std::string& mode, std::size_t steps) {
  if (mode != "untraced" && mode != "observed" && mode != "recorded" && mode != "recorded-debug") {
    throw std::invalid_argument("unknown ping-pong mode '" + mode +
                                "' (untraced, observed, recorded or recorded-debug)");
  }
  struct EventCounter final : LoopObserver {
    std::uint64_t events = 0;
    void on_event(const Event&) override { ++events; }
  } counter;
  Court court;
  EventLoop loop;
  if (mode == "observed") loop.add_observer(counter);
  std::unique_ptr<TraceRecorder> recorder;
  loop.set_debug(mode == "recorded-debug");  // also records future_created
  if (mode.starts_with("recorded")) recorder = ping_pong_recorder(loop);
  const Match match(loop, court);
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t made = court.budget.run(loop, steps);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  if (mode == "observed") loop.remove_observer(counter);
  recorder.reset();
  return std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(made);
}

void register_loop_workloads(const Sizes& sizes) {
  register_both("call_soon/chains:" + std::to_string(sizes.callback_chains), call_soon_workload, sizes);
  register_both("ping_pong", ping_pong_workload, sizes);
  register_both("ping_pong_observed", ping_pong_observed_workload, sizes);
  register_both("ping_pong_recorded", ping_pong_recorded_workload, sizes);
  register_both("ping_pong_paired", ping_pong_paired_workload, sizes);
  register_both("yield/tasks:" + std::to_string(sizes.many_tasks), yield_workload, sizes);
  register_both("timers/timers:" + std::to_string(sizes.timers), timers_workload, sizes);
}

}  // namespace detsim::bench
