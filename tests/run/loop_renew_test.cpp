// EventLoop::renew (include/detsim/core/event_loop.hpp): a renewed loop runs
// a program exactly as a new loop with the same scheduler does, whatever
// the earlier run left behind (pending timers, blocked and unfinished tasks,
// an unretrieved exception, a halt, observers, limits, debug mode, an
// exception handler, a primitive that outlives the run), and what belonged
// to the earlier run sees a closed loop. Traces are compared event by event,
// and a difference names the first event that differs. renew_reseeded,
// which reseeds the scheduler in place (RandomScheduler::reseed), likewise.
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/asyncio/event.hpp>
#include <detsim/asyncio/lock.hpp>
#include <detsim/asyncio/queue.hpp>
#include <detsim/detsim.hpp>
#include <detsim/scheduling/registry.hpp>
#include <detsim/trace/divergence.hpp>
#include <detsim/trace/recorder.hpp>

namespace detsim_test {
namespace {

using namespace std::chrono_literals;
namespace asyncio = detsim::asyncio;

detsim::Task<void> worker(asyncio::Lock& lock, asyncio::Queue<int>& queue, int& total, int id) {
  for (int i = 0; i < 3; ++i) {
    auto held = co_await lock.hold();
    const int seen = total;
    co_await detsim::sleep(std::chrono::milliseconds(id + i));
    total = seen + 1;
    co_await queue.put(id);
  }
}

detsim::Task<void> sleeper() { co_await detsim::sleep(1h); }

detsim::Task<void> failing() {
  co_await detsim::yield();
  throw std::runtime_error("never retrieved");
}

// Tasks on a lock and a queue, timers, a task still sleeping when the root
// ends (a pending timer, an unfinished frame), a task whose exception is
// never retrieved (reported when the loop closes), and an Event that
// outlives the loop's runs (its trace id is per loop: renumbered per run).
void busy_program(detsim::EventLoop& loop, asyncio::Event& outliving) {
  loop.run_until_complete([](asyncio::Event& flag) -> detsim::Task<void> {
    flag.clear();  // (a halted run leaves it set)
    asyncio::Lock lock("total");
    asyncio::Queue<int> queue(2, "items");
    int total = 0;
    auto& running = detsim::get_running_loop();
    auto background = running.create_task(sleeper(), "sleeper");
    auto doomed = running.create_task(failing(), "doomed");
    auto a = running.create_task(worker(lock, queue, total, 1), "a");
    auto b = running.create_task(worker(lock, queue, total, 2), "b");
    flag.set();
    for (int i = 0; i < 6; ++i) (void)co_await queue.get();
    co_await a;
    co_await b;
  }(outliving));
}

// What a recorder saw of `program` on `loop`, closed at the end.
detsim::Trace record(detsim::EventLoop& loop, asyncio::Event& outliving) {
  detsim::TraceRecorder recorder(loop, detsim::TraceOptions{.program = "renew", .write_on_failure = false});
  try {
    busy_program(loop, outliving);
    loop.close();
    recorder.finish();
  } catch (...) {
    recorder.finish_from_current_exception();
  }
  return recorder.take_trace();
}

// Leaves `loop` in a mess: a run halted by a failure, with timers pending,
// tasks blocked, an observer and its exception handler still attached, and
// settings a new loop does not have.
struct Mess final : detsim::LoopObserver {
  int events = 0;
  int exceptions = 0;
  void on_event(const detsim::Event&) override { ++events; }
};

void make_a_mess(detsim::EventLoop& loop, Mess& mess, asyncio::Event& outliving) {
  loop.add_observer(mess);
  loop.set_debug(true);
  loop.set_limits(detsim::LoopLimits{.max_callbacks = 5});
  loop.set_exception_handler([&mess](const detsim::ExceptionContext&) { ++mess.exceptions; });
  EXPECT_THROW(busy_program(loop, outliving), detsim::BudgetExceededError);
}

// Whether the traces hold the same events, sites included; if not, the
// first divergence as the project describes it (first_divergence ignores
// sites, so a difference only there is reported apart).
::testing::AssertionResult same_events(const detsim::Trace& got, const detsim::Trace& expected) {
  if (const auto divergence = detsim::first_divergence(expected, got)) {
    return ::testing::AssertionFailure() << divergence->describe();
  }
  if (got.events != expected.events) return ::testing::AssertionFailure() << "the same events at other sites";
  return ::testing::AssertionSuccess();
}

TEST(RenewedLoop, RunsAProgramAsANewLoopDoesWhateverTheLastRunLeft) {
  for (const std::string spec : {"random", "pct:2", "pos", "swarm", "fifo"}) {
    for (std::uint64_t seed : {1u, 2u, 3u, 17u}) {
      asyncio::Event outliving("outliving");
      detsim::EventLoop fresh{detsim::make_scheduler(spec, seed)};
      const detsim::Trace expected = record(fresh, outliving);
      ASSERT_FALSE(expected.events.empty());

      detsim::EventLoop renewed{detsim::make_scheduler(spec, seed + 1000)};
      Mess mess;
      make_a_mess(renewed, mess, outliving);
      // (Renewing closes the old run, which tells the old handler of its
      // unretrieved exceptions; nothing of the new run may reach either.)
      renewed.renew(detsim::make_scheduler(spec, seed));
      EXPECT_FALSE(renewed.is_closed());
      EXPECT_FALSE(renewed.get_debug());
      const int events_before = mess.events;
      const int exceptions_before = mess.exceptions;
      const detsim::Trace got = record(renewed, outliving);

      ASSERT_TRUE(same_events(got, expected)) << spec << " seed " << seed;
      EXPECT_EQ(got.digest(), expected.digest()) << spec << " seed " << seed;
      EXPECT_EQ(got.footer, expected.footer) << spec << " seed " << seed;
      EXPECT_EQ(renewed.schedule_digest(), fresh.schedule_digest()) << spec << " seed " << seed;
      EXPECT_EQ(renewed.callbacks_run(), fresh.callbacks_run()) << spec << " seed " << seed;
      EXPECT_EQ(mess.events, events_before) << "the old observer was told of the new run";
      EXPECT_EQ(mess.exceptions, exceptions_before) << "the old exception handler heard of the new run";
      EXPECT_EQ(renewed.scheduler().seed(), fresh.scheduler().seed());
      EXPECT_EQ(renewed.scheduler().name(), fresh.scheduler().name());
    }
  }
}

TEST(RenewedLoop, IsRenewedAgainAndAgainWithTheSameResult) {
  asyncio::Event outliving("outliving");
  detsim::EventLoop fresh{detsim::make_scheduler("random", 5)};
  const detsim::Trace expected = record(fresh, outliving);
  detsim::EventLoop loop{detsim::make_scheduler("random", 5)};
  for (int round = 0; round < 20; ++round) {
    ASSERT_TRUE(same_events(record(loop, outliving), expected)) << "round " << round;
    loop.renew(detsim::make_scheduler("random", 5));
  }
}

TEST(RenewedLoop, ReseededInPlaceRunsAsANewLoopWithThatSeed) {
  for (std::uint64_t seed : {1u, 2u, 3u, 17u, 123456789u}) {
    asyncio::Event outliving("outliving");
    detsim::EventLoop fresh{detsim::make_scheduler("random", seed)};
    const detsim::Trace expected = record(fresh, outliving);
    detsim::EventLoop renewed{detsim::make_scheduler("random", seed + 1000)};
    Mess mess;
    make_a_mess(renewed, mess, outliving);
    ASSERT_TRUE(renewed.renew_reseeded(seed));
    EXPECT_EQ(renewed.scheduler().seed(), seed);
    ASSERT_TRUE(same_events(record(renewed, outliving), expected)) << "seed " << seed;
  }
}

TEST(RenewedLoop, ASchedulerThatCannotBeReseededLeavesTheLoopClosed) {
  detsim::EventLoop loop{detsim::make_scheduler("pct:2", 4)};
  EXPECT_FALSE(loop.renew_reseeded(5));
  EXPECT_TRUE(loop.is_closed());
  EXPECT_EQ(loop.scheduler().seed(), 4u);
  loop.renew(detsim::make_scheduler("pct:2", 5));
  EXPECT_FALSE(loop.is_closed());
}

TEST(RandomScheduler, ReseededPicksAsANewOneWithThatSeed) {
  detsim::RandomScheduler reseeded(99);
  for (int i = 0; i < 5; ++i) (void)reseeded.pick(std::size_t{3});
  ASSERT_TRUE(reseeded.reseed(7));
  detsim::RandomScheduler fresh(7);
  for (std::size_t i = 0; i < 200; ++i) {
    const std::size_t ready = i % 9 + 2;
    ASSERT_EQ(reseeded.peek(ready, 3), fresh.peek(ready, 3)) << "pick " << i;
    ASSERT_EQ(reseeded.pick(ready), fresh.pick(ready)) << "pick " << i;
  }
}

TEST(RenewedLoop, ANullSchedulerMakesAFifoLoop) {
  detsim::EventLoop loop{detsim::make_scheduler("random", 3)};
  loop.renew(nullptr);
  EXPECT_EQ(loop.scheduler().name(), "fifo");
}

TEST(RenewedLoop, TheEarlierRunsFuturesBelongToNoLoop) {
  detsim::EventLoop loop;
  detsim::Future<int> kept = loop.create_future<int>();
  loop.renew(nullptr);
  Mess watcher;
  loop.add_observer(watcher);
  loop.set_exception_handler([&watcher](const detsim::ExceptionContext&) { ++watcher.exceptions; });
  // Not the renewed loop's: it refuses to run it, hears nothing of its
  // completion, and its handler gets nothing from its callbacks.
  EXPECT_THROW(loop.run_until_complete(kept), detsim::WrongLoopError);
  kept.add_done_callback([](detsim::Future<int>&) { throw std::runtime_error("from the old run"); });
  const int events_before = watcher.events;
  kept.set_result(7);
  EXPECT_EQ(kept.result(), 7);
  EXPECT_EQ(watcher.events, events_before);
  EXPECT_EQ(watcher.exceptions, 0);
  loop.remove_observer(watcher);
}

TEST(RenewedLoop, CannotBeRenewedWhileRunning) {
  detsim::EventLoop loop;
  std::string error;
  loop.call_soon([&loop, &error] {
    try {
      loop.renew(nullptr);
    } catch (const detsim::RuntimeError& e) {
      error = e.what();
    }
    loop.stop();
  });
  loop.run_forever();
  EXPECT_EQ(error, "[detsim.loop.renew_running] Cannot renew a running event loop");
}

}  // namespace
}  // namespace detsim_test
