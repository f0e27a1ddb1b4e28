// What a seed sweep pays per seed for a small program: a fresh loop (or a
// whole recorded simulation) around the two-task lost-update race, three
// increments each (about twenty steps). A sweep of 10k seeds runs this 10k
// times, so a loop's start-up and teardown weigh more than its steps here.
//   seed/new_loop       EventLoop{RandomScheduler{seed}}, the race, ~EventLoop;
//   seed/renewed_loop   the race on one loop renewed per seed
//                       (renew_reseeded), no recorder: seed_runner without
//                       SeedRunner's own bookkeeping;
//   seed/run_simulation run_simulation of the same race: loop, TraceRecorder
//                       in memory, the race, the outcome (no file written);
//   seed/sweep_run      run_simulation with keep_trace = false (a passing
//                       run's events are not decoded): how detsim::sweep runs
//                       each seed;
//   seed/seed_runner    how seed_sweep's workers run each seed: SeedRunner,
//                       one loop renewed per seed, each seed kept as its
//                       outcome, steps and sweep_seed_digest (the loop's
//                       schedule digest; no recorder);
//   seed/seed_sweep     seed_sweep itself, one worker process, 200k seeds of
//                       the race with its invariant (counter == 6): fork,
//                       recording, failing seeds rerun with their traces
//                       decoded, grouping, leak reruns, shrinking.
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <detsim/detsim.hpp>
#include <detsim/base/check.hpp>
#include <detsim/run/seed_runner.hpp>
#include <detsim/run/seed_sweep.hpp>
#include <detsim/run/simulation.hpp>

#include "bench_support.hpp"
#include "scenarios/lost_update.hpp"

namespace detsim::bench {
namespace {

void new_loop(benchmark::State& state) {
  std::uint64_t seed = 0;
  int lost = 0;
  OperationMeter meter(state, {});
  for (auto _ : state) {
    EventLoop loop{RandomScheduler{++seed}};
    lost += scenarios::run_lost_update(loop, 2, 3).counter != 6;
    meter.add(1);
  }
  meter.finish();
  benchmark::DoNotOptimize(lost);
}

void renewed_loop(benchmark::State& state) {
  std::uint64_t seed = 0;
  int lost = 0;
  EventLoop loop{RandomScheduler{++seed}};
  OperationMeter meter(state, {});
  for (auto _ : state) {
    lost += scenarios::run_lost_update(loop, 2, 3).counter != 6;
    loop.renew_reseeded(++seed);
    meter.add(1);
  }
  meter.finish();
  benchmark::DoNotOptimize(lost);
}

// `keep_trace`: false is what detsim::sweep asks for each seed.
void simulation_seed(benchmark::State& state, bool keep_trace) {
  std::uint64_t seed = 0;
  int lost = 0;
  OperationMeter meter(state, {});
  for (auto _ : state) {
    SimulationOptions options;
    options.name = "lost_update";
    options.scheduler = "random";  // as new_loop and --seeds bare: the figure
    options.seed = ++seed;
    options.read_environment = false;
    options.keep_trace = keep_trace;
    const SimulationResult result = run_simulation(
        [&lost](EventLoop& loop) { lost += scenarios::run_lost_update(loop, 2, 3).counter != 6; }, options);
    benchmark::DoNotOptimize(result.digest);
    meter.add(1);
  }
  meter.finish();
  benchmark::DoNotOptimize(lost);
}

void seed_runner(benchmark::State& state) {
  int lost = 0;
  SimulationOptions options;
  options.name = "lost_update";
  options.scheduler = "random";  // as new_loop and --seeds bare: the figure
  SeedRunner runner([&lost](EventLoop& loop) { lost += scenarios::run_lost_update(loop, 2, 3).counter != 6; },
                    options);
  std::uint64_t seed = 0;
  OperationMeter meter(state, {});
  for (auto _ : state) {
    const SeedRunner::Result result = runner.run(++seed);
    benchmark::DoNotOptimize(result.digest);
    meter.add(1);
  }
  meter.finish();
  benchmark::DoNotOptimize(lost);
}

void lost_update_checked(EventLoop& loop) { DETSIM_CHECK_EQ(scenarios::run_lost_update(loop, 2, 3).counter, 6); }

// Real time: the work happens in a child process.
void whole_sweep(benchmark::State& state) {
  const std::uint64_t seeds = static_cast<std::uint64_t>(state.range(0));
  std::uint64_t failures = 0;
  for (auto _ : state) {
    SeedSweepOptions options{.name = "lost_update", .seeds = {1, seeds}, .jobs = 1};
    options.trace_dir = "/tmp";
    failures += seed_sweep(lost_update_checked, options).failures.size();
  }
  state.counters["seeds_per_second"] =
      benchmark::Counter(static_cast<double>(seeds) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["failing_fraction"] =
      static_cast<double>(failures) / static_cast<double>(seeds) / static_cast<double>(state.iterations());
}

}  // namespace

// Out of line and not inlined: callgrind's --toggle-collect names it.
[[gnu::noinline]] int run_seed_range(const std::string& mode, std::size_t seeds) {
  int lost = 0;
  const Program program = [&lost](EventLoop& loop) { lost += scenarios::run_lost_update(loop, 2, 3).counter != 6; };
  SimulationOptions options;
  options.name = "lost_update";
  options.scheduler = "random";  // as new_loop and --seeds bare: the figure
  options.read_environment = false;
  options.keep_trace = false;
  options.write_failure_trace = false;
  SeedRunner runner(program, options);
  EventLoop renewed{RandomScheduler{1}};
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    if (mode == "bare") {
      EventLoop loop{RandomScheduler{seed}};
      program(loop);
    } else if (mode == "renewed") {
      renewed.renew_reseeded(seed);
      program(renewed);
    } else if (mode == "observed") {
      // An observer that does nothing: what the loop's observed path costs
      // before anything is recorded.
      struct Nothing final : LoopObserver {
        void on_event(const Event&) override {}
      } nothing;
      EventLoop loop{RandomScheduler{seed}};
      loop.add_observer(nothing);
      program(loop);
      loop.remove_observer(nothing);
    } else if (mode == "seed-runner") {
      benchmark::DoNotOptimize(runner.run(seed).digest);
    } else {
      options.seed = seed;
      benchmark::DoNotOptimize(run_simulation(program, options).digest);
    }
  }
  return lost;
}

double run_seeds(const std::string& mode, std::size_t seeds) {
  if (mode != "bare" && mode != "renewed" && mode != "observed" && mode != "seed-runner" && mode != "sweep-run") {
    throw std::invalid_argument("unknown mode '" + mode + "' (bare, renewed, observed, seed-runner or sweep-run)");
  }
  const auto start = std::chrono::steady_clock::now();
  benchmark::DoNotOptimize(run_seed_range(mode, seeds));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(seeds);
}

void register_seed_workloads() {
  benchmark::RegisterBenchmark("seed/seed_runner/lost_update", seed_runner);
  benchmark::RegisterBenchmark("seed/seed_sweep/lost_update", whole_sweep)
      ->Arg(200'000)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
  benchmark::RegisterBenchmark("seed/new_loop/lost_update", new_loop);
  benchmark::RegisterBenchmark("seed/renewed_loop/lost_update", renewed_loop);
  benchmark::RegisterBenchmark("seed/run_simulation/lost_update", simulation_seed, true);
  benchmark::RegisterBenchmark("seed/sweep_run/lost_update", simulation_seed, false);
}

}  // namespace detsim::bench
