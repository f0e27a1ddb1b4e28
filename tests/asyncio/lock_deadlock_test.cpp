// asyncio::Lock in deadlock reports: two tasks take two locks in opposite
// orders. Under some seeds they deadlock, and the run ends the moment the
// cycle closes with the cycle and its sites; under others they do not, and
// the lock-order graph still reports the inversion.
#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <detsim/asyncio/condition.hpp>
#include <detsim/asyncio/event.hpp>
#include <detsim/asyncio/lock.hpp>
#include <detsim/asyncio/lock_order.hpp>
#include <detsim/asyncio/queue.hpp>
#include <detsim/asyncio/semaphore.hpp>
#include <detsim/detsim.hpp>

namespace {

using namespace std::chrono_literals;
namespace asyncio = detsim::asyncio;

// The lines of the two acquisitions below, as the reports name them.
constexpr int first_acquire_line = __LINE__ + 3;
constexpr int second_acquire_line = __LINE__ + 4;
detsim::Task<void> transfer(asyncio::Lock& first, asyncio::Lock& second) {
  co_await first.acquire();
  co_await detsim::yield();  // the window in which the other transfer takes its first lock
  co_await second.acquire();
  second.release();
  first.release();
}

detsim::Task<void> heartbeat() {
  for (;;) co_await detsim::sleep(1ms);  // keeps the loop busy: a deadlock must not hide behind it
}

struct Outcome {
  std::string error_id;
  std::string message;
  std::chrono::nanoseconds at{0};
};

Outcome run_transfers(std::uint64_t seed) {
  detsim::EventLoop loop{detsim::RandomScheduler{seed}};
  loop.set_limits({.max_callbacks = 100'000, .max_virtual_time = std::chrono::hours(1)});
  asyncio::Lock a("a"), b("b");
  auto main = [&]() -> detsim::Task<void> {
    (void)loop.create_task(heartbeat(), "heartbeat");
    auto one = loop.create_task(transfer(a, b), "transfer-1");
    auto two = loop.create_task(transfer(b, a), "transfer-2");
    co_await one;
    co_await two;
  };
  Outcome outcome;
  try {
    loop.run_until_complete(main());
  } catch (const detsim::Error& error) {
    outcome.error_id = error.id();
    outcome.message = error.what();
  }
  outcome.at = loop.now();
  return outcome;
}

TEST(LockDeadlock, SomeSeedsDeadlockAndTheCycleIsReportedTheMomentItCloses) {
  std::optional<Outcome> deadlocked, inverted;
  for (std::uint64_t seed = 1; seed <= 40 && !(deadlocked && inverted); ++seed) {
    Outcome outcome = run_transfers(seed);
    if (outcome.error_id == "detsim.loop.wait_cycle" && !deadlocked) deadlocked = outcome;
    if (outcome.error_id == "detsim.potential_deadlock" && !inverted) inverted = outcome;
  }
  ASSERT_TRUE(deadlocked) << "no seed in 1..40 closed the cycle";
  EXPECT_EQ(deadlocked->at, 0ms) << "ended when the cycle closed, not when the heartbeat's budget ran out";
  const std::string& text = deadlocked->message;
  const std::string first_site = "tests/asyncio/lock_deadlock_test.cpp:" + std::to_string(first_acquire_line);
  const std::string second_site = "tests/asyncio/lock_deadlock_test.cpp:" + std::to_string(second_acquire_line);
  EXPECT_NE(text.find("'transfer-1' (task 3) holds Lock 'a' and waits on Lock 'b' at " + second_site), std::string::npos)
      << text;
  EXPECT_NE(text.find("'transfer-2' (task 4) holds Lock 'b' and waits on Lock 'a' at " + second_site), std::string::npos)
      << text;

  // A seed where one transfer finished before the other began: no deadlock,
  // yet the opposite order is reported, with both pairs of sites.
  ASSERT_TRUE(inverted) << "no seed in 1..40 ran the transfers one after the other";
  EXPECT_NE(inverted->message.find("Lock 'a'"), std::string::npos) << inverted->message;
  EXPECT_NE(inverted->message.find("Lock 'b'"), std::string::npos) << inverted->message;
  EXPECT_NE(inverted->message.find("while holding Lock 'a' (acquired at " + first_site + ")"), std::string::npos)
      << inverted->message;
  EXPECT_NE(inverted->message.find("acquired Lock 'b' at " + second_site), std::string::npos) << inverted->message;
}

}  // namespace

namespace {

detsim::Task<void> wait_for_event(asyncio::Event& event) { co_await event.wait(); }
detsim::Task<void> take_a_job(asyncio::Queue<int>& queue) { (void)co_await queue.get(); }
detsim::Task<void> hold_a_permit_forever(asyncio::Semaphore& permits, asyncio::Event& never) {
  co_await permits.acquire();
  co_await never.wait();
}

// When the loop runs dry, the report names what each blocked task waits on.
TEST(LockDeadlock, TheReportNamesTheEventAndTheQueueBlockedTasksWaitOn) {
  detsim::EventLoop loop;
  asyncio::Event ready("ready");
  asyncio::Queue<int> jobs(0, "jobs");
  asyncio::Semaphore permits(1, "permits");
  auto main = [&]() -> detsim::Task<void> {
    auto waiter = loop.create_task(wait_for_event(ready), "waiter");
    auto consumer = loop.create_task(take_a_job(jobs), "consumer");
    auto holder = loop.create_task(hold_a_permit_forever(permits, ready), "holder");
    auto second = loop.create_task(hold_a_permit_forever(permits, ready), "second");
    co_await waiter;
    co_await consumer;
  };
  std::string message;
  try {
    loop.run_until_complete(main());
  } catch (const detsim::DeadlockError& error) {
    message = error.what();
  }
  EXPECT_NE(message.find("'waiter' (task 2) waits on Event 'ready'"), std::string::npos) << message;
  EXPECT_NE(message.find("'consumer' (task 3) waits on Queue 'jobs' (empty)"), std::string::npos) << message;
  EXPECT_NE(message.find("'second' (task 5) waits on Semaphore 'permits', held by 'holder' (task 4)"), std::string::npos)
      << message;
}

}  // namespace

namespace {

detsim::Task<void> pause() { co_await detsim::sleep(1ms); }

detsim::Task<void> hold_and_wait(asyncio::Lock& lock, asyncio::Event& never) {
  auto held = co_await lock.hold();
  co_await never.wait();
}

// Closing the loop destroys the frame of a task that holds a lock through a
// guard: the guard's release runs with no loop running, and must not throw
// out of the destructor (which would terminate).
TEST(LockDeadlock, AGuardReleasedAsTheLoopClosesIsHarmless) {
  asyncio::Lock lock("held");
  asyncio::Event never("never");
  {
    detsim::EventLoop loop;
    (void)loop.create_task(hold_and_wait(lock, never), "holder");
    loop.run_until_complete(pause());
    EXPECT_TRUE(lock.locked());
    loop.close();
  }
  EXPECT_FALSE(lock.locked());
}

detsim::Task<void> wait_for_change(asyncio::Condition& changed) {
  co_await changed.acquire();
  co_await changed.wait();
}

// A Condition is a wait target too: a task in wait() waits on it, by name.
TEST(LockDeadlock, TheReportNamesTheConditionATaskWaitsOn) {
  detsim::EventLoop loop;
  asyncio::Condition changed("changed");
  std::string message;
  try {
    loop.run_until_complete(loop.create_task(wait_for_change(changed), "watcher"));
  } catch (const detsim::DeadlockError& error) {
    message = error.what();
  }
  EXPECT_NE(message.find("'watcher' (task 1) waits on Condition 'changed'"), std::string::npos) << message;
}

}  // namespace
