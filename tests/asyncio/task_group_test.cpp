#include <detsim/asyncio/task_group.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>

namespace {

using namespace std::chrono_literals;
namespace asyncio = detsim::asyncio;
using detsim::Coroutine;
using detsim::Task;
using Log = std::vector<std::string>;

Task<int> work(Log& log, std::string name, std::chrono::nanoseconds delay, bool fail = false) {
  try {
    co_await detsim::sleep(delay);
  } catch (const detsim::CancelledError&) {
    log.push_back(name + " cancelled");
    throw;
  }
  if (fail) throw detsim::RuntimeError("test.failure", name + " failed");
  log.push_back(name + " done");
  co_return static_cast<int>(delay.count());
}

TEST(TaskGroup, WaitsForEveryChild) {
  detsim::EventLoop loop;
  Log log;
  auto main = [&]() -> Task<int> {
    Task<int> b;
    int body = co_await asyncio::task_group([&](asyncio::TaskGroup& group) -> Coroutine<int> {
      (void)group.create_task(work(log, "a", 3ms));
      b = group.create_task(work(log, "b", 1ms));
      EXPECT_EQ(group.pending(), 2u);
      co_return 5;
    });
    EXPECT_EQ(b.result(), 1'000'000);
    co_return body;
  };
  EXPECT_EQ(loop.run_until_complete(main()), 5);
  EXPECT_EQ(log, (Log{"b done", "a done"}));
  EXPECT_EQ(loop.now(), 3ms);
}

TEST(TaskGroup, TheFirstFailureCancelsSiblingsAndBodyAndErrorsAreGrouped) {
  detsim::EventLoop loop;
  Log log;
  auto main = [&]() -> Task<void> {
    try {
      co_await asyncio::task_group([&](asyncio::TaskGroup& group) -> Coroutine<void> {
        (void)group.create_task(work(log, "slow", 10ms));
        (void)group.create_task(work(log, "bad", 1ms, true));
        (void)group.create_task(work(log, "slower", 20ms));
        try {
          co_await detsim::sleep(1h);
        } catch (const detsim::CancelledError&) {
          log.push_back("body cancelled");
          throw;
        }
      });
      ADD_FAILURE();
    } catch (const asyncio::ExceptionGroup& group) {
      EXPECT_EQ(group.exceptions().size(), 1u);
      EXPECT_EQ(std::string(group.what()),
                "[detsim.asyncio.exception_group] unhandled errors in a TaskGroup (1 sub-exception): 1) "
                "[test.failure] bad failed");
    }
    EXPECT_EQ(detsim::detail::current_task()->cancelling(), 0u) << "the group withdrew its cancel request";
  };
  loop.run_until_complete(main());
  // Siblings are cancelled in creation order, then the body's task.
  EXPECT_EQ(log, (Log{"slow cancelled", "slower cancelled", "body cancelled"}));
  EXPECT_EQ(loop.now(), 1ms);
}

TEST(TaskGroup, TheBodysErrorComesLastInTheGroup) {
  detsim::EventLoop loop;
  Log log;
  auto main = [&]() -> Task<void> {
    try {
      co_await asyncio::task_group([&](asyncio::TaskGroup& group) -> Coroutine<void> {
        (void)group.create_task(work(log, "bad", 0ms, true));
        co_await detsim::yield();
        co_await detsim::yield();
        throw detsim::RuntimeError("test.failure", "body failed");
      });
      ADD_FAILURE();
    } catch (const asyncio::ExceptionGroup& group) {
      // The child failed first, which cancelled the body at its next await.
      EXPECT_EQ(group.exceptions().size(), 1u);
    }
    try {
      co_await asyncio::task_group([&](asyncio::TaskGroup& group) -> Coroutine<void> {
        (void)group.create_task(work(log, "bad2", 1ms, true));
        (void)group.create_task(work(log, "bad3", 1ms, true));
        throw detsim::RuntimeError("test.failure", "body failed");
      });
      ADD_FAILURE();
    } catch (const asyncio::ExceptionGroup& group) {
      // The body's error cancels the children before they fail.
      EXPECT_EQ(group.exceptions().size(), 1u);
      EXPECT_EQ(detsim::describe(group.exceptions().back()), "[test.failure] body failed");
    }
    try {
      co_await asyncio::task_group([&](asyncio::TaskGroup& group) -> Coroutine<void> {
        (void)group.create_task(work(log, "bad4", 1ms, true));
        (void)group.create_task(work(log, "bad5", 1ms, true));
        co_return;
      });
      ADD_FAILURE();
    } catch (const asyncio::ExceptionGroup& group) {
      // Both are due in one iteration. detsim runs the group's done callback
      // as bad4 fails, which cancels bad5 before its step: one error.
      // asyncio runs that callback one iteration later, after bad5 has
      // failed too: 2 errors there (the done-callback difference, README).
      EXPECT_EQ(group.exceptions().size(), 1u);
    }
  };
  loop.run_until_complete(main());
}

TEST(TaskGroup, AnOuterCancellationCancelsChildrenAndPropagates) {
  detsim::EventLoop loop;
  Log log;
  auto main = [&]() -> Task<void> {
    co_await asyncio::task_group([&](asyncio::TaskGroup& group) -> Coroutine<void> {
      (void)group.create_task(work(log, "a", 10ms));
      (void)group.create_task(work(log, "b", 20ms));
      co_return;  // the group then waits for its children
    });
    log.push_back("not reached");
  };
  auto task = loop.create_task(main());
  loop.call_later(1ms, [task]() mutable { task.cancel("outer"); });
  EXPECT_THROW(loop.run_until_complete(task), detsim::CancelledError);
  EXPECT_EQ(log, (Log{"a cancelled", "b cancelled"}));
  EXPECT_EQ(task.cancelling(), 1u);
}

TEST(TaskGroup, CreateTaskWhenShuttingDownOrFinishedRaises) {
  detsim::EventLoop loop;
  Log log;
  auto main = [&]() -> Task<void> {
    asyncio::TaskGroup* kept = nullptr;
    try {
      co_await asyncio::task_group([&](asyncio::TaskGroup& group) -> Coroutine<void> {
        kept = &group;
        (void)group.create_task(work(log, "bad", 0ms, true));
        std::exception_ptr cancelled;
        try {
          co_await detsim::sleep(1s);
        } catch (const detsim::CancelledError&) {
          cancelled = std::current_exception();
        }
        try {
          (void)group.create_task(work(log, "late", 0ms));
          ADD_FAILURE();
        } catch (const detsim::RuntimeError& error) {
          EXPECT_EQ(error.message(), "TaskGroup is shutting down");
        }
        std::rethrow_exception(cancelled);
      });
    } catch (const asyncio::ExceptionGroup&) {
    }
    (void)kept;
  };
  loop.run_until_complete(main());
  EXPECT_EQ(log, (Log{}));
}

}  // namespace
