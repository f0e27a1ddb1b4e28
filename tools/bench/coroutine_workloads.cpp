// What a helper call costs inside a task: detsim::Coroutine (runs inline, as
// asyncio's plain coroutines do) beside a Task awaited from a task (a task of
// its own: the seed's rule) and a plain function call. One operation is one
// call; each batch is one task making steps_per_batch calls, run to the end.
#include <benchmark/benchmark.h>

#include <detsim/detsim.hpp>

#include "bench_support.hpp"

namespace detsim::bench {

namespace {

Coroutine<std::uint64_t> add_one_inline(std::uint64_t x) { co_return x + 1; }
Task<std::uint64_t> add_one_as_task(std::uint64_t x) { co_return x + 1; }
[[gnu::noinline]] std::uint64_t add_one_plain(std::uint64_t x) { return x + 1; }

enum class CallKind { coroutine, task, plain };

Task<std::uint64_t> caller(CallKind kind, std::size_t calls) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < calls; ++i) {
    switch (kind) {
      case CallKind::coroutine: sum = co_await add_one_inline(sum); break;
      case CallKind::task: sum = co_await add_one_as_task(sum); break;
      case CallKind::plain: sum = add_one_plain(sum); break;
    }
  }
  co_return sum;
}

void helper_call_workload(benchmark::State& state, const Sizes& sizes, CallKind kind) {
  EventLoop loop;
  (void)loop.run_until_complete(caller(kind, sizes.steps_per_batch));  // warm-up: pools grown
  OperationMeter meter(state, {});
  for (auto _ : state) {
    benchmark::DoNotOptimize(loop.run_until_complete(caller(kind, sizes.steps_per_batch)));
    meter.add(sizes.steps_per_batch);
  }
  meter.finish();
}

}  // namespace

void register_coroutine_workloads(const Sizes& sizes) {
  benchmark::RegisterBenchmark("detsim/helper_call/coroutine", helper_call_workload, sizes, CallKind::coroutine);
  benchmark::RegisterBenchmark("detsim/helper_call/task", helper_call_workload, sizes, CallKind::task);
  benchmark::RegisterBenchmark("detsim/helper_call/plain_function", helper_call_workload, sizes, CallKind::plain);
}

}  // namespace detsim::bench
