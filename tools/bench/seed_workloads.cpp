// What a seed sweep pays per seed for a small program: a fresh loop (or a
// whole recorded simulation) around the two-task lost-update race, three
// increments each (about twenty steps). A sweep of 10k seeds runs this 10k
// times, so a loop's start-up and teardown weigh more than its steps here.
//   seed/new_loop       EventLoop{RandomScheduler{seed}}, the race, ~EventLoop;
//   seed/run_simulation run_simulation of the same race: loop, TraceRecorder
//                       in memory, the race, the outcome (no file written);
//   seed/sweep_run      the same as a sweep runs it (keep_trace = false: a
//                       passing run's events are not decoded).
#include <cstdint>

#include <detsim/detsim.hpp>
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

// `keep_trace`: false is what detsim::sweep asks for each seed.
void simulation_seed(benchmark::State& state, bool keep_trace) {
  std::uint64_t seed = 0;
  int lost = 0;
  OperationMeter meter(state, {});
  for (auto _ : state) {
    SimulationOptions options;
    options.name = "lost_update";
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

}  // namespace

void register_seed_workloads() {
  benchmark::RegisterBenchmark("seed/new_loop/lost_update", new_loop);
  benchmark::RegisterBenchmark("seed/run_simulation/lost_update", simulation_seed, true);
  benchmark::RegisterBenchmark("seed/sweep_run/lost_update", simulation_seed, false);
}

}  // namespace detsim::bench
