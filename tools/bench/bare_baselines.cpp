// The bare baselines: what one scheduled step costs with no event loop at
// all, only a container of std::coroutine_handle<> and (for the random pick)
// the same PRNG and bounded draw the RandomScheduler uses. A detsim workload
// is compared with the baseline that has the same number of ready entries and
// the same pick rule.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <detsim/base/random.hpp>

#include "bench_support.hpp"

namespace detsim::bench {

std::string bare_fifo_name(std::size_t handles) { return "bare/fifo/handles:" + std::to_string(handles); }
std::string bare_random_name(std::size_t handles) { return "bare/random/handles:" + std::to_string(handles); }
std::string bare_timer_heap_name(std::size_t timers) { return "bare/timer_heap/timers:" + std::to_string(timers); }

std::vector<std::uint32_t> shuffled_offsets(std::size_t count, std::uint64_t seed) {
  std::vector<std::uint32_t> offsets(count);
  for (std::size_t i = 0; i < count; ++i) offsets[i] = static_cast<std::uint32_t>(i);
  detsim::Random random{seed};
  for (std::size_t i = count; i > 1; --i) std::swap(offsets[i - 1], offsets[random.below(i)]);
  return offsets;
}

namespace {

struct SpinnerSet {
  std::uint64_t resumptions = 0;
  std::vector<OwnedCoroutine> owners;
  std::vector<std::coroutine_handle<>> handles;

  explicit SpinnerSet(std::size_t count) {
    owners.reserve(count);
    handles.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      owners.push_back(spin(resumptions));
      handles.push_back(owners.back().handle());
    }
  }
};

std::size_t rounds_per_batch(const Sizes& sizes, std::size_t handles) {
  return std::max<std::size_t>(1, sizes.steps_per_batch / handles);
}

// FIFO: the vector resumed in order, round after round (the same as popping
// the front of a ready queue and pushing the resumed handle at the back).
void bare_fifo(benchmark::State& state, const Sizes& sizes, std::size_t count) {
  SpinnerSet spinners(count);
  std::vector<std::coroutine_handle<>>& ready = spinners.handles;
  const std::size_t rounds = rounds_per_batch(sizes, count);
  for (std::coroutine_handle<> handle : ready) handle.resume();  // warm-up
  OperationMeter meter(state, {});
  for (auto _ : state) {
    for (std::size_t round = 0; round < rounds; ++round) {
      for (std::coroutine_handle<> handle : ready) handle.resume();
    }
    meter.add(rounds * count);
  }
  benchmark::DoNotOptimize(spinners.resumptions);
  meter.finish();
}

// Random: a uniform pick among all ready handles with detsim::Random::below
// (the RandomScheduler's draw), removed by moving the last one into its slot;
// the resumed coroutine is ready again, so it goes back at the end.
void bare_random(benchmark::State& state, const Sizes& sizes, std::size_t count) {
  SpinnerSet spinners(count);
  std::vector<std::coroutine_handle<>>& ready = spinners.handles;
  detsim::Random random{bench_seed};
  const std::size_t steps = rounds_per_batch(sizes, count) * count;
  for (std::coroutine_handle<> handle : ready) handle.resume();  // warm-up
  OperationMeter meter(state, {});
  for (auto _ : state) {
    for (std::size_t step = 0; step < steps; ++step) {
      const std::size_t index = random.below(ready.size());
      const std::coroutine_handle<> picked = ready[index];
      ready[index] = ready.back();
      ready.pop_back();
      picked.resume();
      ready.push_back(picked);
    }
    meter.add(steps);
  }
  benchmark::DoNotOptimize(spinners.resumptions);
  meter.finish();
}

// Timers: a binary heap of (deadline, sequence, handle) filled with `count`
// entries at shuffled distinct deadlines, then drained in deadline order,
// resuming the handle of each: the bare cost of one timer.
void bare_timer_heap(benchmark::State& state, const Sizes&, std::size_t count) {
  struct Entry {
    std::int64_t when;
    std::uint64_t sequence;
    std::coroutine_handle<> handle;
  };
  const auto later = [](const Entry& a, const Entry& b) {
    return a.when != b.when ? a.when > b.when : a.sequence > b.sequence;
  };
  const std::vector<std::uint32_t> offsets = shuffled_offsets(count, bench_seed);
  SpinnerSet spinners(1);
  const std::coroutine_handle<> callback = spinners.handles.front();
  std::vector<Entry> heap;
  heap.reserve(count);
  std::int64_t now = 0;
  std::uint64_t sequence = 0;
  const auto run_batch = [&] {
    const std::int64_t base = now;
    for (std::uint32_t offset : offsets) {
      heap.push_back(Entry{base + 1 + offset, ++sequence, callback});
      std::push_heap(heap.begin(), heap.end(), later);
    }
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), later);
      const Entry entry = heap.back();
      heap.pop_back();
      now = entry.when;
      entry.handle.resume();
    }
  };
  run_batch();  // warm-up
  OperationMeter meter(state, {});
  for (auto _ : state) {
    run_batch();
    meter.add(count);
  }
  benchmark::DoNotOptimize(spinners.resumptions);
  meter.finish();
}

}  // namespace

void register_bare_baselines(const Sizes& sizes) {
  // Ready-set sizes of the detsim workloads: 2 (ping-pong), the callback
  // chains, and the many-tasks workload.
  for (std::size_t count : {std::size_t{2}, sizes.callback_chains, sizes.many_tasks}) {
    benchmark::RegisterBenchmark(bare_fifo_name(count).c_str(), bare_fifo, sizes, count);
    benchmark::RegisterBenchmark(bare_random_name(count).c_str(), bare_random, sizes, count);
  }
  benchmark::RegisterBenchmark(bare_timer_heap_name(sizes.timers).c_str(), bare_timer_heap, sizes, sizes.timers);
}

}  // namespace detsim::bench
