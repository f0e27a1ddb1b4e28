#include <detsim/asyncio/wait.hpp>

#include <vector>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>

namespace {

using namespace std::chrono_literals;
namespace asyncio = detsim::asyncio;
using detsim::Task;

Task<int> after(std::chrono::nanoseconds delay, int value, bool fail = false) {
  co_await detsim::sleep(delay);
  if (fail) throw detsim::RuntimeError("test.failure", "failed");
  co_return value;
}

std::vector<int> values(const std::vector<Task<int>>& tasks) {
  std::vector<int> out;
  for (const auto& task : tasks) out.push_back(task.done() && !task.exception() ? task.result() : -1);
  return out;
}

TEST(Wait, ReturnWhenModes) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    std::vector<Task<int>> tasks{after(3ms, 3), after(1ms, 1), after(2ms, 2, true), after(4ms, 4)};
    auto first = co_await asyncio::wait(tasks, asyncio::FIRST_COMPLETED);
    EXPECT_EQ(values(first.done), (std::vector<int>{1}));
    EXPECT_EQ(first.pending.size(), 3u);
    EXPECT_EQ(loop.now(), 1ms);
    auto failed = co_await asyncio::wait(tasks, asyncio::FIRST_EXCEPTION);
    EXPECT_EQ(values(failed.done), (std::vector<int>{1, -1})) << "argument order";
    EXPECT_EQ(loop.now(), 2ms);
    auto all = co_await asyncio::wait(tasks);
    EXPECT_EQ(values(all.done), (std::vector<int>{3, 1, -1, 4}));
    EXPECT_TRUE(all.pending.empty());
    EXPECT_EQ(loop.now(), 4ms);
  };
  loop.run_until_complete(main());
}

TEST(Wait, TimeoutEndsTheWaitWithoutCancelling) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    std::vector<Task<int>> tasks{after(1ms, 1), after(5ms, 5)};
    auto result = co_await asyncio::wait(tasks, asyncio::ALL_COMPLETED, 2ms);
    EXPECT_EQ(result.done.size(), 1u);
    EXPECT_EQ(result.pending.size(), 1u);
    EXPECT_EQ(loop.now(), 2ms);
    EXPECT_FALSE(result.pending[0].cancelled());
    EXPECT_EQ(co_await result.pending[0], 5);
  };
  loop.run_until_complete(main());
}

TEST(Wait, CancellingTheWaiterCancelsNothingElse) {
  detsim::EventLoop loop;
  auto child = std::make_shared<Task<int>>();
  auto main = [&]() -> Task<void> {
    *child = loop.create_task(after(5ms, 5));
    std::vector<Task<int>> tasks{*child};  // (g++ 12: no braced list inside a co_await)
    (void)co_await asyncio::wait(std::move(tasks));
  };
  auto task = loop.create_task(main());
  loop.call_later(1ms, [task]() mutable { task.cancel(); });
  EXPECT_THROW(loop.run_until_complete(task), detsim::CancelledError);
  EXPECT_FALSE(child->done());
  EXPECT_EQ(loop.run_until_complete(*child), 5);
}

TEST(Wait, AnEmptyVectorIsRefused) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    try {
      std::vector<Task<int>> none;
      (void)co_await asyncio::wait(std::move(none));
      ADD_FAILURE();
    } catch (const detsim::RuntimeError& error) {
      EXPECT_EQ(error.id(), "detsim.asyncio.wait.empty");
    }
  };
  loop.run_until_complete(main());
}

}  // namespace
