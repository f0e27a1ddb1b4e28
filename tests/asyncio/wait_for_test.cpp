#include <detsim/asyncio/wait_for.hpp>

#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>

namespace {

using namespace std::chrono_literals;
namespace asyncio = detsim::asyncio;
using detsim::Coroutine;
using detsim::Task;

Coroutine<int> after(std::chrono::nanoseconds delay, int value) {
  co_await detsim::sleep(delay);
  co_return value;
}

Task<int> after_task(std::chrono::nanoseconds delay, int value) { co_return co_await after(delay, value); }

TEST(WaitFor, ReturnsTheResultInTime) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<int> { co_return co_await asyncio::wait_for(after(1ms, 4), 5ms); };
  EXPECT_EQ(loop.run_until_complete(main()), 4);
  EXPECT_EQ(loop.now(), 1ms);
}

TEST(WaitFor, NoTimeoutAwaitsPlainly) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<int> { co_return co_await asyncio::wait_for(after(1h, 4), std::nullopt); };
  EXPECT_EQ(loop.run_until_complete(main()), 4);
}

TEST(WaitFor, TimeoutCancelsTheTaskWaitsForItAndRaisesTimeoutError) {
  detsim::EventLoop loop;
  auto inner = std::make_shared<Task<int>>();
  bool cleaned_up = false;
  auto slow = [&]() -> Task<int> {
    std::exception_ptr cancelled;
    try {
      co_await detsim::sleep(10ms);
    } catch (const detsim::CancelledError&) {
      cancelled = std::current_exception();
    }
    if (cancelled) {
      co_await detsim::sleep(1ms);  // cleanup takes time: wait_for waits for it
      cleaned_up = true;
      std::rethrow_exception(cancelled);
    }
    co_return 1;
  };
  auto main = [&]() -> Task<void> {
    *inner = slow();
    try {
      (void)co_await asyncio::wait_for(*inner, 2ms);  // times out at 2ms, cleanup till 3ms
      ADD_FAILURE();
    } catch (const asyncio::TimeoutError& error) {
      EXPECT_EQ(error.id(), "detsim.asyncio.timeout");
    }
    EXPECT_TRUE(cleaned_up);
    EXPECT_TRUE(inner->cancelled());
    EXPECT_EQ(loop.now(), 3ms);
  };
  loop.run_until_complete(main());
  loop.run_until_idle();
  EXPECT_EQ(loop.now(), 3ms) << "the timeout timer was cancelled: the clock does not go on to it";
}

TEST(WaitFor, AResultThatSwallowsTheCancellationIsReturned) {
  detsim::EventLoop loop;
  auto stubborn = []() -> Task<int> {
    try {
      co_await detsim::sleep(10ms);
    } catch (const detsim::CancelledError&) {
      co_return 99;
    }
    co_return 1;
  };
  auto main = [&]() -> Task<int> { co_return co_await asyncio::wait_for(stubborn(), 2ms); };
  EXPECT_EQ(loop.run_until_complete(main()), 99);
}

TEST(WaitFor, AnExceptionIsRaised) {
  detsim::EventLoop loop;
  auto failing = []() -> Task<int> {
    co_await detsim::sleep(1ms);
    throw detsim::RuntimeError("test.failure", "bad");
  };
  auto main = [&]() -> Task<void> {
    EXPECT_THROW((void)co_await asyncio::wait_for(failing(), 5ms), detsim::RuntimeError);
  };
  loop.run_until_complete(main());
}

TEST(WaitFor, ZeroTimeoutCancelsAPendingTaskAndReturnsADoneOne) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    EXPECT_THROW((void)co_await asyncio::wait_for(after(1ms, 1), 0s), asyncio::TimeoutError);
    auto done = loop.create_future<int>();
    done.set_result(3);
    EXPECT_EQ(co_await asyncio::wait_for(done, 0s), 3);
  };
  loop.run_until_complete(main());
}

TEST(WaitFor, CancellingTheWaiterCancelsTheInnerTaskAndPropagates) {
  detsim::EventLoop loop;
  auto inner = std::make_shared<Task<int>>();
  auto main = [&]() -> Task<int> {
    *inner = after_task(10ms, 1);
    co_return co_await asyncio::wait_for(*inner, 5ms);
  };
  auto task = loop.create_task(main());
  loop.call_later(1ms, [task]() mutable { task.cancel("outer"); });
  EXPECT_THROW(loop.run_until_complete(task), detsim::CancelledError);
  EXPECT_TRUE(inner->cancelled());
  EXPECT_EQ(loop.now(), 1ms);
}

// Completion and timeout at the same virtual instant: the timer callback,
// the child's last step and the waiter's wake-up are all ready entries, so
// the scheduler decides; both outcomes occur across seeds.
TEST(WaitFor, ARaceOfCompletionAndTimeoutIsASchedulerDecision) {
  std::set<std::string> outcomes;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    detsim::EventLoop loop{detsim::RandomScheduler{seed}};
    auto main = [&]() -> Task<std::string> {
      try {
        co_return std::to_string(co_await asyncio::wait_for(after(1ms, 7), 1ms));
      } catch (const asyncio::TimeoutError&) {
        co_return "timeout";
      }
    };
    outcomes.insert(loop.run_until_complete(main()));
  }
  EXPECT_EQ(outcomes, (std::set<std::string>{"7", "timeout"}));
  // FIFO: the wait_for timer was scheduled first, so the timeout wins.
  detsim::EventLoop fifo;
  auto main = [&]() -> Task<bool> {
    try {
      (void)co_await asyncio::wait_for(after(1ms, 7), 1ms);
      co_return false;
    } catch (const asyncio::TimeoutError&) {
      co_return true;
    }
  };
  EXPECT_TRUE(fifo.run_until_complete(main()));
}

}  // namespace
