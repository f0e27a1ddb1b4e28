// detsim-bench: the core issue's performance suite (see README.md).
//
//   detsim-bench [--smoke] [Google Benchmark flags...]
//   detsim-bench --ping-pong <untraced|observed|recorded|recorded-debug> <steps>
//   detsim-bench --seeds <bare|renewed|observed|seed-runner|sweep-run> <seeds>
//
// --smoke shrinks every workload (a few thousand operations) so that a
// sanitizer build can run the whole suite in seconds; the figures it prints
// mean nothing.
// --ping-pong runs one ping-pong of exactly <steps> steps and prints its
// time per step: for instruction counts under callgrind (README.md).
// --seeds runs the lost update (two tasks, three increments) under seeds
// 1..<seeds>, on a bare loop, on one loop renewed per seed, through
// SeedRunner (a sweep worker's recording) or through run_simulation with
// keep_trace = false, and prints the time per seed: for callgrind, with
// --toggle-collect='detsim::bench::run_seed_range(*)'.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <system_error>

#include <benchmark/benchmark.h>

#include "bench_support.hpp"

namespace {

// Removes `flag` from argv if present; returns whether it was.
bool take_flag(int& argc, char** argv, const char* flag) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], flag) != 0) continue;
    for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
    --argc;
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--ping-pong") == 0) {
    if (argc != 4) {
      std::fprintf(stderr, "usage: %s --ping-pong <untraced|observed|recorded|recorded-debug> <steps>\n", argv[0]);
      return 2;
    }
    std::size_t steps = 0;
    const char* const end = argv[3] + std::strlen(argv[3]);
    if (const auto parsed = std::from_chars(argv[3], end, steps); parsed.ec != std::errc{} || parsed.ptr != end ||
                                                                  steps == 0) {
      std::fprintf(stderr, "detsim-bench --ping-pong: steps must be a positive integer, not '%s'\n", argv[3]);
      return 2;
    }
    try {
      const double ns = detsim::bench::run_ping_pong_steps(argv[2], steps);
      std::printf("ping-pong %s: %zu steps, %.1f ns/step\n", argv[2], steps, ns);
      return 0;
    } catch (const std::exception& error) {
      std::fprintf(stderr, "detsim-bench --ping-pong: %s\n", error.what());
      return 2;
    }
  }
  if (argc > 1 && std::strcmp(argv[1], "--seeds") == 0) {
    std::size_t seeds = 0;
    const char* const end = argc == 4 ? argv[3] + std::strlen(argv[3]) : nullptr;
    if (argc != 4 || std::from_chars(argv[3], end, seeds).ptr != end || seeds == 0) {
      std::fprintf(stderr, "usage: %s --seeds <bare|renewed|observed|seed-runner|sweep-run> <seeds (a positive integer)>\n", argv[0]);
      return 2;
    }
    try {
      const double ns = detsim::bench::run_seeds(argv[2], seeds);
      std::printf("seeds %s: %zu seeds, %.1f ns/seed\n", argv[2], seeds, ns);
      return 0;
    } catch (const std::exception& error) {
      std::fprintf(stderr, "detsim-bench --seeds: %s\n", error.what());
      return 2;
    }
  }
  detsim::bench::Sizes sizes;
  if (take_flag(argc, argv, "--smoke")) {
    sizes.callback_chains = 8;
    sizes.many_tasks = 1000;
    sizes.timers = 5000;
    sizes.steps_per_batch = 512;
    sizes.replay_increments = 50;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  detsim::bench::register_bare_baselines(sizes);
  detsim::bench::register_semantic_floor(sizes);
  detsim::bench::register_loop_workloads(sizes);
  detsim::bench::register_trace_workloads(sizes);
  detsim::bench::register_seed_workloads();
  detsim::bench::register_coroutine_workloads(sizes);
  detsim::bench::register_toolkit_workloads(sizes);
  detsim::bench::register_combinator_workloads(sizes);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
