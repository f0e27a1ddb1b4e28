#include <detsim/asyncio/timeout.hpp>

#include <set>
#include <string>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>

namespace {

using namespace std::chrono_literals;
namespace asyncio = detsim::asyncio;
using detsim::Coroutine;
using detsim::Task;

TEST(Timeout, ReturnsTheBodysResultInTime) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<int> {
    co_return co_await asyncio::timeout(5ms, [&](asyncio::Timeout& scope) -> Coroutine<int> {
      EXPECT_EQ(scope.when(), std::optional(5ms));
      co_await detsim::sleep(1ms);
      EXPECT_FALSE(scope.expired());
      co_return 3;
    });
  };
  EXPECT_EQ(loop.run_until_complete(main()), 3);
  loop.run_until_idle();
  EXPECT_EQ(loop.now(), 1ms) << "the deadline timer was cancelled";
}

TEST(Timeout, ExpiryCancelsTheBodyAndRaisesTimeoutError) {
  detsim::EventLoop loop;
  asyncio::Timeout* seen = nullptr;
  bool body_cancelled = false;
  auto main = [&]() -> Task<void> {
    try {
      co_await asyncio::timeout(2ms, [&](asyncio::Timeout& scope) -> Coroutine<void> {
        seen = &scope;
        try {
          co_await detsim::sleep(1h);
        } catch (const detsim::CancelledError&) {
          body_cancelled = true;
          EXPECT_TRUE(scope.expired());
          throw;
        }
      });
      ADD_FAILURE();
    } catch (const asyncio::TimeoutError&) {
    }
    EXPECT_EQ(detsim::detail::current_task()->cancelling(), 0u) << "the scope withdrew its request";
    co_await detsim::sleep(1ms);  // not cancelled any more
  };
  loop.run_until_complete(main());
  EXPECT_TRUE(body_cancelled);
  EXPECT_EQ(loop.now(), 3ms);
}

TEST(Timeout, AnOuterCancellationIsNeverSwallowed) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    co_await asyncio::timeout(2ms, [&](asyncio::Timeout&) -> Coroutine<void> { co_await detsim::sleep(1h); });
  };
  auto task = loop.create_task(main());
  // Both at 2ms: the scope's timer first, then an outer cancel().
  loop.call_later(2ms, [task]() mutable { task.cancel("outer"); });
  try {
    loop.run_until_complete(task);
    ADD_FAILURE();
  } catch (const detsim::CancelledError&) {
  }
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(task.cancelling(), 1u);
}

TEST(Timeout, RescheduleAndNoDeadline) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    co_await asyncio::timeout(std::nullopt, [&](asyncio::Timeout& scope) -> Coroutine<void> {
      EXPECT_EQ(scope.when(), std::nullopt);
      co_await detsim::sleep(10ms);
      scope.reschedule(loop.now() + 1ms);
      try {
        co_await detsim::sleep(5ms);
      } catch (const detsim::CancelledError&) {
        EXPECT_TRUE(scope.expired());
        EXPECT_THROW(scope.reschedule(1s), detsim::RuntimeError);
        throw;
      }
    });
  };
  EXPECT_THROW(loop.run_until_complete(main()), asyncio::TimeoutError);
  EXPECT_EQ(loop.now(), 11ms);
}

TEST(Timeout, TimeoutAtAPassedDeadlineFiresAtTheNextIteration) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<void> {
    co_await detsim::sleep(5ms);
    co_await asyncio::timeout_at(1ms, [&](asyncio::Timeout&) -> Coroutine<void> { co_await detsim::sleep(1s); });
  };
  EXPECT_THROW(loop.run_until_complete(main()), asyncio::TimeoutError);
  EXPECT_EQ(loop.now(), 5ms);
}

TEST(Timeout, ABodyThatCatchesTheCancellationReturnsNormally) {
  detsim::EventLoop loop;
  auto main = [&]() -> Task<int> {
    co_return co_await asyncio::timeout(1ms, [&](asyncio::Timeout&) -> Coroutine<int> {
      try {
        co_await detsim::sleep(1s);
      } catch (const detsim::CancelledError&) {
        co_return -1;
      }
      co_return 1;
    });
  };
  EXPECT_EQ(loop.run_until_complete(main()), -1);
}

TEST(Timeout, ARaceOfCompletionAndDeadlineIsASchedulerDecision) {
  std::set<std::string> outcomes;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    detsim::EventLoop loop{detsim::RandomScheduler{seed}};
    auto main = [&]() -> Task<std::string> {
      auto& loop_ = detsim::get_running_loop();
      auto reply = loop_.create_future<int>();
      loop_.call_later(1ms, [reply]() mutable { reply.set_result(7); });
      try {
        co_return std::to_string(co_await asyncio::timeout(1ms, [&](asyncio::Timeout&) -> Coroutine<int> {
          co_return co_await reply;
        }));
      } catch (const asyncio::TimeoutError&) {
        co_return "timeout";
      }
    };
    outcomes.insert(loop.run_until_complete(main()));
  }
  EXPECT_EQ(outcomes, (std::set<std::string>{"7", "timeout"}));
}

}  // namespace
