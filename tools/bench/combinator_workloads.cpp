// asyncio.gather of many tasks: one operation is one child gathered (its
// task created, run to its end with one yield, its result collected). The
// same workload on CPython 3.11's asyncio is tools/bench/asyncio_combinators.py.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include <detsim/asyncio/gather.hpp>
#include <detsim/detsim.hpp>

#include "bench_support.hpp"

namespace detsim::bench {

namespace {

Task<std::uint64_t> child(std::uint64_t value) {
  co_await yield();  // one scheduling point, as `await asyncio.sleep(0)`
  co_return value;
}

Task<std::uint64_t> gather_children(std::size_t children) {
  std::vector<Task<std::uint64_t>> tasks;
  tasks.reserve(children);
  for (std::size_t i = 0; i < children; ++i) tasks.push_back(child(i));
  auto results = co_await asyncio::gather(std::move(tasks));
  co_return results.back();
}

void gather_workload(benchmark::State& state, std::size_t children) {
  EventLoop loop;
  (void)loop.run_until_complete(gather_children(children));  // warm-up: pools grown
  OperationMeter meter(state, {});
  for (auto _ : state) {
    benchmark::DoNotOptimize(loop.run_until_complete(gather_children(children)));
    meter.add(children);
  }
  meter.finish();
}

}  // namespace

void register_combinator_workloads(const Sizes& sizes) {
  // 10k children; --smoke shrinks many_tasks, and this with it.
  const std::size_t children = std::min<std::size_t>(10'000, sizes.many_tasks);
  benchmark::RegisterBenchmark("detsim/asyncio/gather_10k", gather_workload, children);
}

}  // namespace detsim::bench
