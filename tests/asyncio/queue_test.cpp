// Tests for detsim::asyncio::Queue, LifoQueue and PriorityQueue
// (include/detsim/asyncio/queue.hpp).
#include <string>
#include <memory>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/asyncio/queue.hpp>
#include <detsim/detsim.hpp>

namespace {

using detsim::Task;
using detsim::asyncio::LifoQueue;
using detsim::asyncio::PriorityQueue;
using detsim::asyncio::Queue;
using Log = std::vector<std::string>;

TEST(Queue, NowaitOperationsAndSizes) {
  Queue<int> queue(2, "jobs");
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.full());
  queue.put_nowait(1);
  queue.put_nowait(2);
  EXPECT_TRUE(queue.full());
  EXPECT_EQ(queue.qsize(), 2u);
  try {
    queue.put_nowait(3);
    FAIL() << "expected QueueFull";
  } catch (const detsim::QueueFull& error) {
    EXPECT_EQ(error.id(), "detsim.queue.full");
    EXPECT_NE(std::string(error.what()).find("Queue 'jobs'"), std::string::npos);
  }
  EXPECT_EQ(queue.get_nowait(), 1);
  EXPECT_EQ(queue.get_nowait(), 2);
  try {
    (void)queue.get_nowait();
    FAIL() << "expected QueueEmpty";
  } catch (const detsim::QueueEmpty& error) {
    EXPECT_EQ(error.id(), "detsim.queue.empty");
  }
  Queue<int> unbounded;
  for (int i = 0; i < 100; ++i) unbounded.put_nowait(i);
  EXPECT_FALSE(unbounded.full());
}

TEST(Queue, GettersAndPuttersAreServedInArrivalOrder) {
  detsim::EventLoop loop;
  Queue<int> queue(1);
  Log log;
  auto getter = [&](std::string name) -> Task<void> {
    int item = co_await queue.get();
    log.push_back(name + " got " + std::to_string(item));
  };
  auto putter = [&](int item) -> Task<void> {
    co_await queue.put(item);
    log.push_back("put " + std::to_string(item));
  };
  auto body = [&]() -> Task<void> {
    auto g1 = loop.create_task(getter("g1"));
    auto g2 = loop.create_task(getter("g2"));
    co_await detsim::yield();
    EXPECT_EQ(queue.waiting_getters().size(), 2u);
    auto p1 = loop.create_task(putter(1));
    auto p2 = loop.create_task(putter(2));
    auto p3 = loop.create_task(putter(3));
    co_await g1;
    co_await g2;
    co_await p1;
    co_await p2;
    EXPECT_EQ(queue.qsize(), 1u);
    EXPECT_EQ(co_await queue.get(), 3);
    co_await p3;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"put 1", "g1 got 1", "put 2", "g2 got 2", "put 3"}));
}

TEST(Queue, AGetterCancelledAfterItWasWokenPassesTheItemOn) {
  detsim::EventLoop loop;
  Queue<int> queue;
  Log log;
  auto getter = [&](std::string name) -> Task<void> {
    int item = co_await queue.get();
    log.push_back(name + " got " + std::to_string(item));
  };
  auto body = [&]() -> Task<void> {
    auto g1 = loop.create_task(getter("g1"));
    auto g2 = loop.create_task(getter("g2"));
    co_await detsim::yield();
    queue.put_nowait(7);  // wakes g1
    g1.cancel();          // before its step
    try {
      co_await g1;
    } catch (const detsim::CancelledError&) {
      log.push_back("g1 cancelled");
    }
    co_await g2;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"g2 got 7", "g1 cancelled"}));
  EXPECT_TRUE(queue.empty());
  EXPECT_TRUE(queue.waiting_tasks().empty());
}

TEST(Queue, APutterCancelledAfterItWasWokenPassesTheSlotOn) {
  detsim::EventLoop loop;
  Queue<int> queue(1);
  Log log;
  auto putter = [&](int item) -> Task<void> {
    co_await queue.put(item);
    log.push_back("put " + std::to_string(item));
  };
  auto body = [&]() -> Task<void> {
    queue.put_nowait(0);
    auto p1 = loop.create_task(putter(1));
    auto p2 = loop.create_task(putter(2));
    co_await detsim::yield();
    EXPECT_EQ(queue.get_nowait(), 0);  // wakes p1
    p1.cancel();
    try {
      co_await p1;
    } catch (const detsim::CancelledError&) {
      log.push_back("p1 cancelled");
    }
    co_await p2;
    EXPECT_EQ(queue.get_nowait(), 2) << "the cancelled put added nothing";
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"put 2", "p1 cancelled"}));
}

TEST(Queue, JoinWaitsForEveryTaskDone) {
  detsim::EventLoop loop;
  Queue<int> queue;
  Log log;
  auto worker = [&]() -> Task<void> {
    for (int i = 0; i < 3; ++i) {
      int item = co_await queue.get();
      co_await detsim::yield();
      log.push_back("done " + std::to_string(item));
      queue.task_done();
    }
  };
  auto body = [&]() -> Task<void> {
    co_await queue.join();  // nothing put: returns at once
    for (int i = 0; i < 3; ++i) queue.put_nowait(i);
    auto task = loop.create_task(worker());
    co_await queue.join();
    log.push_back("joined");
    co_await task;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"done 0", "done 1", "done 2", "joined"}));
  try {
    queue.task_done();
    FAIL() << "expected ValueError";
  } catch (const detsim::ValueError& error) {
    EXPECT_EQ(error.id(), "detsim.queue.task_done");
  }
}

TEST(LifoQueue, TakesTheNewestFirst) {
  LifoQueue<int> queue;
  for (int i : {1, 2, 3}) queue.put_nowait(i);
  EXPECT_EQ(queue.get_nowait(), 3);
  EXPECT_EQ(queue.get_nowait(), 2);
  EXPECT_EQ(queue.get_nowait(), 1);
}

struct Job {
  int priority;
  std::string name;
  friend bool operator<(const Job& a, const Job& b) { return a.priority < b.priority; }
};

TEST(PriorityQueue, TakesTheLeastFirstAndEqualOnesInInsertionOrder) {
  PriorityQueue<Job> queue;
  for (auto job : {Job{2, "b1"}, Job{1, "a1"}, Job{2, "b2"}, Job{3, "c"}, Job{1, "a2"}, Job{2, "b3"}})
    queue.put_nowait(job);
  std::vector<std::string> order;
  while (!queue.empty()) order.push_back(queue.get_nowait().name);
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a2", "b1", "b2", "b3", "c"}));
  PriorityQueue<int, std::greater<int>> largest_first;
  for (int i : {3, 9, 1}) largest_first.put_nowait(i);
  EXPECT_EQ(largest_first.get_nowait(), 9);
}

TEST(Queue, ShutdownWakesWaitersWithQueueShutDown) {
  detsim::EventLoop loop;
  Queue<int> queue(1, "q");
  Log log;
  auto getter = [&]() -> Task<void> {
    try {
      (void)co_await queue.get();
    } catch (const detsim::QueueShutDown& error) {
      log.push_back("getter: " + error.id());
    }
  };
  auto body = [&]() -> Task<void> {
    auto g = loop.create_task(getter());
    co_await detsim::yield();
    queue.shutdown();
    co_await g;
    try {
      queue.put_nowait(1);
    } catch (const detsim::QueueShutDown&) {
      log.push_back("put refused");
    }
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"getter: detsim.queue.shut_down", "put refused"}));
}

TEST(Queue, ShutdownKeepsItemsForGettersUnlessImmediate) {
  detsim::EventLoop loop;
  Queue<int> queue(2);
  Log log;
  auto putter = [&]() -> Task<void> {
    try {
      co_await queue.put(3);
    } catch (const detsim::QueueShutDown&) {
      log.push_back("putter refused");
    }
  };
  auto body = [&]() -> Task<void> {
    queue.put_nowait(1);
    queue.put_nowait(2);
    auto p = loop.create_task(putter());
    co_await detsim::yield();
    queue.shutdown();
    co_await p;
    EXPECT_EQ(co_await queue.get(), 1) << "items left are still served";
    queue.task_done();
    queue.shutdown(/*immediate=*/true);
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(queue.unfinished_tasks(), 0u);
    co_await queue.join();  // released: the dropped item counts as done
    try {
      (void)co_await queue.get();
    } catch (const detsim::QueueShutDown&) {
      log.push_back("get refused");
    }
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"putter refused", "get refused"}));
}

TEST(Queue, ImmediateShutdownReleasesJoin) {
  detsim::EventLoop loop;
  Queue<int> queue;
  Log log;
  auto joiner = [&]() -> Task<void> {
    co_await queue.join();
    log.push_back("joined");
  };
  auto body = [&]() -> Task<void> {
    queue.put_nowait(1);
    auto j = loop.create_task(joiner());
    co_await detsim::yield();
    EXPECT_EQ(queue.waiting_tasks().size(), 1u);
    queue.shutdown(true);
    co_await j;
  };
  loop.run_until_complete(body());
  EXPECT_EQ(log, (Log{"joined"}));
}

TEST(Queue, MoveOnlyItems) {
  detsim::EventLoop loop;
  Queue<std::unique_ptr<int>> queue;
  auto body = [&]() -> Task<void> {
    co_await queue.put(std::make_unique<int>(5));
    auto item = co_await queue.get();
    EXPECT_EQ(*item, 5);
  };
  loop.run_until_complete(body());
}

}  // namespace
