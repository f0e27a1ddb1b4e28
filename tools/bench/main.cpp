// detsim-bench: the core issue's performance suite (see README.md).
//
//   detsim-bench [--smoke] [Google Benchmark flags...]
//
// --smoke shrinks every workload (a few thousand operations) so that a
// sanitizer build can run the whole suite in seconds; the figures it prints
// mean nothing.
#include <cstring>

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
  detsim::bench::register_loop_workloads(sizes);
  detsim::bench::register_trace_workloads(sizes);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
