// WaitTarget: deadlock reports that name what blocked tasks wait on, and a
// wait-for cycle reported the moment it closes (check_wait_cycle).
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>
#include <detsim/core/wait_target.hpp>

#include "support/test_support.hpp"

using namespace std::chrono_literals;
using detsim::Task;
using detsim_test::expect_error;

namespace {

// A minimal lock on futures, for these tests only: FIFO hand-off, the owner
// by task id, each waiter's future attached to the lock; check_wait_cycle on
// every wait if `checks_cycles`.
class TestLock final : public detsim::WaitTarget {
 public:
  TestLock(std::string name, bool checks_cycles) : name_(std::move(name)), checks_cycles_(checks_cycles) {}

  std::string describe() const override { return "Lock '" + name_ + "'"; }
  std::vector<std::uint64_t> holder_ids() const override {
    if (owner_ == 0) return {};
    return {owner_};
  }

  detsim::Future<void> acquire(detsim::SourceLocation site = detsim::SourceLocation::current()) {
    const std::uint64_t me = detsim::detail::current_task()->task_id();
    auto waiter = detsim::get_running_loop().create_future<void>();
    if (owner_ == 0) {
      owner_ = me;
      waiter.set_result();
      return waiter;
    }
    waiter.set_wait_target(this, site);
    waiters_.push_back(Waiter{waiter, me});
    if (checks_cycles_) (void)detsim::check_wait_cycle(*this, site);
    return waiter;
  }
  void release() {
    owner_ = 0;
    if (waiters_.empty()) return;
    Waiter next = waiters_.front();
    waiters_.pop_front();
    owner_ = next.task_id;
    next.future.set_result();
  }

 private:
  struct Waiter {
    detsim::Future<void> future;
    std::uint64_t task_id = 0;
  };
  std::string name_;
  bool checks_cycles_;
  std::uint64_t owner_ = 0;
  std::deque<Waiter> waiters_;
};

// A target nobody holds (an Event, an empty Queue).
class Unheld final : public detsim::WaitTarget {
 public:
  explicit Unheld(std::string text) : text_(std::move(text)) {}
  std::string describe() const override { return text_; }

 private:
  std::string text_;
};

// Takes `first`, sleeps `pause`, takes `second`; `second_line` gets the line
// of the second acquisition.
Task<void> transfer(TestLock& first, TestLock& second, std::chrono::nanoseconds pause, int& second_line) {
  co_await first.acquire();
  co_await detsim::sleep(pause);
  second_line = __LINE__; co_await second.acquire();  // (one line: the report names it)
  second.release();
  first.release();
}

Task<void> wait_on(detsim::Future<void> future) { co_await future; }
Task<void> await_task(Task<void> task) { co_await task; }

Task<void> heartbeat() {
  for (;;) co_await detsim::sleep(1ms);
}

std::string at(int line) { return std::string(" at ") + __FILE__ + ":" + std::to_string(line); }

}  // namespace

TEST(WaitTarget, DeadlockErrorNamesWhatEachBlockedTaskWaitsOnAndTheCycle) {
  detsim::EventLoop loop;
  TestLock a("a", false);
  TestLock b("b", false);
  Unheld jobs("Queue 'jobs' (empty)");
  Unheld ready("Event 'ready'");
  int line_1 = 0;
  int line_2 = 0;
  auto transfer_1 = loop.create_task(transfer(a, b, 1ms, line_1), "transfer-1");
  auto transfer_2 = loop.create_task(transfer(b, a, 1ms, line_2), "transfer-2");
  auto job = loop.create_future<void>();
  job.set_wait_target(&jobs);
  auto start = loop.create_future<void>();
  start.set_wait_target(&ready);
  auto plain = loop.create_future<void>();
  auto consumer = loop.create_task(wait_on(job), "consumer");
  auto starter = loop.create_task(wait_on(start), "starter");
  auto plain_waiter = loop.create_task(wait_on(plain), "plain");
  auto parent = loop.create_task(await_task(transfer_1), "parent");

  auto error = expect_error<detsim::DeadlockError>([&] { loop.run_until_complete(parent); });
  EXPECT_EQ(error.id(), "detsim.loop.deadlock");
  EXPECT_EQ(loop.now(), 1ms);
  const std::string expected =
      "nothing is ready and no timer is pending, so virtual time can never advance; blocked tasks:\n"
      "  'transfer-1' (task 1) waits on Lock 'b', held by 'transfer-2' (task 2)\n"
      "  'transfer-2' (task 2) waits on Lock 'a', held by 'transfer-1' (task 1)\n"
      "  'consumer' (task 3) waits on Queue 'jobs' (empty)\n"
      "  'starter' (task 4) waits on Event 'ready'\n"
      "  'plain' (task 5) awaits future " + std::to_string(plain.id()) + "\n"
      "  'parent' (task 6) awaits task 'transfer-1' (task 1)\n"
      "wait-for cycle: 'transfer-1' (task 1) holds Lock 'a' and waits on Lock 'b'" + at(line_1) +
      "; 'transfer-2' (task 2) holds Lock 'b' and waits on Lock 'a'" + at(line_2);
  EXPECT_EQ(std::string(error.message()), expected);
}

TEST(WaitTarget, DeadlockWithoutACycleListsTasksOnly) {
  detsim::EventLoop loop;
  TestLock a("a", false);
  Unheld ready("Event 'ready'");
  auto start = loop.create_future<void>();
  start.set_wait_target(&ready);
  auto holder = [](TestLock& lock, detsim::Future<void> go) -> Task<void> {
    co_await lock.acquire();
    co_await go;
  };
  auto first = loop.create_task(holder(a, start), "holder");
  auto second = loop.create_task(holder(a, start), "queued");
  auto error = expect_error<detsim::DeadlockError>([&] { loop.run_until_complete(second); });
  EXPECT_EQ(std::string(error.message()),
            "nothing is ready and no timer is pending, so virtual time can never advance; blocked tasks:\n"
            "  'holder' (task 1) waits on Event 'ready'\n"
            "  'queued' (task 2) waits on Lock 'a', held by 'holder' (task 1)");
  (void)first;
}

TEST(WaitTarget, PlainFuturesHaveNoTarget) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  EXPECT_EQ(future.wait_target(), nullptr);
  EXPECT_EQ(future.state()->wait_target_site().line(), 0u);
  future.set_wait_target(nullptr);  // detaching a target never attached allocates nothing
  EXPECT_EQ(future.wait_target(), nullptr);
  Unheld ready("Event 'ready'");
  future.set_wait_target(&ready);
  EXPECT_EQ(future.wait_target(), &ready);
  future.set_wait_target(nullptr);
  EXPECT_EQ(future.wait_target(), nullptr);
}

TEST(WaitTarget, CycleIsReportedWhenItClosesWhileAHeartbeatKeepsTheLoopBusy) {
  detsim::EventLoop loop;
  loop.set_limits(detsim::LoopLimits{.max_callbacks = 0, .max_virtual_time = 10s});
  TestLock a("a", true);
  TestLock b("b", true);
  int line_1 = 0;
  int line_2 = 0;
  // transfer-1 waits for b at 1ms (no cycle yet: transfer-2 sleeps);
  // transfer-2 waits for a at 2ms and closes the cycle.
  auto transfer_1 = loop.create_task(transfer(a, b, 1ms, line_1), "transfer-1");
  auto transfer_2 = loop.create_task(transfer(b, a, 2ms, line_2), "transfer-2");
  auto beat = loop.create_task(heartbeat(), "heartbeat");
  auto error = expect_error<detsim::DeadlockError>([&] { loop.run_forever(); });
  EXPECT_EQ(error.id(), "detsim.loop.wait_cycle");
  EXPECT_EQ(loop.now(), 2ms);  // the instant the cycle closed, not the 10s budget
  EXPECT_EQ(std::string(error.message()),
            "a wait closes a wait-for cycle, which nothing can break: 'transfer-2' (task 2) holds Lock 'b' and "
            "waits on Lock 'a'" + at(line_2) + "; 'transfer-1' (task 1) holds Lock 'a' and waits on Lock 'b'" +
                at(line_1));
  (void)transfer_1;
  (void)transfer_2;
  (void)beat;
}

TEST(WaitTarget, WaitingOnALockTheTaskHoldsIsACycleOfOne) {
  detsim::EventLoop loop;
  loop.set_limits(detsim::LoopLimits{.max_callbacks = 0, .max_virtual_time = 10s});
  TestLock a("a", true);
  int line = 0;
  auto twice = [](TestLock& lock, int& second_line) -> Task<void> {
    co_await lock.acquire();
    second_line = __LINE__; co_await lock.acquire();
  };
  auto task = loop.create_task(twice(a, line), "reentrant");
  auto beat = loop.create_task(heartbeat(), "heartbeat");
  auto error = expect_error<detsim::DeadlockError>([&] { loop.run_forever(); });
  EXPECT_EQ(error.id(), "detsim.loop.wait_cycle");
  EXPECT_EQ(loop.now(), 0ms);
  EXPECT_EQ(std::string(error.message()),
            "a wait closes a wait-for cycle, which nothing can break: 'reentrant' (task 1) holds Lock 'a' and "
            "waits on Lock 'a'" + at(line));
  (void)task;
  (void)beat;
}

TEST(WaitTarget, WaitsThatCloseNoCycleRunOn) {
  detsim::EventLoop loop;
  TestLock a("a", true);
  TestLock b("b", true);
  int line_1 = 0;
  int line_2 = 0;
  // Same order: transfer-2 queues behind transfer-1, which finishes.
  auto transfer_1 = loop.create_task(transfer(a, b, 1ms, line_1), "transfer-1");
  auto transfer_2 = loop.create_task(transfer(a, b, 1ms, line_2), "transfer-2");
  loop.run_until_complete(transfer_2);
  EXPECT_TRUE(transfer_1.done());
  EXPECT_EQ(loop.now(), 2ms);
}

TEST(WaitTarget, CheckOutsideATaskDoesNothing) {
  Unheld ready("Event 'ready'");
  EXPECT_FALSE(detsim::check_wait_cycle(ready));
}
