// What the asyncio toolkit's primitives cost (detsim/asyncio/), in the three
// workloads tools/bench/asyncio_toolkit.py measures on CPython's asyncio:
//   lock_uncontended  one task acquires and releases a free Lock; one
//                     operation is one acquire+release (no scheduling point);
//   queue_handoff     a producer and a consumer task pass items through a
//                     Queue(maxsize 1); one operation is one item handed over
//                     (each a wake-up through the loop);
//   event_broadcast   1000 tasks wait on an Event, one set() wakes them all;
//                     one operation is one waiter woken and resumed (the
//                     tasks' creation and first step are included).
#include <benchmark/benchmark.h>

#include <vector>

#include <detsim/asyncio.hpp>
#include <detsim/detsim.hpp>

#include "bench_support.hpp"

namespace detsim::bench {

namespace {

Task<void> lock_loop(asyncio::Lock& lock, std::size_t rounds) {
  for (std::size_t i = 0; i < rounds; ++i) {
    co_await lock.acquire();
    lock.release();
  }
}

void lock_uncontended_workload(benchmark::State& state, const Sizes& sizes) {
  EventLoop loop;
  asyncio::Lock lock;
  loop.run_until_complete(lock_loop(lock, sizes.steps_per_batch));  // warm-up
  OperationMeter meter(state, {});
  for (auto _ : state) {
    loop.run_until_complete(lock_loop(lock, sizes.steps_per_batch));
    meter.add(sizes.steps_per_batch);
  }
  meter.finish();
}

Task<void> produce(asyncio::Queue<std::uint64_t>& queue, std::size_t items) {
  for (std::size_t i = 0; i < items; ++i) co_await queue.put(i);
}

Task<std::uint64_t> consume(asyncio::Queue<std::uint64_t>& queue, std::size_t items) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < items; ++i) sum += co_await queue.get();
  co_return sum;
}

Task<std::uint64_t> handoff(asyncio::Queue<std::uint64_t>& queue, std::size_t items) {
  auto& loop = get_running_loop();
  auto producer = loop.create_task(produce(queue, items));
  auto sum = co_await loop.create_task(consume(queue, items));
  co_await producer;
  co_return sum;
}

void queue_handoff_workload(benchmark::State& state, const Sizes& sizes) {
  EventLoop loop;
  asyncio::Queue<std::uint64_t> queue(1);
  (void)loop.run_until_complete(handoff(queue, sizes.steps_per_batch));
  OperationMeter meter(state, {});
  for (auto _ : state) {
    benchmark::DoNotOptimize(loop.run_until_complete(handoff(queue, sizes.steps_per_batch)));
    meter.add(sizes.steps_per_batch);
  }
  meter.finish();
}

Task<void> wait_for(asyncio::Event& event) { co_await event.wait(); }

Task<void> broadcast(std::size_t waiters) {
  auto& loop = get_running_loop();
  asyncio::Event event;
  std::vector<Task<void>> tasks;
  tasks.reserve(waiters);
  for (std::size_t i = 0; i < waiters; ++i) tasks.push_back(loop.create_task(wait_for(event)));
  co_await yield();  // every waiter is waiting
  event.set();
  for (auto& task : tasks) co_await task;
}

void event_broadcast_workload(benchmark::State& state, std::size_t waiters) {
  EventLoop loop;
  loop.run_until_complete(broadcast(waiters));
  OperationMeter meter(state, {});
  for (auto _ : state) {
    loop.run_until_complete(broadcast(waiters));
    meter.add(waiters);
  }
  meter.finish();
}

}  // namespace

void register_toolkit_workloads(const Sizes& sizes) {
  benchmark::RegisterBenchmark("detsim/toolkit/lock_uncontended", lock_uncontended_workload, sizes);
  benchmark::RegisterBenchmark("detsim/toolkit/queue_handoff", queue_handoff_workload, sizes);
  benchmark::RegisterBenchmark("detsim/toolkit/event_broadcast/1000", event_broadcast_workload, std::size_t{1000});
}

}  // namespace detsim::bench
