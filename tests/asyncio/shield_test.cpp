#include <detsim/asyncio/shield.hpp>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>

namespace {

using namespace std::chrono_literals;
namespace asyncio = detsim::asyncio;
using detsim::Task;

Task<int> after(std::chrono::nanoseconds delay, int value) {
  co_await detsim::sleep(delay);
  co_return value;
}

TEST(Shield, CancellingTheAwaiterDoesNotCancelTheShieldedTask) {
  detsim::EventLoop loop;
  auto inner = std::make_shared<Task<int>>();
  auto main = [&]() -> Task<int> {
    *inner = loop.create_task(after(5ms, 5));
    co_return co_await asyncio::shield(*inner);
  };
  auto task = loop.create_task(main());
  loop.call_later(1ms, [task]() mutable { task.cancel(); });
  EXPECT_THROW(loop.run_until_complete(task), detsim::CancelledError);
  EXPECT_FALSE(inner->done());
  EXPECT_EQ(loop.run_until_complete(*inner), 5);
}

TEST(Shield, ResultsExceptionsAndInnerCancellationPassThrough) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    EXPECT_EQ(co_await asyncio::shield(after(1ms, 1)), 1);
    auto failing = []() -> Task<int> {
      co_await detsim::yield();
      throw detsim::RuntimeError("test.failure", "bad");
    };
    EXPECT_THROW((void)co_await asyncio::shield(failing()), detsim::RuntimeError);
    auto victim = loop.create_task(after(5ms, 5));
    auto outer = asyncio::shield(victim);
    victim.cancel();
    EXPECT_THROW((void)co_await outer, detsim::CancelledError);
    EXPECT_TRUE(outer.cancelled());
    auto done = loop.create_future<int>();
    done.set_result(2);
    EXPECT_TRUE(asyncio::shield(done) == done) << "a done future is returned as it is";
  };
  loop.run_until_complete(main());
}

}  // namespace
