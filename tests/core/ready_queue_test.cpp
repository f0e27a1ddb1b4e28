// Tests for the ready queue (sim/core/ready_queue.hpp): FIFO through its
// ring's growth and wrap-around, take(i > 0) moves the back entry into slot
// i, and an index past the entries ready or an entry naming nothing is
// caught.
#include <cstddef>

#include <gtest/gtest.h>

#include "core/ready_queue.hpp"

namespace {

using detsim::detail::ReadyEntry;
using detsim::detail::ReadyQueue;
using detsim::detail::TaskCore;

// Entries told apart by their step id; the task pointer is never followed.
ReadyEntry step(std::uint64_t id) {
  static char task;
  return ReadyEntry{nullptr, reinterpret_cast<TaskCore*>(&task), nullptr, id};
}

TEST(ReadyQueue, StaysFifoAsItsRingWrapsAndGrows) {
  ReadyQueue queue;
  std::uint64_t pushed = 0;
  std::uint64_t taken = 0;
  for (int round = 0; round < 10; ++round) {  // 10 in, 7 out: the head walks round the ring as it grows
    for (int i = 0; i < 10; ++i) queue.push_back(step(++pushed));
    for (int i = 0; i < 7; ++i) EXPECT_EQ(queue.take(0).step_id, ++taken);
  }
  EXPECT_EQ(queue.size(), 30u);
  EXPECT_EQ(queue.at(29).step_id, pushed);
}

TEST(ReadyQueue, TakingFromTheMiddleMovesTheBackEntryThere) {
  ReadyQueue queue;
  for (std::uint64_t id = 1; id <= 4; ++id) queue.push_back(step(id));
  EXPECT_EQ(queue.take(1).step_id, 2u);
  EXPECT_EQ(queue.at(1).step_id, 4u);
  EXPECT_EQ(queue.size(), 3u);
}

TEST(ReadyQueueDeathTest, AnIndexPastTheEntriesReadyIsCaught) {
  ReadyQueue queue;
  EXPECT_DEATH((void)queue.take(0), "detsim assertion failed: index < size_\n  left: 0, right: 0");
  queue.push_back(step(1));
  queue.push_back(step(2));
  EXPECT_DEATH((void)queue.take(2), "detsim assertion failed: index < size_\n  left: 2, right: 2");
  EXPECT_DEATH((void)queue.at(5), "detsim assertion failed: index < size_\n  left: 5, right: 2");
}

TEST(ReadyQueueDeathTest, AnEntryNamingNeitherACallbackNorAStepIsCaught) {
  ReadyQueue queue;
  EXPECT_DEATH(queue.push_back(ReadyEntry{}),
               "detsim assertion failed: entry.record != nullptr \\|\\| entry.task != nullptr");
}

}  // namespace
