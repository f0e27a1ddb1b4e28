#include <detsim/asyncio/gather.hpp>

#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>

namespace {

using namespace std::chrono_literals;
namespace asyncio = detsim::asyncio;
using detsim::Coroutine;
using detsim::Task;

Task<int> after(std::chrono::nanoseconds delay, int value, std::vector<int>* finished = nullptr) {
  co_await detsim::sleep(delay);
  if (finished) finished->push_back(value);
  co_return value;
}

Task<int> fail_after(std::chrono::nanoseconds delay, std::string message) {
  co_await detsim::sleep(delay);
  throw detsim::RuntimeError("test.failure", message);
}

Coroutine<std::string> name_of(int id) {
  co_await detsim::yield();
  co_return "n" + std::to_string(id);
}

TEST(Gather, ResultsComeInArgumentOrderWhateverTheCompletionOrder) {
  detsim::EventLoop loop;
  std::vector<int> finished;
  auto main = [&]() -> Task<std::tuple<int, int, std::string>> {
    co_return co_await asyncio::gather(after(3ms, 1, &finished), after(1ms, 2, &finished), name_of(3));
  };
  auto [a, b, c] = loop.run_until_complete(main());
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
  EXPECT_EQ(c, "n3");
  EXPECT_EQ(finished, (std::vector<int>{2, 1}));
  EXPECT_EQ(loop.now(), 3ms);
}

TEST(Gather, VectorOfTasksAndVoidTasks) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<std::size_t> {
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 5; ++i) tasks.push_back(after(std::chrono::milliseconds(5 - i), i));
    auto values = co_await asyncio::gather(std::move(tasks));
    EXPECT_EQ(values, (std::vector<int>{0, 1, 2, 3, 4}));
    auto empty = co_await asyncio::gather(std::vector<Task<int>>{});
    EXPECT_TRUE(empty.empty());
    auto none = [](int) -> Task<void> { co_await detsim::yield(); };
    std::vector<Task<void>> voids;
    voids.push_back(none(1));
    voids.push_back(none(2));
    auto nothing = co_await asyncio::gather(std::move(voids));
    co_return nothing.size();
  };
  EXPECT_EQ(loop.run_until_complete(main()), 2u);
}

TEST(Gather, FirstExceptionPropagatesAndTheOthersGoOn) {
  detsim::EventLoop loop;
  std::vector<int> finished;
  auto main = [&]() -> Task<void> {
    auto slow = loop.create_task(after(5ms, 7, &finished));
    try {
      (void)co_await asyncio::gather(slow, fail_after(1ms, "boom"), fail_after(2ms, "second"));
      ADD_FAILURE() << "gather should raise";
    } catch (const detsim::RuntimeError& error) {
      EXPECT_EQ(error.message(), "boom");
      EXPECT_EQ(loop.now(), 1ms);
    }
    EXPECT_FALSE(slow.done());
    EXPECT_EQ(co_await slow, 7);  // not cancelled
  };
  loop.run_until_complete(main());
  EXPECT_EQ(finished, (std::vector<int>{7}));
}

TEST(Gather, ReturnExceptionsGivesEveryOutcome) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    auto victim = loop.create_task(after(10ms, 3));
    loop.call_later(1ms, [victim]() mutable { victim.cancel("stop"); });
    auto [ok, failed, cancelled] =
        co_await asyncio::gather(asyncio::return_exceptions, after(2ms, 1), fail_after(3ms, "bad"), victim);
    EXPECT_TRUE(ok.has_value());
    EXPECT_EQ(ok.value(), 1);
    EXPECT_FALSE(failed.has_value());
    EXPECT_EQ(detsim::describe(failed.exception()), "[test.failure] bad");
    EXPECT_FALSE(cancelled.has_value());
    try {
      (void)cancelled.value();
      ADD_FAILURE();
    } catch (const detsim::CancelledError& error) {
      EXPECT_EQ(error.cancel_message(), "stop");
    }
    EXPECT_EQ(loop.now(), 3ms);
  };
  loop.run_until_complete(main());
}

TEST(Gather, ACancelledChildFailsTheGatherWithCancelledError) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    auto victim = loop.create_task(after(10ms, 3));
    auto other = loop.create_task(after(20ms, 4));
    loop.call_later(1ms, [victim]() mutable { victim.cancel("child"); });
    try {
      (void)co_await asyncio::gather(victim, other);
      ADD_FAILURE();
    } catch (const detsim::CancelledError& error) {
      EXPECT_EQ(error.cancel_message(), "child");
    }
    // The awaiting task was not cancelled: it goes on, and so does `other`.
    EXPECT_EQ(detsim::detail::current_task()->cancelling(), 0u);
    EXPECT_FALSE(other.done());
    other.cancel();
  };
  loop.run_until_complete(main());
}

TEST(Gather, CancellingTheGatherCancelsTheChildrenAndCompletesWithCancelledError) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    auto a = loop.create_task(after(10ms, 1));
    auto b = loop.create_task(after(1ms, 2));
    auto gathering = asyncio::gather(asyncio::return_exceptions, a, b);
    co_await detsim::sleep(2ms);  // b done
    EXPECT_TRUE(gathering.cancel("enough"));
    EXPECT_FALSE(gathering.done()) << "asyncio's _GatheringFuture is not cancelled itself";
    EXPECT_FALSE(gathering.cancelled());
    try {
      (void)co_await gathering;
      ADD_FAILURE();
    } catch (const detsim::CancelledError& error) {
      // 3.11 raises the last argument's CancelledError: b was not cancelled
      // (tests/parity/reference.py pins a cancelled last argument's message).
      EXPECT_EQ(error.cancel_message(), "");
    }
    EXPECT_FALSE(gathering.cancelled()) << "completed with CancelledError as its exception";
    EXPECT_TRUE(a.cancelled());
    EXPECT_EQ(b.result(), 2);
    EXPECT_FALSE(gathering.cancel()) << "done";
  };
  loop.run_until_complete(main());
}

TEST(Gather, CancelReturnsFalseWhenEveryChildIsAlreadyDone) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    auto a = loop.create_future<int>();
    auto gathering = asyncio::gather(a);
    a.set_result(1);
    EXPECT_TRUE(gathering.done());
    EXPECT_FALSE(gathering.cancel());
    co_return;
  };
  loop.run_until_complete(main());
}

TEST(Gather, CancellingTheAwaitingTaskCancelsTheChildren) {
  detsim::EventLoop loop;
  auto a = std::make_shared<Task<int>>();
  auto parent = [&]() -> Task<void> {
    *a = loop.create_task(after(10ms, 1));
    (void)co_await asyncio::gather(*a, after(20ms, 2));
  };
  auto task = loop.create_task(parent());
  loop.call_later(1ms, [task]() mutable { task.cancel("outer"); });
  try {
    loop.run_until_complete(task);
    ADD_FAILURE();
  } catch (const detsim::CancelledError& error) {
    EXPECT_EQ(error.cancel_message(), "outer");
  }
  EXPECT_TRUE(task.cancelled());
  EXPECT_TRUE(a->cancelled());
  EXPECT_EQ(a->cancelling(), 1u);
  EXPECT_EQ(task.cancelling(), 1u);
}

TEST(Gather, ACancelOfTheTaskWhenChildrenAreDoneStaysPendingOnTheTask) {
  // _GatheringFuture.cancel() returns false (nothing left to cancel): the
  // task keeps the request and takes CancelledError at its next await.
  detsim::EventLoop loop;
  auto parent = [&]() -> Task<int> {
    auto f = loop.create_future<int>();
    auto gathering = asyncio::gather(f);
    f.set_result(5);
    auto [value] = co_await gathering;  // done: no suspension
    co_return value;
  };
  EXPECT_EQ(loop.run_until_complete(parent()), 5);
}

TEST(Gather, TheSameChildTwiceIsOneChild) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    auto a = loop.create_task(after(1ms, 9));
    std::vector<Task<int>> twice{a, a};
    auto values = co_await asyncio::gather(std::move(twice));
    EXPECT_EQ(values, (std::vector<int>{9, 9}));
  };
  loop.run_until_complete(main());
}

TEST(Gather, DifferentSeedsGiveDifferentCompletionOrdersButTheSameResults) {
  std::set<std::vector<int>> orders;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    detsim::EventLoop loop{detsim::RandomScheduler{seed}};
    std::vector<int> finished;
    auto main = [&]() -> Task<std::vector<int>> {
      std::vector<Task<int>> tasks;
      for (int i = 0; i < 4; ++i) tasks.push_back(after(1ms, i, &finished));
      co_return co_await asyncio::gather(std::move(tasks));
    };
    EXPECT_EQ(loop.run_until_complete(main()), (std::vector<int>{0, 1, 2, 3}));
    orders.insert(finished);
  }
  EXPECT_GT(orders.size(), 1u);
}

}  // namespace
