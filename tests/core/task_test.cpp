// Tests for detsim::Task<T> (include/detsim/core/task.hpp): tasks as futures,
// naming, exception propagation, asyncio's cancellation, and coroutine frame
// lifetimes (proved with a construction/destruction counter).
#include <coroutine>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <pthread.h>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>

#include "support/test_support.hpp"

using namespace std::chrono_literals;
using detsim::Task;
using detsim_test::Counted;
using detsim_test::ExceptionLog;
using detsim_test::expect_error;
using detsim_test::what;

namespace {

Task<int> answer() { co_return 42; }

Task<int> twice(int x) {
  co_await detsim::sleep(5ms);
  co_return x * 2;
}

Task<void> nothing() { co_return; }

Task<int> fail_with(std::string message) {
  co_await detsim::yield();
  throw std::runtime_error(message);
}

Task<void> sleep_for(std::chrono::nanoseconds delay) { co_await detsim::sleep(delay); }

// Sleeps, and records how the sleep ended: "woke" or "cancelled: <msg>".
Task<int> sleeper(std::chrono::nanoseconds delay, std::string& outcome, bool swallow = false) {
  try {
    co_await detsim::sleep(delay);
    outcome = "woke";
  } catch (const detsim::CancelledError& error) {
    outcome = "cancelled: " + error.cancel_message();
    if (!swallow) throw;
  }
  co_return 7;
}

}  // namespace

// ---- tasks are futures ----------------------------------------------------------------

TEST(Task, RunUntilCompleteReturnsItsResult) {
  detsim::EventLoop loop;
  EXPECT_EQ(loop.run_until_complete(answer()), 42);
  EXPECT_EQ(loop.run_until_complete(twice(4)), 8);
  EXPECT_EQ(loop.now(), 5ms);
}

TEST(Task, VoidTask) {
  detsim::EventLoop loop;
  auto task = loop.create_task(nothing());
  EXPECT_NO_THROW(loop.run_until_complete(task));
  EXPECT_TRUE(task.done());
  EXPECT_NO_THROW(task.result());
}

TEST(Task, IsAFutureWithDoneCallbacks) {
  detsim::EventLoop loop;
  auto task = loop.create_task(twice(10));
  std::vector<int> seen;
  task.add_done_callback([&](detsim::Future<int>& f) { seen.push_back(f.result()); });
  detsim::Future<int> as_future = task;  // a Task is a Future
  EXPECT_FALSE(as_future.done());
  EXPECT_EQ(loop.run_until_complete(as_future), 20);
  EXPECT_EQ(seen, (std::vector<int>{20}));
  EXPECT_EQ(task.result(), 20);
  task.add_done_callback([&](detsim::Future<int>& f) { seen.push_back(-f.result()); });  // done: runs now
  EXPECT_EQ(seen, (std::vector<int>{20, -20}));
}

TEST(Task, IsNotStartedUntilScheduled) {
  detsim::EventLoop loop;
  auto task = answer();
  EXPECT_FALSE(task.started());
  EXPECT_FALSE(task.done());
  EXPECT_EQ(task.task_id(), 0u);
  EXPECT_EQ(task.name(), "");
  (void)loop.create_task(task);
  EXPECT_TRUE(task.started());
  EXPECT_FALSE(task.done());  // only scheduled: the first step runs in the loop
  EXPECT_EQ(loop.ready_count(), 1u);
}

TEST(Task, CreateTaskTwiceRaises) {
  detsim::EventLoop loop;
  auto task = loop.create_task(answer(), "once");
  try {
    (void)loop.create_task(task);
    FAIL() << "expected RuntimeError";
  } catch (const detsim::RuntimeError& error) {
    EXPECT_EQ(error.id(), "detsim.task.already_scheduled");
    EXPECT_NE(error.message().find("'once'"), std::string_view::npos) << error.what();
  }
}

TEST(Task, CreateTaskOnAClosedLoopRaisesAndDestroysTheFrame) {
  Counted::reset();
  auto holds_counted = [](Counted) -> Task<void> { co_return; };
  detsim::EventLoop loop;
  loop.close();
  try {
    (void)loop.create_task(holds_counted(Counted{}));
    FAIL() << "expected RuntimeError";
  } catch (const detsim::RuntimeError& error) {
    EXPECT_EQ(error.id(), "detsim.loop.closed");
  }
  EXPECT_EQ(Counted::alive(), 0);
}

TEST(Task, AwaitingAnotherTaskGivesItsResult) {
  detsim::EventLoop loop;
  auto child = loop.create_task(twice(3));
  auto parent = [](Task<int> other) -> Task<int> { co_return co_await other + 1; };
  EXPECT_EQ(loop.run_until_complete(parent(child)), 7);
}

TEST(Task, AwaitingADoneTaskDoesNotSuspend) {
  // As asyncio: awaiting a done future returns at once, in the same step, so
  // a callback scheduled just before the await has not run yet.
  detsim::EventLoop loop;
  auto done = loop.create_task(answer());
  loop.run_until_complete(done);
  auto parent = [](Task<int> other, detsim::EventLoop& l) -> Task<bool> {
    bool other_ran = false;
    l.call_soon([&other_ran] { other_ran = true; });
    co_await other;
    const bool suspended = other_ran;
    co_await detsim::yield();  // let the callback run before the frame goes
    co_return suspended;
  };
  EXPECT_FALSE(loop.run_until_complete(parent(done, loop)));
}

TEST(Task, WakeUpIsAScheduledStepNotADirectResume) {
  // The waiter is woken through a done callback that calls call_soon.
  detsim::EventLoop loop;
  auto ready = loop.create_future<int>();
  std::vector<std::string> log;
  auto waiter = [](detsim::Future<int> f, std::vector<std::string>& out) -> Task<void> {
    out.push_back("got " + std::to_string(co_await f));
  };
  auto task = loop.create_task(waiter(ready, log));
  loop.call_soon([&] {
    ready.set_result(1);
    log.push_back("set_result returned");
    log.push_back("ready " + std::to_string(loop.ready_count()));
  });
  loop.run_until_complete(task);
  EXPECT_EQ(log, (std::vector<std::string>{"set_result returned", "ready 1", "got 1"}));
}

// ---- names and ids ------------------------------------------------------------------

TEST(Task, CoroutineAwaitedByATaskBecomesATaskOfItsOwn) {
  detsim::EventLoop loop;
  auto parent = [](std::vector<std::string>& names) -> Task<int> {
    auto child = twice(21);
    names.push_back("before: started=" + std::to_string(child.started()));
    int value = co_await child;
    names.push_back(child.name() + " id=" + std::to_string(child.task_id()));
    co_return value;
  };
  std::vector<std::string> names;
  auto task = loop.create_task(parent(names));
  EXPECT_EQ(loop.run_until_complete(task), 42);
  EXPECT_EQ(task.name(), "Task-1");
  EXPECT_EQ(task.task_id(), 1u);
  EXPECT_EQ(names, (std::vector<std::string>{"before: started=0", "Task-2 id=2"}));
}

TEST(Task, IdsAndDefaultNamesFollowSchedulingOrderNotCreationOrder) {
  detsim::EventLoop loop;
  auto created_first = answer();
  auto created_second = answer();
  (void)loop.create_task(created_second);
  (void)loop.create_task(created_first);
  EXPECT_EQ(created_second.name(), "Task-1");
  EXPECT_EQ(created_first.name(), "Task-2");
  EXPECT_EQ(created_first.task_id(), 2u);
}

TEST(Task, ExplicitNamesKeepTheirNameButTakeAnId) {
  // Default names are "Task-<id>" (so a name always matches its id); a named
  // task still takes the next id. (asyncio counts only unnamed tasks.)
  detsim::EventLoop loop;
  auto named = loop.create_task(answer(), "main");
  auto unnamed = loop.create_task(answer());
  auto renamed = answer();
  renamed.set_name("preset");
  (void)loop.create_task(renamed);
  EXPECT_EQ(named.name(), "main");
  EXPECT_EQ(named.task_id(), 1u);
  EXPECT_EQ(unnamed.name(), "Task-2");
  EXPECT_EQ(renamed.name(), "preset");
  EXPECT_EQ(renamed.task_id(), 3u);
}

TEST(Task, NamesAreTheSameOnEveryRun) {
  auto run = [] {
    detsim::EventLoop loop{detsim::RandomScheduler{3}};
    std::vector<std::string> names;
    auto spawner = [](std::vector<std::string>& out) -> Task<void> {
      std::vector<Task<int>> children;
      for (int i = 0; i < 5; ++i) children.push_back(detsim::get_running_loop().create_task(twice(i)));
      for (auto& child : children) {
        co_await child;
        out.push_back(child.name());
      }
    };
    loop.run_until_complete(spawner(names));
    return names;
  };
  const auto first = run();
  EXPECT_EQ(first, (std::vector<std::string>{"Task-2", "Task-3", "Task-4", "Task-5", "Task-6"}));
  EXPECT_EQ(run(), first);
}

// ---- exceptions -----------------------------------------------------------------------

TEST(Task, ExceptionPropagatesOutOfRunUntilComplete) {
  detsim::EventLoop loop;
  auto task = loop.create_task(fail_with("bad"));
  EXPECT_THROW(loop.run_until_complete(task), std::runtime_error);
  EXPECT_TRUE(task.done());
  EXPECT_FALSE(task.cancelled());
  EXPECT_EQ(what(task.exception()), "bad");
}

TEST(Task, ExceptionPropagatesToTheAwaiter) {
  detsim::EventLoop loop;
  auto parent = []() -> Task<std::string> {
    try {
      co_await fail_with("deep");
    } catch (const std::runtime_error& error) {
      co_return std::string("caught ") + error.what();
    }
    co_return "not caught";
  };
  EXPECT_EQ(loop.run_until_complete(parent()), "caught deep");
}

TEST(Task, UnretrievedTaskExceptionIsReportedWithTheTaskName) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  {
    auto task = loop.create_task(fail_with("unseen"), "worker");
    loop.run_until_complete(sleep_for(1s));
    EXPECT_TRUE(task.done());
    EXPECT_TRUE(exceptions.contexts.empty());
  }  // last handle dropped
  ASSERT_EQ(exceptions.contexts.size(), 1u);
  EXPECT_EQ(exceptions.contexts[0].message, "Task exception was never retrieved");  // asyncio's text
  EXPECT_EQ(exceptions.contexts[0].task_name, "worker");
  EXPECT_EQ(what(exceptions.contexts[0].exception), "unseen");
}

TEST(Task, UnretrievedTaskExceptionIsReportedAtClose) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  auto task = loop.create_task(fail_with("kept"));
  loop.run_until_complete(sleep_for(1s));
  loop.close();
  ASSERT_EQ(exceptions.contexts.size(), 1u);
  EXPECT_EQ(exceptions.contexts[0].message, "Task exception was never retrieved");
  EXPECT_EQ(exceptions.contexts[0].task_name, "Task-1");
  EXPECT_EQ(exceptions.contexts[0].future, task.id());
}

// As asyncio's Task.cancel(): cancelling a task that already failed returns
// false and clears its "never retrieved" report.
TEST(Task, CancelOfAFailedTaskClearsTheNeverRetrievedReport) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  {
    auto task = loop.create_task(fail_with("dropped"));
    loop.run_until_complete(sleep_for(1s));
    EXPECT_FALSE(task.cancel());
    EXPECT_FALSE(task.cancelled());
  }  // last handle dropped
  EXPECT_TRUE(exceptions.contexts.empty());
  auto kept = loop.create_task(fail_with("kept"));
  loop.run_until_complete(sleep_for(1s));
  EXPECT_FALSE(kept.cancel());
  loop.close();
  EXPECT_TRUE(exceptions.contexts.empty());
}

TEST(Task, AwaitedTaskExceptionIsNotReported) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  auto parent = []() -> Task<void> {
    try {
      co_await fail_with("seen");
    } catch (const std::runtime_error&) {
    }
  };
  loop.run_until_complete(parent());
  loop.close();
  EXPECT_TRUE(exceptions.contexts.empty());
}

TEST(Task, SetResultOnATaskRaises) {
  detsim::EventLoop loop;
  auto task = loop.create_task(answer());
  try {
    task.set_result(1);
    FAIL() << "expected RuntimeError";
  } catch (const detsim::RuntimeError& error) {
    EXPECT_EQ(error.id(), "detsim.task.set_result");
    EXPECT_EQ(error.message(), "Task does not support set_result operation");  // asyncio's text
  }
  try {
    task.set_exception(std::make_exception_ptr(std::runtime_error("x")));
    FAIL() << "expected RuntimeError";
  } catch (const detsim::RuntimeError& error) {
    EXPECT_EQ(error.id(), "detsim.task.set_exception");
    EXPECT_EQ(error.message(), "Task does not support set_exception operation");
  }
  EXPECT_EQ(loop.run_until_complete(task), 42);
}

TEST(Task, MoveOnlyResult) {
  detsim::EventLoop loop;
  auto make = []() -> Task<std::unique_ptr<int>> {
    co_await detsim::yield();
    co_return std::make_unique<int>(11);
  };
  auto consume = [](Task<std::unique_ptr<int>> inner) -> Task<int> {
    std::unique_ptr<int> value = co_await inner;
    co_return *value + 1;
  };
  EXPECT_EQ(loop.run_until_complete(consume(make())), 12);
  std::unique_ptr<int> direct = loop.run_until_complete(make());
  ASSERT_NE(direct, nullptr);
  EXPECT_EQ(*direct, 11);
}

// ---- where co_await is allowed ----------------------------------------------------------

namespace {
// A minimal eager coroutine type that is not a detsim::Task.
struct Foreign {
  struct promise_type {
    Foreign get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

Foreign await_future_outside_a_task(detsim::Future<int> future, std::string& error_id) {
  try {
    co_await future;
  } catch (const detsim::RuntimeError& error) {
    error_id = error.id();
  }
}

Foreign sleep_outside_a_task(std::string& error_id) {
  try {
    co_await detsim::sleep(1s);
  } catch (const detsim::RuntimeError& error) {
    error_id = error.id();
  }
}
}  // namespace

TEST(Task, CoAwaitOutsideATaskRaises) {
  detsim::EventLoop loop;
  std::string future_error;
  await_future_outside_a_task(loop.create_future<int>(), future_error);
  EXPECT_EQ(future_error, "detsim.task.outside");
  std::string sleep_error;
  sleep_outside_a_task(sleep_error);
  EXPECT_EQ(sleep_error, "detsim.task.outside");
  // From a plain callback of a running loop too.
  std::string callback_error;
  loop.call_soon([&] { await_future_outside_a_task(loop.create_future<int>(), callback_error); });
  loop.call_soon([&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(callback_error, "detsim.task.outside");
}

TEST(Task, CoAwaitInAForeignCoroutineRunningInsideATaskRaises) {
  // The foreign coroutine runs during a task's step, but it is not that task:
  // if detsim registered the task as the waiter, the future's completion
  // would resume the task at whatever await it is really suspended in.
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  auto body = [](detsim::Future<int> f, std::string& future_error, std::string& sleep_error) -> Task<int> {
    await_future_outside_a_task(f, future_error);
    sleep_outside_a_task(sleep_error);
    co_await detsim::sleep(1s);
    co_return 1;
  };
  std::string future_error;
  std::string sleep_error;
  auto task = loop.create_task(body(future, future_error, sleep_error));
  loop.call_later(500ms, [&] { future.set_result(1); });
  EXPECT_EQ(loop.run_until_complete(task), 1);
  EXPECT_EQ(loop.now(), 1s);  // the task slept its full second
  EXPECT_EQ(future_error, "detsim.task.outside");
  EXPECT_EQ(sleep_error, "detsim.task.outside");
  loop.run_until_complete(sleep_for(5s));  // no stray wake-ups afterwards
}

TEST(Task, AwaitingItselfRaises) {
  detsim::EventLoop loop;
  auto self = std::make_shared<Task<void>>();
  auto body = [](std::shared_ptr<Task<void>> me) -> Task<void> {
    Task<void> copy = *me;
    me.reset();
    co_await copy;
  };
  *self = loop.create_task(body(self));
  try {
    loop.run_until_complete(*self);
    FAIL() << "expected RuntimeError";
  } catch (const detsim::RuntimeError& error) {
    EXPECT_EQ(error.id(), "detsim.task.await_self");
  }
}

TEST(Task, AwaitingAFutureOfAnotherLoopRaises) {
  detsim::EventLoop other;
  auto foreign = other.create_future<int>();
  detsim::EventLoop loop;
  auto body = [](detsim::Future<int> f) -> Task<std::string> {
    try {
      co_await f;
    } catch (const detsim::RuntimeError& error) {
      co_return error.id();
    }
    co_return "no error";
  };
  EXPECT_EQ(loop.run_until_complete(body(foreign)), "detsim.task.wrong_loop");
}

// ---- cancellation ------------------------------------------------------------------------

TEST(Task, CancelWhileSleepingThrowsAtTheAwaitPoint) {
  detsim::EventLoop loop;
  std::string outcome;
  auto task = loop.create_task(sleeper(1h, outcome));
  loop.call_later(1s, [&] { EXPECT_TRUE(task.cancel("enough")); });
  auto error = expect_error<detsim::CancelledError>([&] { loop.run_until_complete(task); });
  EXPECT_EQ(error.cancel_message(), "enough");
  EXPECT_EQ(outcome, "cancelled: enough");
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(loop.now(), 1s);  // woken by the cancel, not by the timer
  // The sleep's timer was cancelled: running past its deadline wakes nothing.
  loop.run_until_complete(sleep_for(2h));
  EXPECT_EQ(outcome, "cancelled: enough");
}

TEST(Task, CancelWhileAwaitingAFutureCancelsTheFuture) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  auto waiter = [](detsim::Future<int> f, std::string& outcome) -> Task<void> {
    try {
      co_await f;
    } catch (const detsim::CancelledError& error) {
      outcome = "cancelled: " + error.cancel_message();
      throw;
    }
  };
  std::string outcome;
  auto task = loop.create_task(waiter(future, outcome));
  loop.call_later(1s, [&] { task.cancel("stop waiting"); });
  expect_error<detsim::CancelledError>([&] { loop.run_until_complete(task); });
  EXPECT_EQ(outcome, "cancelled: stop waiting");
  EXPECT_TRUE(future.cancelled());  // asyncio cancels the awaited future
  EXPECT_TRUE(task.cancelled());
}

TEST(Task, CancelWhileAwaitingAChildTaskCancelsTheChild) {
  detsim::EventLoop loop;
  std::string child_outcome;
  auto child = loop.create_task(sleeper(1h, child_outcome), "child");
  auto parent = [](Task<int> c) -> Task<int> { co_return co_await c; };
  auto parent_task = loop.create_task(parent(child), "parent");
  loop.call_later(1s, [&] { parent_task.cancel("from above"); });
  auto error = expect_error<detsim::CancelledError>([&] { loop.run_until_complete(parent_task); });
  EXPECT_EQ(error.cancel_message(), "from above");
  EXPECT_EQ(child_outcome, "cancelled: from above");
  EXPECT_TRUE(child.cancelled());
  EXPECT_TRUE(parent_task.cancelled());
}

TEST(Task, ParentContinuesIfTheChildSwallowsTheCancellation) {
  // asyncio: cancel() cancels what the task awaits; if that child handles the
  // CancelledError and returns, the parent gets the value and is not cancelled.
  detsim::EventLoop loop;
  std::string child_outcome;
  auto parent = [](std::string& outcome) -> Task<int> { co_return co_await sleeper(1h, outcome, true) + 1; };
  auto parent_task = loop.create_task(parent(child_outcome));
  loop.call_later(1s, [&] { parent_task.cancel(); });
  EXPECT_EQ(loop.run_until_complete(parent_task), 8);
  EXPECT_EQ(child_outcome, "cancelled: ");
  EXPECT_FALSE(parent_task.cancelled());
}

TEST(Task, CancelBeforeTheFirstStepSkipsTheBody) {
  Counted::reset();
  detsim::EventLoop loop;
  bool body_ran = false;
  auto body = [](Counted, bool& ran) -> Task<int> {
    ran = true;
    co_return 1;
  };
  auto task = loop.create_task(body(Counted{}, body_ran));
  EXPECT_TRUE(task.cancel("early"));
  auto error = expect_error<detsim::CancelledError>([&] { loop.run_until_complete(task); });
  EXPECT_EQ(error.cancel_message(), "early");
  EXPECT_FALSE(body_ran);
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(Counted::alive(), 0);
}

TEST(Task, CancelBeforeScheduledSkipsTheBody) {
  detsim::EventLoop loop;
  bool body_ran = false;
  auto body = [](bool& ran) -> Task<int> {
    ran = true;
    co_return 1;
  };
  auto task = body(body_ran);
  EXPECT_TRUE(task.cancel());
  expect_error<detsim::CancelledError>([&] { loop.run_until_complete(task); });
  EXPECT_FALSE(body_ran);
}

TEST(Task, TaskThatCatchesCancellationContinues) {
  detsim::EventLoop loop;
  std::string outcome;
  auto task = loop.create_task(sleeper(1h, outcome, true));
  loop.call_later(1s, [&] { task.cancel("try"); });
  EXPECT_EQ(loop.run_until_complete(task), 7);
  EXPECT_EQ(outcome, "cancelled: try");
  EXPECT_FALSE(task.cancelled());
}

TEST(Task, TaskThatCatchesCancellationCanAwaitAgain) {
  detsim::EventLoop loop;
  auto body = []() -> Task<std::string> {
    try {
      co_await detsim::sleep(1h);
    } catch (const detsim::CancelledError&) {
    }
    co_await detsim::sleep(2s);  // the cancellation was consumed
    co_return "slept again";
  };
  auto task = loop.create_task(body());
  loop.call_later(1s, [&] { task.cancel(); });
  EXPECT_EQ(loop.run_until_complete(task), "slept again");
  EXPECT_EQ(loop.now(), 3s);
}

TEST(Task, CancelWhileYieldingThrowsAtTheYield) {
  detsim::EventLoop loop;
  auto body = [](std::vector<std::string>& log) -> Task<void> {
    log.push_back("before");
    try {
      co_await detsim::yield();
    } catch (const detsim::CancelledError&) {
      log.push_back("cancelled at yield");
      throw;
    }
    log.push_back("after");
  };
  std::vector<std::string> log;
  auto task = loop.create_task(body(log));
  loop.call_soon([&] { task.cancel(); });  // runs after the first step
  expect_error<detsim::CancelledError>([&] { loop.run_until_complete(task); });
  EXPECT_EQ(log, (std::vector<std::string>{"before", "cancelled at yield"}));
}

TEST(Task, CancelOnADoneTaskReturnsFalse) {
  detsim::EventLoop loop;
  auto task = loop.create_task(answer());
  loop.run_until_complete(task);
  EXPECT_FALSE(task.cancel());
  EXPECT_FALSE(task.cancelled());
  EXPECT_EQ(task.result(), 42);
  detsim::Future<int> as_future = task;
  EXPECT_FALSE(as_future.cancel());
}

TEST(Task, FutureCancelOnATaskCancelsTheTask) {
  detsim::EventLoop loop;
  std::string outcome;
  auto task = loop.create_task(sleeper(1h, outcome));
  detsim::Future<int> as_future = task;
  loop.call_later(1s, [&] { as_future.cancel("via future"); });
  expect_error<detsim::CancelledError>([&] { loop.run_until_complete(task); });
  EXPECT_EQ(outcome, "cancelled: via future");
}

namespace {
// Tasks that await each other in a ring: each gets the next one's handle
// through a future, then awaits it. A deadlock, with no way out but cancel().
std::vector<Task<int>> start_await_ring(detsim::EventLoop& loop, std::size_t size) {
  auto await_next = [](detsim::Future<Task<int>> next) -> Task<int> {
    Task<int> task = co_await next;
    co_return co_await task;
  };
  std::vector<detsim::Future<Task<int>>> links;
  std::vector<Task<int>> tasks;
  for (std::size_t i = 0; i < size; ++i) {
    links.push_back(loop.create_future<Task<int>>());
    tasks.push_back(loop.create_task(await_next(links.back())));
  }
  for (std::size_t i = 0; i < size; ++i) links[i].set_result(tasks[(i + 1) % size]);
  return tasks;
}
}  // namespace

TEST(Task, CancellingARingOfTasksAwaitingEachOtherCancelsThemAll) {
  // cancel() cancels what the task awaits, which cancels what that one
  // awaits... Around a ring this must not recurse forever (asyncio raises
  // RecursionError here); the cancellation must still reach every task.
  for (std::size_t size : {2u, 3u}) {
    detsim::EventLoop loop;
    auto ring = start_await_ring(loop, size);
    loop.call_later(1s, [&] { EXPECT_TRUE(ring[0].cancel("watchdog")); });
    auto error = expect_error<detsim::CancelledError>([&] { loop.run_until_complete(ring[0]); });
    EXPECT_EQ(error.cancel_message(), "watchdog");
    loop.run_until_complete(sleep_for(1s));
    for (auto& task : ring) EXPECT_TRUE(task.cancelled()) << "ring of " << size << ": " << task.name();
  }
}

// Awaits the task `next` gives, noting in `log` the CancelledError that
// passes through it on the way back.
Task<int> await_and_note(detsim::Future<Task<int>> next, std::string name, std::string& log) {
  Task<int> task = co_await next;
  try {
    co_return co_await task;
  } catch (const detsim::CancelledError& error) {
    log += name;
    log += " caught " + error.cancel_message() + "; ";
    throw;
  }
}

// A chain of tasks awaiting into a ring (a "rho"): the cancel() walks the
// chain, enters the ring and breaks it where the chain enters it, at the
// ring's last task here; the CancelledErrors travel back from there. Which
// task breaks the ring shows in the order the tasks catch them (the same
// before and after the walk found the ring once instead of at every task).
TEST(Task, CancellingAChainIntoARingBreaksTheRingWhereTheChainEntersIt) {
  const std::map<std::pair<std::size_t, std::size_t>, std::string> expected = {
      {{2, 1}, "R1 caught watchdog; R0 caught watchdog; T0 caught watchdog; "},
      {{2, 2}, "R1 caught watchdog; R0 caught watchdog; T0 caught watchdog; T1 caught watchdog; "},
      {{3, 1}, "R2 caught watchdog; R1 caught watchdog; T0 caught watchdog; R0 caught watchdog; "},
      {{3, 2}, "R2 caught watchdog; R1 caught watchdog; T0 caught watchdog; R0 caught watchdog; T1 caught watchdog; "},
  };
  for (const auto& [shape, order] : expected) {
    const auto [ring_size, tail] = shape;
    detsim::EventLoop loop;
    std::string log;
    // R0 -> R1 -> ... -> R0, and T(tail-1) -> ... -> T0 -> R(ring_size-1).
    std::vector<detsim::Future<Task<int>>> links;
    std::vector<Task<int>> tasks;
    for (std::size_t i = 0; i < ring_size + tail; ++i) {
      links.push_back(loop.create_future<Task<int>>());
      std::string name = i < ring_size ? "R" : "T";  // appended: g++ 12 warns (-Wrestrict) on "R" + string
      name += std::to_string(i < ring_size ? i : i - ring_size);
      tasks.push_back(loop.create_task(await_and_note(links.back(), name, log)));
    }
    for (std::size_t i = 0; i < ring_size; ++i) links[i].set_result(tasks[(i + 1) % ring_size]);
    for (std::size_t i = ring_size; i < ring_size + tail; ++i) links[i].set_result(tasks[i - 1]);
    Task<int>& last = tasks.back();
    loop.call_later(1s, [&] { EXPECT_TRUE(last.cancel("watchdog")); });
    EXPECT_THROW(loop.run_until_complete(last), detsim::CancelledError);
    loop.run_until_complete(sleep_for(1s));
    EXPECT_EQ(log, order) << "ring of " << ring_size << ", tail of " << tail;
    for (auto& task : tasks) EXPECT_TRUE(task.cancelled());
  }
}

// The ring forms while a cancel() is under way: X -> A -> B -> f, and X is
// cancelled. f's done callback runs the loop, so B catches, then awaits A
// (a ring A <-> B with X its tail, X and A flagged by the outer cancel), and
// cancels X again. The inner cancel() finds X flagged but not on the ring,
// and must break the ring at A, where the chain enters it (so the inner
// message reaches A first), as it did when every flagged task was asked
// whether its chain led back to it.
TEST(Task, ARingFormedUnderACancelIsBrokenWhereTheChainEntersIt) {
  detsim::EventLoop loop;
  auto f = loop.create_future<int>();
  std::optional<Task<int>> a, b, x;
  std::string log;
  auto b_body = [&]() -> Task<int> {
    try {
      co_await f;
    } catch (const detsim::CancelledError& error) {
      log += "B caught " + error.cancel_message() + "; ";
    }
    try {
      co_return co_await *a;
    } catch (const detsim::CancelledError& error) {
      log += "B caught again " + error.cancel_message() + "; ";
      throw;
    }
  };
  // Awaits `target` (set by the time it runs), noting its CancelledError.
  auto await_noting = [&log](std::optional<Task<int>>& target, std::string name) -> Task<int> {
    try {
      co_return co_await *target;
    } catch (const detsim::CancelledError& error) {
      log += name;
      log += " caught " + error.cancel_message() + "; ";
      throw;
    }
  };
  b.emplace(loop.create_task(b_body(), "B"));
  a.emplace(loop.create_task(await_noting(b, "A"), "A"));
  x.emplace(loop.create_task(await_noting(a, "X"), "X"));
  loop.run_until_idle();  // X -> A -> B -> f
  // Registered after B's wake-up, so it runs after B is woken.
  f.add_done_callback([&](detsim::Future<int>&) {
    loop.run_until_idle();
    EXPECT_TRUE(x->cancel("inner"));
  });
  EXPECT_TRUE(x->cancel("outer"));
  loop.run_until_idle();
  EXPECT_EQ(log, "B caught outer; A caught inner; X caught inner; B caught again inner; ");
  EXPECT_TRUE(x->cancelled());
  EXPECT_TRUE(a->cancelled());
  EXPECT_TRUE(b->cancelled());
}

// A done callback of the awaited future, registered before the task's
// wake-up, cancels the task again while the first cancel() is cancelling
// that future. The second cancel() must not schedule a step of its own: the
// wake-up, already taken out with the future's callbacks, schedules one.
// (It scheduled two, and the second ran a finished task.) As in asyncio
// (3.11, checked), the coroutine gets the cancelled future's own
// CancelledError, with the first message.
TEST(Task, CancelFromACallbackOfTheFutureItCancelsTakesOneStep) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::optional<Task<void>> task;
  future.add_done_callback([&](detsim::Future<int>&) { EXPECT_TRUE(task->cancel("again")); });
  int resumed = 0;
  std::string seen;
  auto waiter = [](detsim::Future<int> f, int& cancelled_at_await, std::string& message) -> Task<void> {
    try {
      co_await f;
    } catch (const detsim::CancelledError& error) {
      ++cancelled_at_await;
      message = error.cancel_message();
      throw;
    }
  };
  task.emplace(loop.create_task(waiter(future, resumed, seen)));
  loop.call_later(1s, [&] { EXPECT_TRUE(task->cancel("first")); });
  const auto error = expect_error<detsim::CancelledError>([&] { loop.run_until_complete(*task); });
  EXPECT_EQ(seen, "first");
  EXPECT_EQ(error.cancel_message(), "first");
  EXPECT_EQ(resumed, 1);
  EXPECT_TRUE(future.cancelled());
  loop.run_until_complete(sleep_for(1s));  // nothing else is scheduled for it
  EXPECT_TRUE(task->cancelled());
}

// The same second cancel() one task up a chain: outer awaits inner, which
// awaits the future. It is passed on down the chain like the first (only a
// cancel() that comes back around a ring of tasks stops short), so when
// inner swallows the cancellation outer still gets inner's result, as in
// asyncio (3.11, checked: outer returns 5). outer gave up on inner instead.
TEST(Task, CancelFromACallbackDownTheChainReachesTheChildThatSwallowsIt) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::optional<Task<int>> outer;
  future.add_done_callback([&](detsim::Future<int>&) { EXPECT_TRUE(outer->cancel("again")); });
  auto swallowing = [](detsim::Future<int> f) -> Task<int> {
    try {
      co_await f;
    } catch (const detsim::CancelledError&) {
      co_return 5;
    }
    co_return 0;
  };
  auto passing = [](Task<int> child) -> Task<int> { co_return co_await child; };
  auto inner = loop.create_task(swallowing(future));
  outer.emplace(loop.create_task(passing(inner)));
  loop.call_later(1s, [&] { EXPECT_TRUE(outer->cancel("first")); });
  EXPECT_EQ(loop.run_until_complete(*outer), 5);
  EXPECT_FALSE(outer->cancelled());
  EXPECT_EQ(inner.result(), 5);
}

TEST(Task, SelfCancelThenReturnEndsCancelled) {
  // asyncio: a task whose cancel() was requested while it ran ends cancelled
  // even if its coroutine then returns without awaiting ("Task is cancelled
  // right before coro stops").
  detsim::EventLoop loop;
  auto self = std::make_shared<Task<int>>();
  auto body = [](std::shared_ptr<Task<int>> me) -> Task<int> {
    EXPECT_TRUE(me->cancel("self"));
    me.reset();
    co_return 5;
  };
  *self = loop.create_task(body(self));
  Task<int> task = *self;
  self.reset();
  auto error = expect_error<detsim::CancelledError>([&] { loop.run_until_complete(task); });
  EXPECT_EQ(error.cancel_message(), "self");
  EXPECT_TRUE(task.cancelled());
}

TEST(Task, CancelDuringItsOwnStepThenSleepingCancelsAtTheSleep) {
  detsim::EventLoop loop;
  auto self = std::make_shared<Task<int>>();
  auto body = [](std::shared_ptr<Task<int>> me, std::string& outcome) -> Task<int> {
    me->cancel("self");
    me.reset();
    try {
      co_await detsim::sleep(1h);
      outcome = "slept";
    } catch (const detsim::CancelledError& error) {
      outcome = "cancelled: " + error.cancel_message();
    }
    co_return 5;
  };
  std::string outcome;
  *self = loop.create_task(body(self, outcome));
  Task<int> task = *self;
  EXPECT_EQ(loop.run_until_complete(task), 5);
  EXPECT_EQ(outcome, "cancelled: self");
  EXPECT_EQ(loop.now(), 0s);
}

// ---- cancellation requests (cancelling, uncancel) ------------------------------------------
// Python 3.11's counts, pinned against CPython by tests/asyncio (the
// cancelling_* and uncancel_* programs); here, what only detsim has.

TEST(TaskCancelling, FutureCancelOnATaskCountsARequest) {
  detsim::EventLoop loop;
  std::string outcome;
  auto task = loop.create_task(sleeper(1h, outcome, /*swallow=*/true));
  detsim::Future<int> as_future = task;
  loop.call_later(1s, [&] { as_future.cancel(); });
  EXPECT_EQ(loop.run_until_complete(task), 7);
  EXPECT_EQ(task.cancelling(), 1u);
  EXPECT_FALSE(as_future.cancel());
  EXPECT_EQ(task.cancelling(), 1u);
}

TEST(TaskCancelling, CancelOfAnUnscheduledTaskCounts) {
  detsim::EventLoop loop;
  auto task = answer();
  EXPECT_EQ(task.cancelling(), 0u);
  EXPECT_TRUE(task.cancel());
  EXPECT_EQ(task.cancelling(), 1u);
  expect_error<detsim::CancelledError>([&] { loop.run_until_complete(task); });
  EXPECT_EQ(task.cancelling(), 1u);
}

TEST(TaskCancelling, EachPendingTaskDownAChainOfAwaitsCountsEveryRequest) {
  // asyncio's cancel() recurses down the awaits: every task reached counts.
  detsim::EventLoop loop;
  std::string outcome;
  auto bottom = loop.create_task(sleeper(1h, outcome));
  auto middle = loop.create_task([](Task<int> below) -> Task<int> { co_return co_await below; }(bottom));
  auto top = loop.create_task([](Task<int> below) -> Task<int> { co_return co_await below; }(middle));
  loop.call_later(1s, [&] {
    top.cancel();
    top.cancel();
  });
  expect_error<detsim::CancelledError>([&] { loop.run_until_complete(top); });
  EXPECT_EQ(outcome, "cancelled: ");
  // The second cancel() found the bottom's sleep cancelled already: it
  // counted in every task too, as asyncio's recursion does.
  EXPECT_EQ(top.cancelling(), 2u);
  EXPECT_EQ(middle.cancelling(), 2u);
  EXPECT_EQ(bottom.cancelling(), 2u);
  EXPECT_EQ(bottom.uncancel(), 1u);
  EXPECT_EQ(top.cancelling(), 2u);
}

TEST(TaskCancelling, TheTaskWhereARingIsBrokenCountsTheRequestTwice) {
  // asyncio has no count here (its cancel() recurses until RecursionError):
  // detsim counts each time the request passes a task, and it comes back
  // round the ring to the task where the ring is broken (README).
  for (std::size_t size : {2u, 3u}) {
    detsim::EventLoop loop;
    auto ring = start_await_ring(loop, size);
    loop.call_later(1s, [&] { ring[0].cancel(); });
    expect_error<detsim::CancelledError>([&] { loop.run_until_complete(ring[0]); });
    loop.run_until_complete(sleep_for(1s));
    EXPECT_EQ(ring[0].cancelling(), 2u) << "ring of " << size;
    for (std::size_t i = 1; i < size; ++i) EXPECT_EQ(ring[i].cancelling(), 1u) << "ring of " << size;
  }
}

TEST(TaskCancelling, ADoneAwaitedTaskIsNotCounted) {
  // The awaited task finished, and the wake-up of its awaiter is pending:
  // cancel() stops at the awaiter (asyncio: the done task's cancel() is
  // False and counts nothing).
  detsim::EventLoop loop;
  auto child = loop.create_task(answer());
  auto parent = loop.create_task([](Task<int> c) -> Task<int> { co_return co_await c; }(child));
  child.add_done_callback([&](detsim::Future<int>&) { parent.cancel(); });
  expect_error<detsim::CancelledError>([&] { loop.run_until_complete(parent); });
  EXPECT_EQ(parent.cancelling(), 1u);
  EXPECT_EQ(child.cancelling(), 0u);
}

// ---- loop-awaitables -----------------------------------------------------------------------

namespace {

// A minimal loop-controlled primitive, the example of detsim/core/task.hpp:
// tasks wait at the gate (co_await gate) until it opens. Each waiter gets a
// future of its own, so cancelling one leaves the others waiting.
class Gate {
 public:
  explicit Gate(detsim::EventLoop& loop) : loop_(loop) {}
  detsim::Future<void> loop_future() {
    auto waiter = loop_.create_future<void>();
    if (open_) {
      waiter.set_result();
    } else {
      waiters_.push_back(waiter);
    }
    return waiter;
  }
  void open() {
    open_ = true;
    for (auto& waiter : waiters_) {
      if (!waiter.done()) waiter.set_result();
    }
    waiters_.clear();
  }

 private:
  detsim::EventLoop& loop_;
  bool open_ = false;
  std::vector<detsim::Future<void>> waiters_;
};

// A temporary that hands over its future once: co_await Ticket{future}.
// (Not an aggregate: g++ 12 destroys an aggregate temporary written in a
// co_await twice, whatever is awaited; see detsim/core/task.hpp.)
class Ticket {
 public:
  explicit Ticket(detsim::Future<int> future) : future_(std::move(future)) {}
  detsim::Future<int> loop_future() && { return std::move(future_); }

 private:
  detsim::Future<int> future_;
};

// Has loop_future(), but what it returns is no detsim future.
struct NotAFutureInside {
  std::suspend_always loop_future() { return {}; }
};

static_assert(detsim::LoopAwaitable<Gate&>);
static_assert(detsim::LoopAwaitable<Gate>);
static_assert(detsim::LoopAwaitable<Ticket>);
static_assert(!detsim::LoopAwaitable<Ticket&>);  // its loop_future() is for temporaries
static_assert(detsim::LoopAwaitable<detsim::Future<int>&>);
static_assert(detsim::LoopAwaitable<const Task<int>&>);
static_assert(!detsim::LoopAwaitable<std::suspend_always>);
static_assert(!detsim::LoopAwaitable<NotAFutureInside>);
// (That a Task refuses these at compile time, with its message, is the
// compile_fail_* CTests': tests/core/compile_fail/.)

Task<void> pass_gate(Gate& gate, std::vector<std::string>& log, std::string name) {
  log.push_back(name + " waits");
  co_await gate;
  log.push_back(name + " passes");
}

// A loop's events, one line each: "<seq> <kind> task <t> future <f> <- <cause seq>".
struct EventLines final : detsim::LoopObserver {
  std::vector<std::string> lines;
  void on_event(const detsim::Event& event) override {
    std::string line = std::to_string(event.seq) + " " + std::string(detsim::to_string(event.kind));
    if (event.task != 0) line += " task " + std::to_string(event.task);
    if (event.future != 0) line += " future " + std::to_string(event.future);
    if (event.cause != 0) line += " <- " + std::to_string(event.cause);
    lines.push_back(line);
  }
};

}  // namespace

TEST(LoopAwaitable, ATaskAwaitsAGateDirectly) {
  detsim::EventLoop loop;
  Gate gate(loop);
  std::vector<std::string> log;
  auto first = loop.create_task(pass_gate(gate, log, "first"));
  auto second = loop.create_task(pass_gate(gate, log, "second"));
  loop.call_later(1s, [&] {
    gate.open();
    // Neither waiter ran inside open(): each wake-up is a step in the queue.
    log.push_back("open returned, ready " + std::to_string(loop.ready_count()));
  });
  loop.run_until_complete(second);
  EXPECT_TRUE(first.done());
  EXPECT_EQ(loop.now(), 1s);
  EXPECT_EQ(log, (std::vector<std::string>{"first waits", "second waits", "open returned, ready 2", "first passes",
                                           "second passes"}));
}

TEST(LoopAwaitable, TheWakeUpIsAScheduledStepInTheTrace) {
  // open() completes the waiter's future; its done callback schedules the
  // task's step with call_soon; the step runs when the scheduler picks it.
  // Event for event, ids and causes included, what awaiting a Future gives.
  auto run = [](bool through_gate) {
    detsim::EventLoop loop;
    EventLines events;
    loop.add_observer(events);
    Gate gate(loop);
    detsim::Future<void> door;
    auto waiter = [&]() -> Task<void> {
      if (through_gate) {
        co_await gate;
      } else {
        door = loop.create_future<void>();
        co_await door;
      }
    };
    loop.call_later(1s, [&] {
      if (through_gate) {
        gate.open();
      } else {
        door.set_result();
      }
    });
    loop.run_until_complete(waiter());
    loop.remove_observer(events);
    return events.lines;
  };
  const std::vector<std::string> through_gate = run(true);
  EXPECT_EQ(through_gate, (std::vector<std::string>{
                              "1 timer_scheduled",
                              "2 task_created task 1 future 1",
                              "3 call_soon task 1",
                              "4 loop_run",
                              "5 step task 1 <- 3",            // to co_await gate
                              "6 clock_advanced",
                              "7 timer_due <- 1",
                              "8 callback <- 7",               // open()
                              "9 set_result future 2 <- 8",    // the waiter's future
                              "10 done_callback future 2 <- 9",
                              "11 call_soon task 1 <- 10",     // the wake-up, scheduled
                              "12 step task 1 <- 11",          // and picked by the scheduler
                              "13 set_result task 1 future 1 <- 12",
                              "14 done_callback task 1 future 1 <- 13",
                              "15 loop_stop",
                          }));
  EXPECT_EQ(through_gate, run(false));
}

TEST(LoopAwaitable, EveryWakeUpIsASchedulerChoice) {
  // Two tasks woken by one open(): their steps are two ready candidates, and
  // a random scheduler runs them in either order, depending on the seed.
  std::set<std::vector<std::string>> orders;
  for (std::uint64_t seed = 1; seed <= 32; ++seed) {
    detsim::EventLoop loop{detsim::RandomScheduler{seed}};
    Gate gate(loop);
    std::vector<std::string> log;
    auto a = loop.create_task(pass_gate(gate, log, "a"));
    auto b = loop.create_task(pass_gate(gate, log, "b"));
    loop.call_later(1s, [&] { gate.open(); });
    loop.run_until_complete(a);
    loop.run_until_complete(b);
    std::erase_if(log, [](const std::string& line) { return line.ends_with("waits"); });
    orders.insert(log);
  }
  EXPECT_EQ(orders, (std::set<std::vector<std::string>>{{"a passes", "b passes"}, {"b passes", "a passes"}}));
}

TEST(LoopAwaitable, CancellingAWaiterCancelsOnlyItsOwnFuture) {
  detsim::EventLoop loop;
  Gate gate(loop);
  std::vector<std::string> log;
  auto cancelled = loop.create_task(pass_gate(gate, log, "cancelled"));
  auto passing = loop.create_task(pass_gate(gate, log, "passing"));
  loop.call_later(1s, [&] { cancelled.cancel("closing"); });
  loop.call_later(2s, [&] { gate.open(); });
  const auto error = expect_error<detsim::CancelledError>([&] { loop.run_until_complete(cancelled); });
  EXPECT_EQ(error.cancel_message(), "closing");
  loop.run_until_complete(passing);
  EXPECT_EQ(loop.now(), 2s);
  EXPECT_EQ(log, (std::vector<std::string>{"cancelled waits", "passing waits", "passing passes"}));
  EXPECT_EQ(cancelled.cancelling(), 1u);
}

TEST(LoopAwaitable, AnOpenGateDoesNotSuspend) {
  // Its future is done already: as when awaiting a done future, the task
  // goes on in the same step (a callback scheduled before has not run).
  detsim::EventLoop loop;
  Gate gate(loop);
  gate.open();
  auto body = [](Gate& g, detsim::EventLoop& l) -> Task<bool> {
    bool other_ran = false;
    l.call_soon([&other_ran] { other_ran = true; });
    co_await g;
    const bool suspended = other_ran;
    co_await detsim::yield();  // let the callback run before the frame goes
    co_return suspended;
  };
  EXPECT_FALSE(loop.run_until_complete(body(gate, loop)));
}

TEST(LoopAwaitable, ATemporaryHandsOverItsFutureAndItsValue) {
  detsim::EventLoop loop;
  auto reply = loop.create_future<int>();
  loop.call_later(1s, [&] { reply.set_result(7); });
  auto body = [](detsim::Future<int> r) -> Task<int> { co_return co_await Ticket{r} + 1; };
  EXPECT_EQ(loop.run_until_complete(body(reply)), 8);
  auto failing = loop.create_future<int>();
  failing.set_exception(std::make_exception_ptr(std::runtime_error("refused")));
  auto rethrows = [](detsim::Future<int> f) -> Task<std::string> {
    try {
      co_await Ticket{f};
    } catch (const std::runtime_error& error) {
      co_return error.what();
    }
    co_return "no error";
  };
  EXPECT_EQ(loop.run_until_complete(rethrows(failing)), "refused");
}

TEST(LoopAwaitable, AFutureOfAnotherLoopIsRefusedAsWhenAwaitedDirectly) {
  detsim::EventLoop other;
  auto foreign = other.create_future<int>();
  detsim::EventLoop loop;
  auto body = [](detsim::Future<int> f) -> Task<std::string> {
    try {
      co_await Ticket{f};
    } catch (const detsim::RuntimeError& error) {
      co_return error.id();
    }
    co_return "no error";
  };
  EXPECT_EQ(loop.run_until_complete(body(foreign)), "detsim.task.wrong_loop");
}

// ---- lifetimes ----------------------------------------------------------------------------

namespace {
Task<int> counted_sleeper(Counted, std::chrono::nanoseconds delay) {
  Counted local;
  co_await detsim::sleep(delay);
  co_return 1;
}

Task<int> counted_waiter(Counted, detsim::Future<int> future) {
  Counted local;
  co_return co_await future;
}

Task<int> counted_parent(Counted, Task<int> child) {
  Counted local;
  co_return co_await child;
}
}  // namespace

TEST(TaskLifetime, FrameIsDestroyedWhenTheTaskFinishes) {
  Counted::reset();
  detsim::EventLoop loop;
  auto task = loop.create_task(counted_sleeper(Counted{}, 1s));
  int alive_in_done_callback = -1;
  task.add_done_callback([&](auto&) { alive_in_done_callback = Counted::alive(); });
  loop.run_until_complete(task);
  EXPECT_EQ(alive_in_done_callback, 0);  // gone before anyone is told
  EXPECT_EQ(Counted::alive(), 0);
  EXPECT_GE(Counted::constructed, 2);
}

TEST(TaskLifetime, UnstartedTaskFrameIsDestroyedWithItsLastHandle) {
  Counted::reset();
  {
    auto task = counted_sleeper(Counted{}, 1s);
    auto copy = task;
    EXPECT_EQ(Counted::alive(), 1);  // the parameter, in the frame
  }
  EXPECT_EQ(Counted::alive(), 0);
}

TEST(TaskLifetime, ScheduledTaskOutlivesItsHandles) {
  Counted::reset();
  detsim::EventLoop loop;
  bool finished = false;
  {
    auto task = loop.create_task(counted_sleeper(Counted{}, 1s));
    task.add_done_callback([&](auto&) { finished = true; });
  }
  EXPECT_EQ(Counted::alive(), 1);
  loop.run_until_complete(sleep_for(2s));
  EXPECT_TRUE(finished);
  EXPECT_EQ(Counted::alive(), 0);
}

namespace {
// Starts one task of every pending kind on `loop`:
//   - waiting on a future nobody completes (the test keeps no handle to it);
//   - sleeping for a simulated year;
//   - a cycle: the frame holds a handle to the future the task awaits;
//   - a parent awaiting a child that sleeps;
//   - two tasks awaiting each other (frames hold each other's handles);
//   - scheduled but never stepped.
void start_pending_tasks(detsim::EventLoop& loop) {
  (void)loop.create_task(counted_waiter(Counted{}, loop.create_future<int>()));
  (void)loop.create_task(counted_sleeper(Counted{}, 24h * 365));
  auto cycle = [](Counted, detsim::Future<int> future) -> Task<int> {
    detsim::Future<int> held = future;  // held by the frame while awaited
    co_return co_await held;
  };
  (void)loop.create_task(cycle(Counted{}, loop.create_future<int>()));
  (void)loop.create_task(counted_parent(Counted{}, counted_sleeper(Counted{}, 24h)));
  auto first = loop.create_future<Task<int>>();
  auto second = loop.create_future<Task<int>>();
  auto await_other = [](Counted, detsim::Future<Task<int>> other) -> Task<int> {
    Task<int> task = co_await other;
    co_return co_await task;
  };
  auto a = loop.create_task(await_other(Counted{}, first));
  auto b = loop.create_task(await_other(Counted{}, second));
  first.set_result(b);
  second.set_result(a);
}
}  // namespace

TEST(TaskLifetime, CloseDestroysFramesOfPendingTasks) {
  Counted::reset();
  detsim::EventLoop loop;
  start_pending_tasks(loop);
  loop.call_later(1s, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_GT(Counted::alive(), 0);
  (void)loop.create_task(counted_sleeper(Counted{}, 1s));  // scheduled, never stepped
  loop.close();
  EXPECT_EQ(Counted::alive(), 0) << Counted::constructed << " constructed, " << Counted::destroyed << " destroyed";
}

TEST(TaskLifetime, DestroyingTheLoopDestroysFramesOfPendingTasks) {
  Counted::reset();
  {
    detsim::EventLoop loop;
    start_pending_tasks(loop);
    loop.call_later(1s, [&] { loop.stop(); });
    loop.run_forever();
    EXPECT_GT(Counted::alive(), 0);
  }
  EXPECT_EQ(Counted::alive(), 0) << Counted::constructed << " constructed, " << Counted::destroyed << " destroyed";
}

TEST(TaskLifetime, DeadlockedLoopCanBeClosed) {
  Counted::reset();
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  auto task = loop.create_task(counted_waiter(Counted{}, future));
  EXPECT_THROW(loop.run_until_complete(task), detsim::DeadlockError);
  EXPECT_FALSE(task.done());
  loop.close();
  EXPECT_EQ(Counted::alive(), 0);
  EXPECT_FALSE(task.done());  // abandoned, not completed
}

TEST(TaskLifetime, HandlesOutliveTheirLoopSafely) {
  Counted::reset();
  Task<int> task;
  detsim::Future<int> future;
  {
    detsim::EventLoop loop;
    future = loop.create_future<int>();
    task = loop.create_task(counted_waiter(Counted{}, future));
    loop.call_soon([&] { loop.stop(); });
    loop.run_forever();
  }
  EXPECT_EQ(Counted::alive(), 0);
  EXPECT_FALSE(task.done());
  future.set_result(1);         // no loop, no waiter left: nothing happens
  EXPECT_FALSE(task.done());
  EXPECT_TRUE(task.cancel());   // pending forever; must not touch the dead loop
  EXPECT_FALSE(task.done());
}

// ---- deep chains ----------------------------------------------------------------------------

namespace {
constexpr int chain_depth = 10000;

Task<int> chain(int depth, std::chrono::nanoseconds innermost_sleep) {
  Counted local;
  if (depth == 0) {
    co_await detsim::sleep(innermost_sleep);
    co_return 0;
  }
  co_return co_await chain(depth - 1, innermost_sleep) + 1;
}

Task<int> failing_chain(int depth) {
  if (depth == 0) {
    co_await detsim::yield();
    throw std::runtime_error("from the bottom");
  }
  co_return co_await failing_chain(depth - 1) + 1;
}
}  // namespace

TEST(TaskDeepChain, ResultPropagatesThroughTenThousandTasks) {
  Counted::reset();
  detsim::EventLoop loop;
  EXPECT_EQ(loop.run_until_complete(chain(chain_depth, 1s)), chain_depth);
  EXPECT_EQ(Counted::alive(), 0);
}

TEST(TaskDeepChain, ExceptionPropagatesThroughTenThousandTasks) {
  detsim::EventLoop loop;
  EXPECT_THROW(loop.run_until_complete(failing_chain(chain_depth)), std::runtime_error);
}

TEST(TaskDeepChain, CancellationReachesTheBottomOfTenThousandTasks) {
  Counted::reset();
  detsim::EventLoop loop;
  auto top = loop.create_task(chain(chain_depth, 24h));
  loop.call_later(1h, [&] { top.cancel("deep"); });
  auto error = expect_error<detsim::CancelledError>([&] { loop.run_until_complete(top); });
  EXPECT_EQ(error.cancel_message(), "deep");
  EXPECT_EQ(loop.now(), 1h);
  EXPECT_EQ(Counted::alive(), 0);
}

// Runs `work` on a thread whose stack is `bytes` long, and waits for it.
template <class F>
bool on_a_small_stack(std::size_t bytes, F work) {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, bytes);
  pthread_t thread;
  const auto trampoline = [](void* argument) -> void* {
    (*static_cast<F*>(argument))();
    return nullptr;
  };
  const bool started = pthread_create(&thread, &attributes, trampoline, &work) == 0;
  if (started) pthread_join(thread, nullptr);
  pthread_attr_destroy(&attributes);
  return started;
}

// cancel() walks the chain of awaits in a loop, so its depth costs no stack:
// it used to recurse once per task, and a chain of 300k tasks overflowed the
// main thread's 8 MiB (asyncio raises RecursionError at about 1000). Here
// 10k tasks on a 256 KiB stack, which the recursion overflowed (checked in
// the release preset).
TEST(TaskDeepChain, CancellingTenThousandTasksNeedsNoDeepStack) {
  std::string outcome;
  ASSERT_TRUE(on_a_small_stack(std::size_t{1} << 18, [&] {
    detsim::EventLoop loop;
    auto top = loop.create_task(chain(chain_depth, 24h));
    loop.call_later(1h, [&] { top.cancel("deep"); });
    try {
      loop.run_until_complete(top);
      outcome = "returned";
    } catch (const detsim::CancelledError& error) {
      outcome = "cancelled: " + error.cancel_message();
    }
  }));
  EXPECT_EQ(outcome, "cancelled: deep");
}

TEST(TaskDeepChain, ClosingTheLoopDestroysTenThousandPendingFrames) {
  Counted::reset();
  detsim::EventLoop loop;
  auto top = loop.create_task(chain(chain_depth, 24h));
  loop.call_later(1h, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(Counted::alive(), chain_depth + 1);
  loop.close();
  EXPECT_EQ(Counted::alive(), 0);
}
