// Tests for detsim::asyncio::Lock (include/detsim/asyncio/lock.hpp): asyncio's
// semantics, including its anti-barging rule and cancellation in acquire().
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/asyncio/event.hpp>
#include <detsim/asyncio/lock.hpp>
#include <detsim/detsim.hpp>

namespace {

using detsim::Task;
using detsim::asyncio::Lock;
using Log = std::vector<std::string>;

Task<void> take_and_log(Lock& lock, Log& log, std::string name) {
  co_await lock.acquire();
  log.push_back(name + " got it");
  co_await detsim::yield();
  lock.release();
}

TEST(Lock, AFreeLockIsTakenWithoutASchedulingPoint) {
  detsim::EventLoop loop;
  Lock lock("free");
  auto body = [&]() -> Task<void> {
    auto before = loop.time();
    EXPECT_TRUE(co_await lock.acquire());
    EXPECT_TRUE(lock.locked());
    EXPECT_EQ(loop.time(), before);
    lock.release();
    EXPECT_FALSE(lock.locked());
  };
  loop.run_until_complete(body());
}

TEST(Lock, WaitersAreServedFirstComeFirstServed) {
  detsim::EventLoop loop;
  Lock lock;
  Log log;
  auto body = [&]() -> Task<void> {
    co_await lock.acquire();
    auto a = loop.create_task(take_and_log(lock, log, "a"), "a");
    auto b = loop.create_task(take_and_log(lock, log, "b"), "b");
    auto c = loop.create_task(take_and_log(lock, log, "c"), "c");
    co_await detsim::yield();
    EXPECT_EQ(lock.waiting_tasks().size(), 3u);
    EXPECT_EQ(lock.waiting_tasks()[0].name, "a");
    lock.release();
    co_await a;
    co_await b;
    co_await c;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"a got it", "b got it", "c got it"}));
}

TEST(Lock, ANewcomerDoesNotBargePastTheWokenWaiter) {
  detsim::EventLoop loop;
  Lock lock;
  Log log;
  auto body = [&]() -> Task<void> {
    co_await lock.acquire();
    auto waiter = loop.create_task(take_and_log(lock, log, "waiter"));
    co_await detsim::yield();
    // The newcomer's first step comes before the woken waiter's: it finds
    // the lock free, but promised to the waiter.
    auto newcomer = loop.create_task(take_and_log(lock, log, "newcomer"));
    lock.release();  // wakes waiter; its step is not run yet
    EXPECT_FALSE(lock.locked());
    co_await waiter;
    co_await newcomer;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"waiter got it", "newcomer got it"}));
}

TEST(Lock, AWokenWaiterCancelledBeforeItsStepPassesTheWakeUpOn) {
  detsim::EventLoop loop;
  Lock lock;
  Log log;
  auto body = [&]() -> Task<void> {
    co_await lock.acquire();
    auto first = loop.create_task(take_and_log(lock, log, "first"));
    auto second = loop.create_task(take_and_log(lock, log, "second"));
    co_await detsim::yield();
    lock.release();   // first is woken...
    first.cancel();   // ...and cancelled before it runs
    try {
      co_await first;
    } catch (const detsim::CancelledError&) {
      log.push_back("first cancelled");
    }
    co_await second;  // not stuck behind a free lock
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"second got it", "first cancelled"}));
  EXPECT_FALSE(lock.locked());
  EXPECT_TRUE(lock.waiting_tasks().empty());
}

TEST(Lock, AWaiterCancelledWhileWaitingLeavesTheQueue) {
  detsim::EventLoop loop;
  Lock lock;
  Log log;
  auto body = [&]() -> Task<void> {
    co_await lock.acquire();
    auto first = loop.create_task(take_and_log(lock, log, "first"));
    auto second = loop.create_task(take_and_log(lock, log, "second"));
    co_await detsim::yield();
    first.cancel();
    co_await detsim::yield();
    EXPECT_EQ(lock.waiting_tasks().size(), 1u);
    EXPECT_TRUE(first.cancelled());
    lock.release();
    co_await second;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"second got it"}));
}

TEST(Lock, ReleasingAnUnlockedLockIsARuntimeError) {
  Lock lock("db");
  try {
    lock.release();
    FAIL() << "expected RuntimeError";
  } catch (const detsim::RuntimeError& error) {
    EXPECT_EQ(error.id(), "detsim.lock.not_acquired");
    EXPECT_NE(std::string(error.what()).find("Lock 'db'"), std::string::npos) << error.what();
  }
}

TEST(Lock, HoldersNameTheAcquiringTask) {
  detsim::EventLoop loop;
  Lock lock;
  auto holder = [&]() -> Task<void> {
    auto held = co_await lock.hold();
    EXPECT_EQ(lock.holders().size(), 1u);
    if (lock.holders().size() != 1u) co_return;
    EXPECT_EQ(lock.holders()[0].name, "holder");
    EXPECT_EQ(lock.holders()[0].task_id, detsim::detail::current_task()->task_id());
    co_await detsim::yield();
  };
  auto body = [&]() -> Task<void> {
    co_await loop.create_task(holder(), "holder");
    EXPECT_TRUE(lock.holders().empty()) << "the guard released the lock";
    EXPECT_FALSE(lock.locked());
  };
  loop.run_until_complete(body());
}

TEST(Lock, TheGuardReleasesOnAnException) {
  detsim::EventLoop loop;
  Lock lock;
  auto body = [&]() -> Task<void> {
    try {
      auto held = co_await lock.hold();
      throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {
    }
    EXPECT_FALSE(lock.locked());
    auto held = co_await lock.hold();
    held.release();
    EXPECT_FALSE(held.holds());
    EXPECT_FALSE(lock.locked());
  };
  loop.run_until_complete(body());
}

TEST(Lock, IsBoundToTheFirstLoopThatWaitsOnIt) {
  Lock lock;
  detsim::EventLoop first;
  auto acquire_it = [&]() -> Task<void> { co_await lock.acquire(); };
  auto hold_it = [&]() -> Task<void> {
    co_await lock.acquire();
    auto waiter = detsim::get_running_loop().create_task(acquire_it());
    co_await detsim::yield();
    waiter.cancel();
    co_await detsim::yield();
  };
  first.run_until_complete(hold_it());
  detsim::EventLoop second;
  auto elsewhere = [&]() -> Task<void> { co_await lock.acquire(); };
  try {
    second.run_until_complete(elsewhere());
    FAIL() << "expected RuntimeError";
  } catch (const detsim::RuntimeError& error) {
    EXPECT_EQ(error.id(), "detsim.asyncio.wrong_loop");
  }
}

// A child that holds its parent's Lock while the parent awaits it, when
// the run is halted (as a failed DETSIM_CHECK halts it): closing the loop
// destroys both frames. The child must go first (newest first), or its
// guard would release a Lock that died with the parent's frame
// (use-after-free under ASan, a crash or worse without).
Task<void> hold_forever(Lock& lock, detsim::asyncio::Event& never) {
  auto held = co_await lock.hold();
  co_await never.wait();
}

Task<void> halt_the_run() {
  co_await detsim::yield();
  detsim::get_running_loop().halt(std::make_exception_ptr(std::runtime_error("halted while the lock is lent")));
}

Task<void> lend_the_lock() {
  Lock lock("borrowed");
  detsim::asyncio::Event never;
  auto halter = detsim::get_running_loop().create_task(halt_the_run(), "halter");
  co_await detsim::get_running_loop().create_task(hold_forever(lock, never), "borrower");
}

TEST(Lock, ABorrowerHoldingItsParentsLockIsTornDownBeforeTheParent) {
  {
    detsim::EventLoop loop;
    EXPECT_THROW(loop.run_until_complete(lend_the_lock()), std::runtime_error);
  }  // the loop closes here, destroying both frames
  SUCCEED();
}

}  // namespace
