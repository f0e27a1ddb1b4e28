// Tests for detsim::Future<T> (include/detsim/core/future.hpp): asyncio.Future's
// states, errors and done-callback rules, plus the seed's invariant.
#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <detsim/detsim.hpp>

#include "support/test_support.hpp"

using namespace std::chrono_literals;
using detsim_test::ExceptionLog;
using detsim_test::expect_error;
using detsim_test::what;

namespace {

}  // namespace

// ---- states and results ---------------------------------------------------------

TEST(Future, StartsPendingWithIdsFromTheLoopCounter) {
  detsim::EventLoop loop;
  auto first = loop.create_future<int>();
  auto second = loop.create_future<void>();
  EXPECT_TRUE(first.valid());
  EXPECT_FALSE(first.done());
  EXPECT_FALSE(first.cancelled());
  EXPECT_EQ(first.id(), 1u);
  EXPECT_EQ(second.id(), 2u);
  EXPECT_FALSE(detsim::Future<int>{}.valid());
}

TEST(Future, SetResultCompletesIt) {
  detsim::EventLoop loop;
  auto future = loop.create_future<std::string>();
  future.set_result("hello");
  EXPECT_TRUE(future.done());
  EXPECT_FALSE(future.cancelled());
  EXPECT_EQ(future.result(), "hello");
  EXPECT_EQ(future.exception(), nullptr);
}

TEST(Future, VoidFutureHasAResultWithoutAValue) {
  detsim::EventLoop loop;
  auto future = loop.create_future();
  EXPECT_THROW(future.result(), detsim::InvalidStateError);
  future.set_result();
  EXPECT_TRUE(future.done());
  EXPECT_NO_THROW(future.result());
}

TEST(Future, CopiesShareOneState) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  detsim::Future<int> copy = future;
  EXPECT_TRUE(copy == future);
  copy.set_result(3);
  EXPECT_TRUE(future.done());
  EXPECT_EQ(future.result(), 3);
  EXPECT_FALSE(future == loop.create_future<int>());
}

TEST(Future, HoldsMoveOnlyValues) {
  detsim::EventLoop loop;
  auto future = loop.create_future<std::unique_ptr<int>>();
  future.set_result(std::make_unique<int>(5));
  ASSERT_NE(future.result(), nullptr);
  EXPECT_EQ(*future.result(), 5);
  EXPECT_EQ(*loop.run_until_complete(future), 5);
}

TEST(Future, ResultBeforeDoneRaisesInvalidStateError) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  auto error = expect_error<detsim::InvalidStateError>([&] { (void)future.result(); });
  EXPECT_EQ(error.id(), "detsim.future.pending");
  EXPECT_EQ(error.message(), "Result is not set.");  // asyncio's text
  EXPECT_STREQ(error.what(), "[detsim.future.pending] Result is not set.");
}

TEST(Future, ExceptionBeforeDoneRaisesInvalidStateError) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  auto error = expect_error<detsim::InvalidStateError>([&] { (void)future.exception(); });
  EXPECT_EQ(error.id(), "detsim.future.pending");
  EXPECT_EQ(error.message(), "Exception is not set.");  // asyncio's text
}

TEST(Future, SetResultOnADoneFutureRaisesInvalidStateError) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  future.set_result(1);
  auto error = expect_error<detsim::InvalidStateError>([&] { future.set_result(2); });
  EXPECT_EQ(error.id(), "detsim.future.done");
  // asyncio: "invalid state" with the state name; ours names the call and state.
  EXPECT_NE(error.message().find("set_result"), std::string_view::npos) << error.what();
  EXPECT_NE(error.message().find("FINISHED"), std::string_view::npos) << error.what();
  EXPECT_EQ(future.result(), 1);  // unchanged
}

TEST(Future, SetExceptionOnADoneFutureRaisesInvalidStateError) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  future.cancel();
  auto error = expect_error<detsim::InvalidStateError>(
      [&] { future.set_exception(std::make_exception_ptr(std::runtime_error("late"))); });
  EXPECT_EQ(error.id(), "detsim.future.done");
  EXPECT_NE(error.message().find("CANCELLED"), std::string_view::npos) << error.what();
  EXPECT_TRUE(future.cancelled());
}

TEST(Future, SetExceptionWithNullIsRejected) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  EXPECT_THROW(future.set_exception(nullptr), detsim::InvalidStateError);
  EXPECT_FALSE(future.done());
}

TEST(Future, SetExceptionMakesResultRethrow) {
  ExceptionLog log;
  detsim::EventLoop loop;
  log.attach(loop);
  auto future = loop.create_future<int>();
  future.set_exception(std::make_exception_ptr(std::out_of_range("boom")));
  EXPECT_TRUE(future.done());
  EXPECT_FALSE(future.cancelled());
  EXPECT_THROW((void)future.result(), std::out_of_range);
  EXPECT_EQ(what(future.exception()), "boom");
}

TEST(Future, CancelCompletesItAsCancelled) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  EXPECT_TRUE(future.cancel("shutting down"));
  EXPECT_TRUE(future.done());
  EXPECT_TRUE(future.cancelled());
  auto error = expect_error<detsim::CancelledError>([&] { (void)future.result(); });
  EXPECT_EQ(error.id(), "detsim.cancelled");
  EXPECT_EQ(error.cancel_message(), "shutting down");
  EXPECT_NE(std::string(error.what()).find("shutting down"), std::string::npos);
  EXPECT_EQ(expect_error<detsim::CancelledError>([&] { (void)future.exception(); }).cancel_message(), "shutting down");
}

TEST(Future, CancelWithoutMessageHasAnEmptyCancelMessage) {
  detsim::EventLoop loop;
  auto future = loop.create_future<void>();
  EXPECT_TRUE(future.cancel());
  EXPECT_EQ(expect_error<detsim::CancelledError>([&] { future.result(); }).cancel_message(), "");
}

TEST(Future, CancelOnADoneFutureReturnsFalse) {
  detsim::EventLoop loop;
  auto finished = loop.create_future<int>();
  finished.set_result(1);
  EXPECT_FALSE(finished.cancel());
  EXPECT_FALSE(finished.cancelled());
  auto cancelled = loop.create_future<int>();
  EXPECT_TRUE(cancelled.cancel("first"));
  EXPECT_FALSE(cancelled.cancel("second"));
  EXPECT_EQ(expect_error<detsim::CancelledError>([&] { (void)cancelled.result(); }).cancel_message(), "first");
}

// ---- done callbacks -----------------------------------------------------------------

TEST(Future, AddDoneCallbackOnADoneFutureRunsItBeforeReturning) {
  // The seed's invariant.
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  future.set_result(4);
  bool returned = false;
  std::vector<std::string> log;
  future.add_done_callback([&](detsim::Future<int>& f) {
    log.push_back(returned ? "after return" : "before return");
    log.push_back("result " + std::to_string(f.result()));
  });
  returned = true;
  EXPECT_EQ(log, (std::vector<std::string>{"before return", "result 4"}));
  EXPECT_EQ(loop.ready_count(), 0u);  // not deferred through the loop
}

TEST(Future, AddDoneCallbackOnACancelledFutureRunsItBeforeReturning) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  future.cancel();
  int calls = 0;
  future.add_done_callback([&](detsim::Future<int>& f) { calls += f.cancelled() ? 1 : 100; });
  EXPECT_EQ(calls, 1);
}

TEST(Future, DoneCallbacksRunOnceInRegistrationOrderOnCompletion) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::vector<std::string> log;
  for (std::string name : {"a", "b", "c", "d"}) {
    future.add_done_callback([&log, name](detsim::Future<int>& f) { log.push_back(name + std::to_string(f.result())); });
  }
  EXPECT_TRUE(log.empty());
  future.set_result(7);
  // Run at completion, inside set_result: no loop iteration needed.
  EXPECT_EQ(log, (std::vector<std::string>{"a7", "b7", "c7", "d7"}));
  EXPECT_THROW(future.set_result(8), detsim::InvalidStateError);
  EXPECT_EQ(log.size(), 4u);  // never again
}

TEST(Future, DoneCallbacksRunOnCancellation) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::vector<bool> seen;
  future.add_done_callback([&](detsim::Future<int>& f) { seen.push_back(f.cancelled()); });
  future.add_done_callback([&](detsim::Future<int>& f) { seen.push_back(f.done()); });
  future.cancel();
  EXPECT_EQ(seen, (std::vector<bool>{true, true}));
}

TEST(Future, RemoveDoneCallbackReturnsHowManyWereRemoved) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::vector<int> ran;
  auto first = future.add_done_callback([&](auto&) { ran.push_back(1); });
  auto second = future.add_done_callback([&](auto&) { ran.push_back(2); });
  auto third = future.add_done_callback([&](auto&) { ran.push_back(3); });
  EXPECT_FALSE(first == second);
  EXPECT_EQ(future.remove_done_callback(second), 1u);
  EXPECT_EQ(future.remove_done_callback(second), 0u);
  EXPECT_EQ(future.remove_done_callback(detsim::CallbackId{9999}), 0u);
  future.set_result(0);
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));
  EXPECT_EQ(future.remove_done_callback(third), 0u);  // already ran
}

TEST(Future, RemovingTheFirstCallbackKeepsTheOrderOfLaterOnes) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::vector<int> ran;
  auto first = future.add_done_callback([&](auto&) { ran.push_back(1); });
  future.add_done_callback([&](auto&) { ran.push_back(2); });
  EXPECT_EQ(future.remove_done_callback(first), 1u);
  future.add_done_callback([&](auto&) { ran.push_back(3); });
  future.set_result(0);
  EXPECT_EQ(ran, (std::vector<int>{2, 3}));
}

TEST(Future, RemovingTheOnlyCallbackThenAddingRunsOnlyTheNewOne) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::vector<int> ran;
  auto only = future.add_done_callback([&](auto&) { ran.push_back(1); });
  EXPECT_EQ(future.remove_done_callback(only), 1u);
  future.add_done_callback([&](auto&) { ran.push_back(2); });
  EXPECT_EQ(future.remove_done_callback(only), 0u);
  future.set_result(0);
  EXPECT_EQ(ran, (std::vector<int>{2}));
}

TEST(Future, RemovingALaterCallbackDuringCompletionIsTooLate) {
  // Completion takes the callbacks out before running them (asyncio hands
  // them to call_soon): once it started, remove_done_callback finds nothing
  // and says so; the callback still runs.
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::vector<std::string> log;
  detsim::CallbackId second;
  future.add_done_callback([&](detsim::Future<int>& f) {
    log.push_back("first removes second: " + std::to_string(f.remove_done_callback(second)));
  });
  second = future.add_done_callback([&](auto&) { log.push_back("second"); });
  future.set_result(1);
  EXPECT_EQ(log, (std::vector<std::string>{"first removes second: 0", "second"}));
}

TEST(Future, ACallbackRemovingItselfWhileItRunsFindsNothingAndRunsOn) {
  // A lone callback runs where it is stored: removing it there would destroy
  // the callable (and its captured string) while it runs.
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::vector<std::string> log;
  detsim::CallbackId self;
  const std::string label(64, 'x');  // on the heap, so a destroyed copy shows under ASan
  self = future.add_done_callback([&log, &self, label](detsim::Future<int>& f) {
    const std::size_t removed = f.remove_done_callback(self);
    log.push_back(label.substr(0, 3) + " removed " + std::to_string(removed));
    EXPECT_EQ(f.remove_done_callback(detsim::CallbackId{}), 0u);
  });
  future.set_result(1);
  EXPECT_EQ(log, (std::vector<std::string>{"xxx removed 0"}));
  EXPECT_EQ(future.remove_done_callback(self), 0u);
  EXPECT_EQ(future.remove_done_callback(detsim::CallbackId{}), 0u);
}

namespace {
// Calls call_soon from its destructor: whatever a done callback's captures
// do when they are destroyed happens after the completion, caused by what
// completed the future.
struct ScheduleOnDestruction {
  detsim::EventLoop* loop;
  std::shared_ptr<int> alive = std::make_shared<int>(0);  // makes the capture non-trivial
  ScheduleOnDestruction(detsim::EventLoop& loop_) : loop(&loop_) {}
  ScheduleOnDestruction(ScheduleOnDestruction&& other) noexcept
      : loop(std::exchange(other.loop, nullptr)), alive(std::move(other.alive)) {}
  ~ScheduleOnDestruction() {
    if (loop) (void)loop->call_soon([] {});
  }
};

// The causes of the call_soon events of a run where a callback (event C)
// completes a future with `callbacks` done callbacks capturing a
// ScheduleOnDestruction; returns C's seq and the causes of the call_soon
// events that follow the completion.
std::pair<std::uint64_t, std::vector<std::uint64_t>> causes_after_completion(int callbacks) {
  struct Events final : detsim::LoopObserver {
    std::vector<detsim::Event> seen;
    void on_event(const detsim::Event& event) override { seen.push_back(event); }
  } events;
  detsim::EventLoop loop;
  loop.add_observer(events);
  auto future = loop.create_future<int>();
  for (int i = 0; i < callbacks; ++i) future.add_done_callback([guard = ScheduleOnDestruction(loop)](auto&) {});
  (void)loop.call_soon([&] { future.set_result(1); });
  loop.run_until_idle();
  loop.remove_observer(events);
  std::uint64_t completing = 0;
  std::vector<std::uint64_t> causes;
  for (const detsim::Event& event : events.seen) {
    if (event.kind == detsim::EventKind::callback && completing == 0) completing = event.seq;
    if (event.kind == detsim::EventKind::call_soon && completing != 0) causes.push_back(event.cause);
  }
  return {completing, causes};
}
}  // namespace

TEST(Future, WhatADoneCallbacksCapturesDoOnDestructionIsCausedByTheCompleter) {
  for (int callbacks : {1, 2}) {  // the inline slot alone, and with more callbacks
    const auto [completing, causes] = causes_after_completion(callbacks);
    ASSERT_NE(completing, 0u);
    EXPECT_EQ(causes, std::vector<std::uint64_t>(static_cast<std::size_t>(callbacks), completing))
        << callbacks << " callback(s)";
  }
}

TEST(Future, CallbackAddedFromACallbackRunsImmediately) {
  // The future is done while its callbacks run, so the seed's invariant
  // applies: the new callback runs inside add_done_callback, before the
  // callbacks registered after the one adding it. (asyncio would schedule it
  // with call_soon, after all of them.)
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::vector<std::string> log;
  future.add_done_callback([&](detsim::Future<int>& f) {
    log.push_back("a");
    f.add_done_callback([&](auto&) { log.push_back("nested"); });
    log.push_back("a returns");
  });
  future.add_done_callback([&](auto&) { log.push_back("b"); });
  future.set_result(1);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "nested", "a returns", "b"}));
}

TEST(Future, ExceptionInDoneCallbackGoesToTheHandlerAndOthersStillRun) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  auto future = loop.create_future<int>();
  std::vector<int> ran;
  future.add_done_callback([&](auto&) { ran.push_back(1); });
  future.add_done_callback([&](auto&) -> void { throw std::runtime_error("callback failed"); });
  future.add_done_callback([&](auto&) { ran.push_back(3); });
  EXPECT_NO_THROW(future.set_result(0));
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));
  ASSERT_EQ(exceptions.contexts.size(), 1u);
  EXPECT_EQ(exceptions.contexts[0].message, "Exception in done callback");
  EXPECT_EQ(what(exceptions.contexts[0].exception), "callback failed");
  EXPECT_EQ(exceptions.contexts[0].future, future.id());
}

TEST(Future, ExceptionInAnImmediateDoneCallbackGoesToTheHandler) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  auto future = loop.create_future<int>();
  future.set_result(0);
  EXPECT_NO_THROW(future.add_done_callback([](auto&) -> void { throw std::logic_error("now"); }));
  ASSERT_EQ(exceptions.contexts.size(), 1u);
  EXPECT_EQ(what(exceptions.contexts[0].exception), "now");
}

TEST(Future, CallbackMayDropTheLastHandle) {
  // set_result is called through the only handle, which the first callback
  // destroys: the state must stay alive until every callback has run.
  detsim::EventLoop loop;
  auto holder = std::make_unique<detsim::Future<int>>(loop.create_future<int>());
  int calls = 0;
  holder->add_done_callback([&](detsim::Future<int>& f) {
    holder.reset();
    calls += f.result();
  });
  holder->add_done_callback([&](detsim::Future<int>& f) { calls += f.result(); });
  holder->set_result(1);
  EXPECT_EQ(holder, nullptr);
  EXPECT_EQ(calls, 2);
}

TEST(Future, OutlivesItsLoop) {
  detsim::Future<int> future;
  {
    detsim::EventLoop loop;
    future = loop.create_future<int>();
  }
  int seen = 0;
  future.add_done_callback([&](detsim::Future<int>& f) { seen = f.result(); });
  future.set_result(9);
  EXPECT_EQ(seen, 9);
}

// An empty handle stops the program with a message that says so, not with a
// null dereference.
TEST(FutureDeathTest, UsingAnEmptyFutureOrTaskSaysSo) {
  const char* message = "an empty Future or Task";
  EXPECT_DEATH((void)detsim::Future<int>{}.done(), message);
  EXPECT_DEATH((void)detsim::Future<void>{}.set_result(), message);
  EXPECT_DEATH((void)detsim::Task<int>{}.name(), message);
  EXPECT_DEATH((void)detsim::Task<int>{}.cancel(), message);
}

// A result aligned past what operator new guarantees: its state takes the
// aligned operator new and delete, not the pool (ASan checks the pairing).
struct alignas(128) OverAligned {
  int value = 0;
};

detsim::Task<OverAligned> make_over_aligned(int value) {
  co_await detsim::yield();
  co_return OverAligned{value};
}

TEST(Future, OverAlignedResultsKeepTheirAlignment) {
  detsim::EventLoop loop;
  auto future = loop.create_future<OverAligned>();
  future.set_result(OverAligned{7});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&future.result()) % alignof(OverAligned), 0u);
  auto task = loop.create_task(make_over_aligned(8));
  EXPECT_EQ(loop.run_until_complete(task).value, 8);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&task.result()) % alignof(OverAligned), 0u);
  EXPECT_EQ(future.result().value, 7);
}

// ---- exceptions never retrieved ------------------------------------------------------

TEST(Future, UnretrievedExceptionIsReportedWhenTheLastHandleDrops) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  std::uint64_t id = 0;
  {
    auto future = loop.create_future<int>();
    id = future.id();
    future.set_exception(std::make_exception_ptr(std::runtime_error("lost")));
    auto copy = future;
    EXPECT_TRUE(exceptions.contexts.empty());
  }
  ASSERT_EQ(exceptions.contexts.size(), 1u);
  EXPECT_EQ(exceptions.contexts[0].message, "Future exception was never retrieved");  // asyncio's text
  EXPECT_EQ(what(exceptions.contexts[0].exception), "lost");
  EXPECT_EQ(exceptions.contexts[0].future, id);
  EXPECT_EQ(exceptions.contexts[0].task_name, "");
  loop.close();
  EXPECT_EQ(exceptions.contexts.size(), 1u);  // once
}

TEST(Future, UnretrievedExceptionIsReportedAtClose) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  auto future = loop.create_future<void>();
  future.set_exception(std::make_exception_ptr(std::runtime_error("at close")));
  EXPECT_TRUE(exceptions.contexts.empty());
  loop.close();
  ASSERT_EQ(exceptions.contexts.size(), 1u);
  EXPECT_EQ(exceptions.contexts[0].message, "Future exception was never retrieved");
  EXPECT_EQ(what(exceptions.contexts[0].exception), "at close");
}

TEST(Future, UnretrievedExceptionIsReportedWhenTheLoopIsDestroyed) {
  ExceptionLog exceptions;
  {
    detsim::EventLoop loop;
    exceptions.attach(loop);
    auto future = loop.create_future<int>();
    future.set_exception(std::make_exception_ptr(std::runtime_error("at destruction")));
  }
  ASSERT_EQ(exceptions.contexts.size(), 1u);
  EXPECT_EQ(what(exceptions.contexts[0].exception), "at destruction");
}

// asyncio's cancel() clears the report before its done test: cancelling a
// future that already failed returns false, and its exception is not
// reported, neither when the last handle drops nor at close.
TEST(Future, CancelOfAFailedFutureClearsTheNeverRetrievedReport) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  {
    auto dropped = loop.create_future<int>();
    dropped.set_exception(std::make_exception_ptr(std::runtime_error("dropped")));
    EXPECT_FALSE(dropped.cancel());
    EXPECT_FALSE(dropped.cancelled());
  }
  EXPECT_TRUE(exceptions.contexts.empty());
  auto kept = loop.create_future<void>();
  kept.set_exception(std::make_exception_ptr(std::runtime_error("kept")));
  EXPECT_FALSE(kept.cancel());
  loop.close();
  EXPECT_TRUE(exceptions.contexts.empty());
  EXPECT_EQ(what(kept.exception()), "kept");  // still there
}

TEST(Future, RetrievedExceptionIsNotReported) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  {
    auto by_result = loop.create_future<int>();
    by_result.set_exception(std::make_exception_ptr(std::runtime_error("1")));
    EXPECT_THROW((void)by_result.result(), std::runtime_error);
    auto by_exception = loop.create_future<int>();
    by_exception.set_exception(std::make_exception_ptr(std::runtime_error("2")));
    EXPECT_NE(by_exception.exception(), nullptr);
    auto by_run = loop.create_future<int>();
    by_run.set_exception(std::make_exception_ptr(std::runtime_error("3")));
    EXPECT_THROW(loop.run_until_complete(by_run), std::runtime_error);
    auto by_callback = loop.create_future<int>();
    by_callback.add_done_callback([](detsim::Future<int>& f) { (void)f.exception(); });
    by_callback.set_exception(std::make_exception_ptr(std::runtime_error("4")));
  }
  loop.close();
  EXPECT_TRUE(exceptions.contexts.empty()) << exceptions.contexts.front().message;
}

TEST(Future, CancelledFutureIsNotReported) {
  ExceptionLog exceptions;
  detsim::EventLoop loop;
  exceptions.attach(loop);
  {
    auto future = loop.create_future<int>();
    future.cancel("nobody cares");
  }
  loop.close();
  EXPECT_TRUE(exceptions.contexts.empty());
}

// ---- property -------------------------------------------------------------------------

// For any interleaving of adds and removes of done callbacks, then
// set_result: exactly the callbacks not removed run, once each, in
// registration order, and remove_done_callback reports 1 only the first time.
RC_GTEST_PROP(Future, OnlyNonRemovedCallbacksRunOnceInRegistrationOrder,
              (const std::vector<std::pair<bool, std::uint8_t>>& operations)) {
  detsim::EventLoop loop;
  auto future = loop.create_future<int>();
  std::vector<detsim::CallbackId> ids;
  std::set<std::size_t> removed;
  std::vector<std::size_t> ran;
  for (const auto& [add, which] : operations) {
    if (add || ids.empty()) {
      const std::size_t index = ids.size();
      ids.push_back(future.add_done_callback([&ran, index](auto&) { ran.push_back(index); }));
    } else {
      const std::size_t index = which % ids.size();
      const std::size_t expected = removed.insert(index).second ? 1 : 0;
      RC_ASSERT(future.remove_done_callback(ids[index]) == expected);
    }
  }
  RC_ASSERT(ran.empty());
  future.set_result(1);
  std::vector<std::size_t> expected;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!removed.count(i)) expected.push_back(i);
  }
  RC_ASSERT(ran == expected);
  for (const auto& id : ids) RC_ASSERT(future.remove_done_callback(id) == 0u);
}
