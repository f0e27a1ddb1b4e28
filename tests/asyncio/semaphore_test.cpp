// Tests for detsim::asyncio::Semaphore and BoundedSemaphore
// (include/detsim/asyncio/semaphore.hpp).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/asyncio/semaphore.hpp>
#include <detsim/detsim.hpp>

namespace {

using detsim::Task;
using detsim::asyncio::BoundedSemaphore;
using detsim::asyncio::Semaphore;
using Log = std::vector<std::string>;

Task<void> take_and_log(Semaphore& semaphore, Log& log, std::string name) {
  co_await semaphore.acquire();
  log.push_back(name + " in");
  co_await detsim::yield();
  log.push_back(name + " out");
  semaphore.release();
}

TEST(Semaphore, AdmitsValueTasksAtOnceThenInArrivalOrder) {
  detsim::EventLoop loop;
  Semaphore semaphore(2, "pool");
  Log log;
  auto body = [&]() -> Task<void> {
    std::vector<Task<void>> tasks;
    for (const char* name : {"a", "b", "c", "d"}) tasks.push_back(loop.create_task(take_and_log(semaphore, log, name), name));
    co_await detsim::yield();
    EXPECT_EQ(semaphore.holders().size(), 2u);
    EXPECT_EQ(semaphore.holders()[0].name, "a");
    EXPECT_EQ(semaphore.holders()[1].name, "b");
    EXPECT_EQ(semaphore.waiting_tasks().size(), 2u);
    EXPECT_TRUE(semaphore.locked());
    for (auto& task : tasks) co_await task;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"a in", "b in", "a out", "b out", "c in", "d in", "c out", "d out"}));
  EXPECT_EQ(semaphore.value(), 2);
  EXPECT_TRUE(semaphore.holders().empty());
}

TEST(Semaphore, AWaiterCancelledAfterItWasHandedAPermitGivesItBack) {
  detsim::EventLoop loop;
  Semaphore semaphore(1);
  Log log;
  auto body = [&]() -> Task<void> {
    co_await semaphore.acquire();
    auto first = loop.create_task(take_and_log(semaphore, log, "first"));
    auto second = loop.create_task(take_and_log(semaphore, log, "second"));
    co_await detsim::yield();
    semaphore.release();  // hands the permit to first
    EXPECT_EQ(semaphore.value(), 0);
    first.cancel();
    try {
      co_await first;
    } catch (const detsim::CancelledError&) {
      log.push_back("first cancelled");
    }
    co_await second;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"second in", "first cancelled", "second out"}));
  EXPECT_EQ(semaphore.value(), 1) << "no permit leaked";
}

TEST(Semaphore, AWaiterCancelledWhileWaitingTakesNoPermit) {
  detsim::EventLoop loop;
  Semaphore semaphore(0);
  Log log;
  auto body = [&]() -> Task<void> {
    auto first = loop.create_task(take_and_log(semaphore, log, "first"));
    co_await detsim::yield();
    first.cancel();
    co_await detsim::yield();
    EXPECT_FALSE(semaphore.locked() && semaphore.value() != 0);
    EXPECT_TRUE(semaphore.waiting_tasks().empty());
    semaphore.release();
    EXPECT_EQ(semaphore.value(), 1);
  };
  loop.run_until_complete(body());
  EXPECT_TRUE(log.empty());
}

TEST(Semaphore, ANewcomerQueuesBehindWaitersEvenWithAPermitFree) {
  detsim::EventLoop loop;
  Semaphore semaphore(1);
  Log log;
  auto body = [&]() -> Task<void> {
    co_await semaphore.acquire();
    auto waiter = loop.create_task(take_and_log(semaphore, log, "waiter"));
    co_await detsim::yield();
    semaphore.release();
    auto newcomer = loop.create_task(take_and_log(semaphore, log, "newcomer"));
    co_await waiter;
    co_await newcomer;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"waiter in", "waiter out", "newcomer in", "newcomer out"}));
}

TEST(Semaphore, ANegativeValueIsAValueError) {
  try {
    Semaphore semaphore(-1);
    FAIL() << "expected ValueError";
  } catch (const detsim::ValueError& error) {
    EXPECT_EQ(error.id(), "detsim.semaphore.negative_value");
  }
}

TEST(BoundedSemaphore, ReleasingBeyondTheInitialValueIsAValueError) {
  detsim::EventLoop loop;
  BoundedSemaphore semaphore(1, "slots");
  auto body = [&]() -> Task<void> {
    auto held = co_await semaphore.hold();
    EXPECT_EQ(semaphore.value(), 0);
  };
  loop.run_until_complete(body());
  EXPECT_EQ(semaphore.value(), 1);
  try {
    semaphore.release();
    FAIL() << "expected ValueError";
  } catch (const detsim::ValueError& error) {
    EXPECT_EQ(error.id(), "detsim.semaphore.over_released");
    EXPECT_NE(std::string(error.what()).find("BoundedSemaphore 'slots'"), std::string::npos) << error.what();
  }
  EXPECT_EQ(semaphore.value(), 1) << "a refused release changes nothing";
  Semaphore plain(1);
  plain.release();  // an unbounded one may go above its initial value
  EXPECT_EQ(plain.value(), 2);
}

TEST(Semaphore, AReleaseForgetsTheReleasingTasksOwnPermit) {
  detsim::EventLoop loop;
  Semaphore semaphore(2);
  auto holder = [&](bool release_it) -> Task<void> {
    co_await semaphore.acquire();
    co_await detsim::yield();
    if (release_it) semaphore.release();
  };
  auto body = [&]() -> Task<void> {
    auto keeps = loop.create_task(holder(false), "keeps");
    auto gives_back = loop.create_task(holder(true), "gives back");
    co_await keeps;
    co_await gives_back;
    EXPECT_EQ(semaphore.holders().size(), 1u);
    if (semaphore.holders().size() != 1u) co_return;
    EXPECT_EQ(semaphore.holders()[0].name, "keeps");
  };
  loop.run_until_complete(body());
}

}  // namespace
