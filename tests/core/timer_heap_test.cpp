// Tests for the timer heap (sim/core/timer_heap.hpp): entries leave in
// (deadline, sequence) order, also after cancelled ones are compacted out,
// and taking from an empty heap or pushing an entry without a record is
// caught.
#include <chrono>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "core/handle_pool.hpp"
#include "core/timer_heap.hpp"

namespace {

using detsim::detail::HandleRecord;
using detsim::detail::TimerEntry;
using detsim::detail::TimerHeap;
using std::chrono::nanoseconds;

TEST(TimerHeap, EntriesLeaveInDeadlineThenSequenceOrderAfterACompaction) {
  std::vector<HandleRecord> records(100);
  TimerHeap heap;
  for (std::uint64_t i = 0; i < records.size(); ++i) {
    // Deadlines 0..9, scattered, ten timers each.
    heap.push(TimerEntry{nanoseconds{static_cast<std::int64_t>(i * 7 % 10)}, i, &records[i]});
  }
  EXPECT_EQ(heap.remove_if([](const TimerEntry& entry) { return entry.sequence % 2 == 1; }), 50u);
  ASSERT_EQ(heap.size(), 50u);
  TimerEntry previous = heap.pop();
  while (!heap.empty()) {
    const TimerEntry next = heap.pop();
    EXPECT_EQ(next.sequence % 2, 0u);
    EXPECT_TRUE(previous.when < next.when || (previous.when == next.when && previous.sequence < next.sequence));
    previous = next;
  }
}

TEST(TimerHeapDeathTest, TakingFromAnEmptyHeapIsCaught) {
  TimerHeap heap;
  EXPECT_DEATH((void)heap.pop(), "detsim assertion failed: !entries_.empty\\(\\)");
  EXPECT_DEATH((void)heap.top(), "detsim assertion failed: !entries_.empty\\(\\)");
}

TEST(TimerHeapDeathTest, AnEntryWithoutARecordIsCaught) {
  TimerHeap heap;
  EXPECT_DEATH(heap.push(TimerEntry{nanoseconds{1}, 1, nullptr}), "detsim assertion failed: entry.record != nullptr");
}

}  // namespace
