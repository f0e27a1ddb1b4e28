#include <detsim/asyncio/as_completed.hpp>

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

TEST(AsCompleted, GivesResultsInCompletionOrder) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<std::vector<int>> {
    std::vector<Task<int>> tasks{after(3ms, 3), after(1ms, 1), after(2ms, 2, true)};
    std::vector<int> order;
    for (auto& next : asyncio::as_completed(std::move(tasks))) {
      try {
        order.push_back(co_await std::move(next));
      } catch (const detsim::RuntimeError&) {
        order.push_back(-1);
      }
      EXPECT_EQ(loop.now(), std::chrono::milliseconds(order.size()));
    }
    co_return order;
  };
  EXPECT_EQ(loop.run_until_complete(main()), (std::vector<int>{1, -1, 3}));
}

TEST(AsCompleted, TimeoutRaisesForEachRemaining) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<std::vector<int>> {
    std::vector<Task<int>> tasks{after(3ms, 3), after(1ms, 1), after(5ms, 5)};
    std::vector<int> order;
    for (auto& next : asyncio::as_completed(std::move(tasks), 2ms)) {
      try {
        order.push_back(co_await std::move(next));
      } catch (const asyncio::TimeoutError&) {
        order.push_back(0);
      }
    }
    co_return order;
  };
  EXPECT_EQ(loop.run_until_complete(main()), (std::vector<int>{1, 0, 0}));
  EXPECT_EQ(loop.now(), 2ms);
}

}  // namespace
