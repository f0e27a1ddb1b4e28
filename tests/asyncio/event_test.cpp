// Tests for detsim::asyncio::Event (include/detsim/asyncio/event.hpp).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/asyncio/event.hpp>
#include <detsim/detsim.hpp>

namespace {

using detsim::Task;
using detsim::asyncio::Event;
using Log = std::vector<std::string>;

Task<void> wait_and_log(Event& event, Log& log, std::string name) {
  co_await event.wait();
  log.push_back(name);
}

TEST(Event, SetWakesEveryWaiterInArrivalOrder) {
  detsim::EventLoop loop;
  Event event("go");
  Log log;
  auto body = [&]() -> Task<void> {
    std::vector<Task<void>> waiters;
    for (const char* name : {"a", "b", "c"}) waiters.push_back(loop.create_task(wait_and_log(event, log, name)));
    co_await detsim::yield();
    EXPECT_EQ(event.waiting_tasks().size(), 3u);
    EXPECT_FALSE(event.is_set());
    event.set();
    event.clear();  // a woken waiter still returns
    for (auto& waiter : waiters) co_await waiter;
    EXPECT_TRUE(event.waiting_tasks().empty());
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"a", "b", "c"}));
}

TEST(Event, WaitOnASetEventDoesNotYield) {
  detsim::EventLoop loop;
  Event event;
  Log log;
  auto other = [&]() -> Task<void> {
    log.push_back("other");
    co_return;
  };
  auto body = [&]() -> Task<void> {
    event.set();
    auto task = loop.create_task(other());
    EXPECT_TRUE(co_await event.wait());
    log.push_back("waited");
    co_await task;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"waited", "other"}));
}

TEST(Event, ACancelledWaiterLeavesTheList) {
  detsim::EventLoop loop;
  Event event;
  Log log;
  auto body = [&]() -> Task<void> {
    auto a = loop.create_task(wait_and_log(event, log, "a"));
    auto b = loop.create_task(wait_and_log(event, log, "b"));
    co_await detsim::yield();
    a.cancel();
    co_await detsim::yield();
    EXPECT_EQ(event.waiting_tasks().size(), 1u);
    event.set();
    co_await b;
    EXPECT_TRUE(a.cancelled());
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"b"}));
}

TEST(Event, AWaiterCancelledAfterSetIsCancelled) {
  // asyncio: the wake-up was delivered, but the cancel() comes first at the
  // task's step.
  detsim::EventLoop loop;
  Event event;
  Log log;
  auto body = [&]() -> Task<void> {
    auto a = loop.create_task(wait_and_log(event, log, "a"));
    co_await detsim::yield();
    event.set();
    a.cancel();
    try {
      co_await a;
    } catch (const detsim::CancelledError&) {
      log.push_back("a cancelled");
    }
    EXPECT_TRUE(event.waiting_tasks().empty());
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"a cancelled"}));
}

}  // namespace
