// Tests for detsim::Coroutine<T> (include/detsim/core/coroutine.hpp): helper
// coroutines that run inline in the task awaiting them.
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>

#include "support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using detsim::Coroutine;
using detsim::Task;
using detsim_test::Counted;

// Every event kind the loop reports, in order: a run's shape.
struct EventKinds final : detsim::LoopObserver {
  std::vector<std::string> kinds;
  void on_event(const detsim::Event& event) override { kinds.emplace_back(detsim::to_string(event.kind)); }
  std::size_t count(std::string_view kind) const { return static_cast<std::size_t>(std::count(kinds.begin(), kinds.end(), kind)); }
};

Coroutine<int> twice(int x) { co_return 2 * x; }

Coroutine<int> twice_after_a_yield(int x) {
  co_await detsim::yield();
  co_return 2 * x;
}

Task<int> as_task(int x) { co_return 2 * x; }

TEST(Coroutine, ReturnsItsValueWithNoStepOfItsOwn) {
  detsim::EventLoop loop;
  EventKinds events;
  loop.add_observer(events);
  auto body = []() -> Task<int> { co_return co_await twice(21); };
  EXPECT_EQ(loop.run_until_complete(body()), 42);
  EXPECT_EQ(events.count("step"), 1u) << "the awaiting task's one step, nothing for the Coroutine";
  EXPECT_EQ(events.count("task_created"), 1u);
  loop.remove_observer(events);
}

TEST(Coroutine, ATaskAwaitedInsteadTakesStepsOfItsOwn) {
  // The contrast the Coroutine exists for: the seed's rule makes an awaited
  // Task coroutine a task of its own.
  detsim::EventLoop loop;
  EventKinds events;
  loop.add_observer(events);
  auto body = []() -> Task<int> { co_return co_await as_task(21); };
  EXPECT_EQ(loop.run_until_complete(body()), 42);
  EXPECT_EQ(events.count("task_created"), 2u);
  EXPECT_GT(events.count("step"), 1u);
  loop.remove_observer(events);
}

// The same program written with its helper inline and as a Coroutine makes
// the same events under every seed: splitting code into helpers changes no
// interleaving.
Task<void> worker_inline(int& shared, std::string& order, char label) {
  for (int i = 0; i < 3; ++i) {
    const int seen = shared;
    co_await detsim::yield();
    shared = seen + 1;
    order += label;
  }
}

Coroutine<void> increment(int& shared, std::string& order, char label) {
  const int seen = shared;
  co_await detsim::yield();
  shared = seen + 1;
  order += label;
}

Task<void> worker_with_helper(int& shared, std::string& order, char label) {
  for (int i = 0; i < 3; ++i) co_await increment(shared, order, label);
}

template <class Worker>
std::pair<std::vector<std::string>, std::string> run_workers(std::uint64_t seed, Worker worker) {
  detsim::EventLoop loop{detsim::RandomScheduler{seed}};
  EventKinds events;
  loop.add_observer(events);
  int shared = 0;
  std::string order;
  auto main = [&]() -> Task<void> {
    auto a = loop.create_task(worker(shared, order, 'A'), "A");
    auto b = loop.create_task(worker(shared, order, 'B'), "B");
    co_await a;
    co_await b;
  };
  loop.run_until_complete(main());
  loop.remove_observer(events);
  return {events.kinds, order + " " + std::to_string(shared)};
}

TEST(Coroutine, SplittingCodeIntoHelpersChangesNoInterleaving) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto inline_run = run_workers(seed, worker_inline);
    const auto helper_run = run_workers(seed, worker_with_helper);
    EXPECT_EQ(inline_run.second, helper_run.second);
    EXPECT_EQ(inline_run.first, helper_run.first);
  }
}

TEST(Coroutine, SuspendsTheTaskWhileItWaits) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  loop.call_later(5ms, [&] { future.set_result(4); });
  auto wait_for_it = [&]() -> Coroutine<int> { co_return co_await future + co_await twice_after_a_yield(1); };
  auto body = [&]() -> Task<int> { co_return co_await wait_for_it(); };
  EXPECT_EQ(loop.run_until_complete(body()), 6);
  EXPECT_EQ(loop.now(), 5ms);
}

Coroutine<std::int64_t> nested_sleeps(int depth) {
  if (depth == 0) {
    co_await detsim::sleep(1ms);
    co_return 1;
  }
  const std::int64_t below = co_await nested_sleeps(depth - 1);
  co_await detsim::sleep(1ms);
  co_return below + 1;
}

TEST(Coroutine, NestsAndSleepsInVirtualTime) {
  detsim::EventLoop loop;
  auto body = []() -> Task<std::int64_t> { co_return co_await nested_sleeps(200); };
  EXPECT_EQ(loop.run_until_complete(body()), 201);
  EXPECT_EQ(loop.now(), 201ms);
}

Coroutine<void> throws_after_a_yield() {
  co_await detsim::yield();
  throw std::runtime_error("from the helper");
}

TEST(Coroutine, PassesExceptionsToItsAwaiter) {
  detsim::EventLoop loop;
  auto body = []() -> Task<std::string> {
    try {
      co_await throws_after_a_yield();
    } catch (const std::runtime_error& error) {
      co_return error.what();
    }
    co_return "nothing";
  };
  EXPECT_EQ(loop.run_until_complete(body()), "from the helper");
}

TEST(Coroutine, CancellingTheTaskReachesTheInnermostAwait) {
  detsim::EventLoop loop;
  std::vector<std::string> log;
  auto inner = [&]() -> Coroutine<void> {
    try {
      co_await detsim::sleep(1h);
    } catch (const detsim::CancelledError&) {
      log.push_back("inner saw the cancel");
      throw;
    }
  };
  auto outer = [&]() -> Coroutine<void> {
    try {
      co_await inner();
    } catch (const detsim::CancelledError&) {
      log.push_back("outer saw the cancel");
      throw;
    }
  };
  auto body = [&]() -> Task<void> { co_await outer(); };
  auto task = loop.create_task(body(), "sleeper");
  loop.call_later(1s, [&] { task.cancel("stop"); });
  EXPECT_THROW(loop.run_until_complete(task), detsim::CancelledError);
  EXPECT_EQ(log, (std::vector<std::string>{"inner saw the cancel", "outer saw the cancel"}));
  EXPECT_EQ(loop.now(), 1s);
}

Coroutine<int> one() { co_return 1; }

TEST(Coroutine, AMillionSynchronousAwaitsRunInConstantStack) {
  // g++ 12 does not always make symmetric transfer a tail call (TOOLCHAIN.md):
  // a helper that ends without suspending must return to its awaiter, not
  // resume it, or this overflows the stack at -O0 and under ASan.
  detsim::EventLoop loop;
  auto body = []() -> Task<int> {
    int sum = 0;
    for (int i = 0; i < 1'000'000; ++i) sum += co_await one();
    co_return sum;
  };
  EXPECT_EQ(loop.run_until_complete(body()), 1'000'000);
}

Coroutine<void> hold_then_wait(detsim::Future<void> never) {
  Counted held;
  co_await never;
}

TEST(Coroutine, ClosingTheLoopDestroysTheFramesOfHelpersMidAwait) {
  Counted::reset();
  {
    detsim::EventLoop loop;
    auto never = loop.create_future<void>();
    auto body = [&]() -> Task<void> {
      Counted outer;
      co_await hold_then_wait(never);
    };
    (void)loop.create_task(body(), "stuck");
    loop.run_until_complete(loop.create_task([]() -> Task<void> { co_await detsim::sleep(1ms); }()));
    EXPECT_EQ(Counted::alive(), 2);
    loop.close();
  }
  EXPECT_EQ(Counted::alive(), 0);
}

TEST(Coroutine, AnUnawaitedCoroutineNeverRunsAndFreesItsFrame) {
  Counted::reset();
  bool ran = false;
  {
    auto helper = [&]() -> Coroutine<void> {
      Counted held;
      ran = true;
      co_return;
    };
    auto never_awaited = helper();
  }
  EXPECT_FALSE(ran);
  EXPECT_EQ(Counted::alive(), 0);
}

TEST(Coroutine, AwaitsTasksAndFuturesLikeATaskBody) {
  detsim::EventLoop loop{detsim::RandomScheduler{3}};
  auto helper = [&]() -> Coroutine<int> {
    auto child = loop.create_task(as_task(5), "child");
    const int from_task = co_await child;
    const int from_helper = co_await twice_after_a_yield(from_task);
    co_return from_helper;
  };
  auto body = [&]() -> Task<int> { co_return co_await helper(); };
  EXPECT_EQ(loop.run_until_complete(body()), 20);
}

}  // namespace
