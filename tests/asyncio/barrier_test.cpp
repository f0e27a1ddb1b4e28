// Tests for detsim::asyncio::Barrier (include/detsim/asyncio/barrier.hpp).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/asyncio/barrier.hpp>
#include <detsim/detsim.hpp>

namespace {

using detsim::Task;
using detsim::asyncio::Barrier;
using Log = std::vector<std::string>;

Task<void> pass(Barrier& barrier, Log& log, std::string name) {
  try {
    std::size_t index = co_await barrier.wait();
    log.push_back(name + " " + std::to_string(index));
  } catch (const detsim::BrokenBarrierError& error) {
    log.push_back(name + " broken");
    EXPECT_EQ(error.id(), "detsim.barrier.broken");
  }
}

TEST(Barrier, ReleasesAWholeGenerationWithArrivalIndices) {
  detsim::EventLoop loop;
  Barrier barrier(3, "start");
  Log log;
  auto body = [&]() -> Task<void> {
    std::vector<Task<void>> tasks;
    for (const char* name : {"a", "b"}) tasks.push_back(loop.create_task(pass(barrier, log, name)));
    co_await detsim::yield();
    co_await detsim::yield();
    EXPECT_EQ(barrier.n_waiting(), 2u);
    EXPECT_TRUE(log.empty());
    tasks.push_back(loop.create_task(pass(barrier, log, "c")));
    for (auto& task : tasks) co_await task;
    EXPECT_EQ(barrier.n_waiting(), 0u);
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"c 2", "a 0", "b 1"}));
}

TEST(Barrier, ANewcomerWaitsForTheNextGenerationWhileOneDrains) {
  detsim::EventLoop loop;
  Barrier barrier(2);
  Log log;
  auto body = [&]() -> Task<void> {
    std::vector<Task<void>> tasks;
    for (const char* name : {"a", "b", "c", "d"}) tasks.push_back(loop.create_task(pass(barrier, log, name)));
    for (auto& task : tasks) co_await task;
  };
  loop.run_until_complete(body());
  ASSERT_EQ(log.size(), 4u);
  // a and b form the first generation, c and d the second.
  EXPECT_EQ(std::count(log.begin(), log.begin() + 2, "c 0") + std::count(log.begin(), log.begin() + 2, "d 1"), 0);
  EXPECT_EQ((std::vector<std::string>(log.begin(), log.begin() + 2)), (Log{"b 1", "a 0"}));
  EXPECT_EQ((std::vector<std::string>(log.begin() + 2, log.end())), (Log{"d 1", "c 0"}));
}

TEST(Barrier, AbortBreaksWaitersAndLaterWaitsUntilReset) {
  detsim::EventLoop loop;
  Barrier barrier(3);
  Log log;
  auto body = [&]() -> Task<void> {
    auto a = loop.create_task(pass(barrier, log, "a"));
    co_await detsim::yield();
    co_await barrier.abort();
    EXPECT_TRUE(barrier.broken());
    co_await a;
    co_await pass(barrier, log, "late");
    co_await barrier.reset();
    EXPECT_FALSE(barrier.broken());
    std::vector<Task<void>> tasks;
    for (const char* name : {"x", "y", "z"}) tasks.push_back(loop.create_task(pass(barrier, log, name)));
    for (auto& task : tasks) co_await task;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"a broken", "late broken", "z 2", "x 0", "y 1"}));
}

TEST(Barrier, ResetBreaksTheWaitersAndRefills) {
  detsim::EventLoop loop;
  Barrier barrier(2);
  Log log;
  auto body = [&]() -> Task<void> {
    auto a = loop.create_task(pass(barrier, log, "a"));
    co_await detsim::yield();
    co_await barrier.reset();
    co_await a;
    EXPECT_FALSE(barrier.broken());
    auto b = loop.create_task(pass(barrier, log, "b"));
    auto c = loop.create_task(pass(barrier, log, "c"));
    co_await b;
    co_await c;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"a broken", "c 1", "b 0"}));
}

TEST(Barrier, ACancelledWaiterLeavesTheCount) {
  detsim::EventLoop loop;
  Barrier barrier(2);
  Log log;
  auto body = [&]() -> Task<void> {
    auto a = loop.create_task(pass(barrier, log, "a"));
    co_await detsim::yield();
    EXPECT_EQ(barrier.n_waiting(), 1u);
    a.cancel();
    try {
      co_await a;
    } catch (const detsim::CancelledError&) {
      log.push_back("a cancelled");
    }
    EXPECT_EQ(barrier.n_waiting(), 0u);
    EXPECT_TRUE(barrier.waiting_tasks().empty());
    auto b = loop.create_task(pass(barrier, log, "b"));
    auto c = loop.create_task(pass(barrier, log, "c"));
    co_await b;
    co_await c;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"a cancelled", "c 1", "b 0"}));
}

TEST(Barrier, NoPartiesIsAValueError) {
  try {
    Barrier barrier(0);
    FAIL() << "expected ValueError";
  } catch (const detsim::ValueError& error) {
    EXPECT_EQ(error.id(), "detsim.barrier.parties");
  }
}

}  // namespace
