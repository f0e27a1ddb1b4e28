// Tests for the handle pool (sim/core/handle_pool.hpp) and the check a
// Handle makes of its record: a released record is handed out again, and
// releasing a free record, a free list that holds a record in use, or a
// handle that names another callback than its record's are caught.
#include <cstdint>

#include <gtest/gtest.h>

#include <detsim/core/handle.hpp>

#include "core/handle_pool.hpp"

namespace {

using detsim::detail::HandlePool;
using detsim::detail::HandleRecord;

// A Handle with the fields given (no loop): what a handle whose memory was
// overwritten, or which outlived 2^32 reuses of its record, would hold.
struct ForgedHandle : detsim::Handle {
  ForgedHandle(HandleRecord& record, std::uint32_t generation, std::uint64_t id) noexcept
      : Handle(nullptr, &record, generation, id) {}
};

TEST(HandlePool, AReleasedRecordIsHandedOutAgainWithANewGeneration) {
  HandlePool pool;
  HandleRecord& record = pool.acquire();
  const std::uint32_t generation = record.generation;
  record.state = HandleRecord::State::ready;
  pool.release(record);
  EXPECT_EQ(record.state, HandleRecord::State::free);
  EXPECT_EQ(&pool.acquire(), &record);
  EXPECT_EQ(record.generation, generation + 1);
}

TEST(HandlePool, AStaleHandleIsHarmless) {
  HandlePool pool;
  HandleRecord& record = pool.acquire();
  record.id = 7;
  record.state = HandleRecord::State::ready;
  const ForgedHandle stale(record, record.generation, 7);
  pool.release(record);
  EXPECT_FALSE(stale.cancelled());
}

TEST(HandlePoolDeathTest, ReleasingAFreeRecordIsCaught) {
  HandlePool pool;
  HandleRecord& record = pool.acquire();
  record.state = HandleRecord::State::ready;
  pool.release(record);
  EXPECT_DEATH(pool.release(record), "detsim assertion failed: record.state != HandleRecord::State::free");
}

TEST(HandlePoolDeathTest, ARecordInUseOnTheFreeListIsCaughtWhenHandedOut) {
  HandlePool pool;
  HandleRecord& record = pool.acquire();
  record.state = HandleRecord::State::ready;
  pool.release(record);
  record.state = HandleRecord::State::timer;  // as if scheduled again without being acquired
  EXPECT_DEATH((void)pool.acquire(), "detsim assertion failed: record->state == HandleRecord::State::free");
}

TEST(HandlePoolDeathTest, AHandleNamingAnotherIdThanItsRecordIsCaught) {
  HandlePool pool;
  HandleRecord& record = pool.acquire();
  record.id = 7;
  record.state = HandleRecord::State::ready;
  const ForgedHandle other(record, record.generation, 8);
  EXPECT_DEATH((void)other.cancelled(), "detsim assertion failed: record.id == id\n  left: 7, right: 8");
}

TEST(HandlePoolDeathTest, AHandleMatchingAFreeRecordIsCaught) {
  HandlePool pool;
  HandleRecord& record = pool.acquire();
  record.state = HandleRecord::State::ready;
  pool.release(record);
  ForgedHandle ahead(record, record.generation, 7);
  EXPECT_DEATH(ahead.cancel(), "detsim assertion failed: record.state != detail::HandleRecord::State::free");
}

}  // namespace
