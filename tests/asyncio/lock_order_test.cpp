// LockOrderGraph: lock-order inversions reported from runs that did not
// deadlock, with both pairs of acquisition sites.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include <detsim/asyncio/lock_order.hpp>
#include <detsim/base/errors.hpp>
#include <detsim/base/options.hpp>
#include <detsim/detsim.hpp>

#include "support/test_support.hpp"

using namespace std::chrono_literals;
using detsim::Task;
using detsim::asyncio::LockOrderGraph;
using detsim_test::expect_error;

namespace {

// A minimal lock for these tests: FIFO wake-ups, and the lock-order graph
// told of every acquisition and release.
class OrderedLock {
 public:
  explicit OrderedLock(std::string name) : name_("Lock '" + std::move(name) + "'") {}

  detsim::Coroutine<void> acquire(detsim::SourceLocation site = detsim::SourceLocation::current()) {
    while (held_) {
      auto waiter = detsim::get_running_loop().create_future<void>();
      waiters_.push_back(waiter);
      co_await waiter;
    }
    held_ = true;
    LockOrderGraph& graph = LockOrderGraph::of(detsim::get_running_loop());
    if (id_ == 0) id_ = graph.new_lock_id();
    graph.acquired(id_, name_, site);
  }
  void release() {
    held_ = false;
    LockOrderGraph::of(detsim::get_running_loop()).released(id_);
    if (waiters_.empty()) return;
    auto next = waiters_.front();
    waiters_.pop_front();
    next.set_result();
  }

 private:
  std::string name_;
  bool held_ = false;
  std::uint64_t id_ = 0;
  std::deque<detsim::Future<void>> waiters_;
};

struct Lines {
  int first = 0;
  int second = 0;
};

// After `start`, takes `first` then `second` and lets both go; `lines` gets
// the lines of the two acquisitions.
Task<void> nested(OrderedLock& first, OrderedLock& second, std::chrono::nanoseconds start, Lines& lines) {
  co_await detsim::sleep(start);
  lines.first = __LINE__; co_await first.acquire();  // (one line each: the report names them)
  lines.second = __LINE__; co_await second.acquire();
  second.release();
  first.release();
}

std::string at(int line) { return std::string(__FILE__) + ":" + std::to_string(line); }

}  // namespace

TEST(LockOrderGraph, InversionIsReportedFromTasksThatNeverOverlapped) {
  // Under this seed (any seed: transfer-2 starts 1ms after transfer-1 ended)
  // the two never hold a lock at the same time, and the run would pass.
  detsim::EventLoop loop(detsim::RandomScheduler(7));
  OrderedLock a("a");
  OrderedLock b("b");
  Lines lines_1;
  Lines lines_2;
  auto transfer_1 = loop.create_task(nested(a, b, 0ms, lines_1), "transfer-1");
  auto transfer_2 = loop.create_task(nested(b, a, 1ms, lines_2), "transfer-2");
  auto error = expect_error<detsim::PotentialDeadlockError>([&] { loop.run_until_complete(transfer_2); });
  EXPECT_EQ(error.id(), "detsim.potential_deadlock");
  EXPECT_EQ(loop.now(), 1ms);
  EXPECT_TRUE(transfer_1.done());
  EXPECT_EQ(std::string(error.message()),
            "lock-order inversion: 'transfer-2' (task 2) acquired Lock 'a' at " + at(lines_2.second) +
                " while holding Lock 'b' (acquired at " + at(lines_2.first) + "), but earlier 'transfer-1' (task 1) "
                "acquired Lock 'b' at " + at(lines_1.second) + " while holding Lock 'a' (acquired at " +
                at(lines_1.first) + "): a schedule exists where these tasks deadlock");
  const LockOrderGraph& graph = LockOrderGraph::of(loop);
  ASSERT_EQ(graph.inversions().size(), 1u);
  EXPECT_EQ(graph.inversions()[0].closing.acquired_site.line(), static_cast<unsigned>(lines_2.second));
  EXPECT_EQ(graph.inversions()[0].established.at(0).held_site.line(), static_cast<unsigned>(lines_1.first));
}

TEST(LockOrderGraph, TurnedOffItRecordsWithoutHalting) {
  detsim::EventLoop loop;
  LockOrderGraph::of(loop).set_halts(false);
  OrderedLock a("a");
  OrderedLock b("b");
  Lines lines_1;
  Lines lines_2;
  auto transfer_1 = loop.create_task(nested(a, b, 0ms, lines_1), "transfer-1");
  loop.run_until_complete(loop.create_task(nested(b, a, 1ms, lines_2), "transfer-2"));
  const LockOrderGraph& graph = LockOrderGraph::of(loop);
  ASSERT_EQ(graph.inversions().size(), 1u);
  EXPECT_EQ(graph.inversions()[0].closing.task_name, "transfer-2");
  EXPECT_EQ(graph.inversions()[0].closing.held_site.line(), static_cast<unsigned>(lines_2.first));
  EXPECT_EQ(graph.edge_count(), 2u);
  (void)transfer_1;
}

TEST(LockOrderGraph, TheSameOrderEverywhereIsNoInversion) {
  detsim::EventLoop loop;
  OrderedLock a("a");
  OrderedLock b("b");
  Lines lines_1;
  Lines lines_2;
  // Overlapping this time: transfer-2 waits for a while transfer-1 holds both.
  auto transfer_1 = loop.create_task(nested(a, b, 0ms, lines_1), "transfer-1");
  loop.run_until_complete(loop.create_task(nested(a, b, 0ms, lines_2), "transfer-2"));
  EXPECT_TRUE(LockOrderGraph::of(loop).inversions().empty());
  EXPECT_EQ(LockOrderGraph::of(loop).edge_count(), 1u);
  (void)transfer_1;
}

TEST(LockOrderGraph, ALongerCycleNamesThePathItCloses) {
  detsim::EventLoop loop;
  LockOrderGraph::of(loop).set_halts(false);
  OrderedLock a("a");
  OrderedLock b("b");
  OrderedLock c("c");
  Lines lines[3];
  auto one = loop.create_task(nested(a, b, 0ms, lines[0]), "one");
  auto two = loop.create_task(nested(b, c, 1ms, lines[1]), "two");
  loop.run_until_complete(loop.create_task(nested(c, a, 2ms, lines[2]), "three"));
  const auto& inversions = LockOrderGraph::of(loop).inversions();
  ASSERT_EQ(inversions.size(), 1u);
  EXPECT_EQ(inversions[0].closing.held_name, "Lock 'c'");
  EXPECT_EQ(inversions[0].closing.acquired_name, "Lock 'a'");
  ASSERT_EQ(inversions[0].established.size(), 2u);
  EXPECT_EQ(inversions[0].established[0].task_name, "one");  // a -> b
  EXPECT_EQ(inversions[0].established[1].task_name, "two");  // b -> c
  (void)one;
  (void)two;
}

TEST(LockOrderGraph, ReleasedLocksOrderNothing) {
  detsim::EventLoop loop;
  OrderedLock a("a");
  OrderedLock b("b");
  auto body = [](OrderedLock& first, OrderedLock& second) -> Task<void> {
    co_await first.acquire();
    first.release();
    co_await second.acquire();
    second.release();
    co_await second.acquire();
    co_await first.acquire();  // second -> first only
    first.release();
    second.release();
  };
  loop.run_until_complete(body(a, b));
  EXPECT_EQ(LockOrderGraph::of(loop).edge_count(), 1u);
  EXPECT_TRUE(LockOrderGraph::of(loop).inversions().empty());
}

TEST(LockOrderGraph, EachLoopHasItsOwnGraph) {
  detsim::EventLoop first;
  detsim::EventLoop second;
  EXPECT_EQ(&LockOrderGraph::of(first), &LockOrderGraph::of(first));
  EXPECT_NE(&LockOrderGraph::of(first), &LockOrderGraph::of(second));
  EXPECT_EQ(LockOrderGraph::of(first).new_lock_id(), 1u);
  EXPECT_EQ(LockOrderGraph::of(second).new_lock_id(), 1u);  // counters, per loop
}

TEST(LockOrderGraph, DetsimLockOrderOffTurnsHaltingOff) {
  ASSERT_EQ(::setenv("DETSIM_LOCK_ORDER", "off", 1), 0);
  EXPECT_EQ(detsim::options_from_environment().lock_order, false);
  {
    detsim::EventLoop loop;
    EXPECT_FALSE(LockOrderGraph::of(loop).halts());
  }
  ASSERT_EQ(::setenv("DETSIM_LOCK_ORDER", "0", 1), 0);
  EXPECT_EQ(detsim::options_from_environment().lock_order, false);
  ASSERT_EQ(::setenv("DETSIM_LOCK_ORDER", "on", 1), 0);
  EXPECT_EQ(detsim::options_from_environment().lock_order, true);
  ASSERT_EQ(::unsetenv("DETSIM_LOCK_ORDER"), 0);
  EXPECT_EQ(detsim::options_from_environment().lock_order, std::nullopt);
  detsim::EventLoop loop;
  EXPECT_TRUE(LockOrderGraph::of(loop).halts());  // the default
}
