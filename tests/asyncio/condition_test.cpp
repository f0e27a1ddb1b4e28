// Tests for detsim::asyncio::Condition (include/detsim/asyncio/condition.hpp).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/asyncio/condition.hpp>
#include <detsim/detsim.hpp>

namespace {

using detsim::Task;
using detsim::asyncio::Condition;
using detsim::asyncio::Lock;
using Log = std::vector<std::string>;

Task<void> wait_and_log(Condition& condition, Log& log, std::string name) {
  auto held = co_await condition.hold();
  co_await condition.wait();
  EXPECT_TRUE(condition.locked()) << "wait() returns with the lock held";
  log.push_back(name);
}

TEST(Condition, NotifyWakesTheFirstNWaitersInArrivalOrder) {
  detsim::EventLoop loop;
  Condition condition("changed");
  Log log;
  auto body = [&]() -> Task<void> {
    std::vector<Task<void>> waiters;
    for (const char* name : {"a", "b", "c"}) waiters.push_back(loop.create_task(wait_and_log(condition, log, name)));
    co_await detsim::yield();
    EXPECT_EQ(condition.waiting_tasks().size(), 3u);
    {
      auto held = co_await condition.hold();
      condition.notify(2);
    }
    co_await detsim::sleep(std::chrono::milliseconds(1));
    EXPECT_EQ(log, (Log{"a", "b"}));
    {
      auto held = co_await condition.hold();
      condition.notify_all();
    }
    for (auto& waiter : waiters) co_await waiter;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"a", "b", "c"}));
}

TEST(Condition, WaitAndNotifyWithoutTheLockAreRuntimeErrors) {
  detsim::EventLoop loop;
  Condition condition;
  auto body = [&]() -> Task<void> {
    try {
      co_await condition.wait();
      ADD_FAILURE() << "expected RuntimeError";
    } catch (const detsim::RuntimeError& error) {
      EXPECT_EQ(error.id(), "detsim.condition.not_acquired");
    }
  };
  loop.run_until_complete(body());
  try {
    condition.notify();
    FAIL() << "expected RuntimeError";
  } catch (const detsim::RuntimeError& error) {
    EXPECT_EQ(error.id(), "detsim.condition.not_acquired");
  }
}

TEST(Condition, ACancelledWaiterRetakesTheLockBeforeItThrows) {
  detsim::EventLoop loop;
  Condition condition;
  Log log;
  auto waiter = [&]() -> Task<void> {
    co_await condition.acquire();
    try {
      co_await condition.wait();
    } catch (const detsim::CancelledError&) {
      log.push_back(std::string("cancelled, lock held: ") + (condition.locked() ? "yes" : "no"));
      condition.release();
      throw;
    }
  };
  auto body = [&]() -> Task<void> {
    auto task = loop.create_task(waiter());
    co_await detsim::yield();
    co_await condition.acquire();  // the lock is busy when the waiter is cancelled
    task.cancel();
    co_await detsim::yield();
    co_await detsim::yield();
    EXPECT_TRUE(log.empty()) << "it waits for the lock";
    condition.release();
    try {
      co_await task;
    } catch (const detsim::CancelledError&) {
    }
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"cancelled, lock held: yes"}));
  EXPECT_FALSE(condition.locked());
}

TEST(Condition, CancelledWhileRetakingTheLockStillEndsWithItHeld) {
  detsim::EventLoop loop;
  Condition condition;
  Log log;
  auto waiter = [&]() -> Task<void> {
    co_await condition.acquire();
    try {
      co_await condition.wait();
    } catch (const detsim::CancelledError&) {
      log.push_back(std::string("cancelled, lock held: ") + (condition.locked() ? "yes" : "no"));
      condition.release();
      throw;
    }
  };
  auto body = [&]() -> Task<void> {
    auto task = loop.create_task(waiter());
    co_await detsim::yield();
    co_await condition.acquire();
    condition.notify();
    condition.release();
    co_await condition.acquire();  // first in line for the lock: waiter queues behind
    co_await detsim::yield();
    task.cancel();  // cancelled in the re-acquire
    co_await detsim::yield();
    condition.release();
    try {
      co_await task;
    } catch (const detsim::CancelledError&) {
      log.push_back("task cancelled");
    }
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"cancelled, lock held: yes", "task cancelled"}));
}

TEST(Condition, WaitForChecksThePredicateAndReturnsItsValue) {
  detsim::EventLoop loop;
  Lock lock("shared");
  Condition condition(lock, "count");
  int count = 0;
  auto consumer = [&]() -> Task<int> {
    auto held = co_await condition.hold();
    int seen = co_await condition.wait_for([&] { return count >= 3 ? count : 0; });
    co_return seen;
  };
  auto body = [&]() -> Task<void> {
    auto task = loop.create_task(consumer());
    for (int i = 0; i < 3; ++i) {
      co_await detsim::yield();
      auto held = co_await lock.hold();
      ++count;
      condition.notify_all();
    }
    EXPECT_EQ(co_await task, 3);
  };
  loop.run_until_complete(body());
  EXPECT_EQ(&condition.lock(), &lock);
}

}  // namespace
