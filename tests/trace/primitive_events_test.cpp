// The toolkit's primitives in the trace: each wait, wake, acquire, release,
// put, get, notify and timeout is an event naming its primitive (id, type,
// name), and a wake-up's cause is the event that woke it, so "who woke whom"
// runs through locks and queues. Also: traces with these events read back
// as recorded, and the golden trace of tests/golden_toolkit_programs.hpp.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/asyncio.hpp>
#include <detsim/detsim.hpp>
#include <detsim/trace/divergence.hpp>
#include <detsim/trace/recorder.hpp>
#include <detsim/trace/trace.hpp>

#include "golden_toolkit_programs.hpp"

namespace {

using namespace std::chrono_literals;
using detsim::EventKind;
using detsim::Trace;
using detsim::TraceEvent;

// The events of `kind`, in order.
std::vector<TraceEvent> of_kind(const Trace& trace, EventKind kind) {
  std::vector<TraceEvent> found;
  for (const TraceEvent& event : trace.events) {
    if (event.kind == kind) found.push_back(event);
  }
  return found;
}

std::string task_name(const Trace& trace, const TraceEvent& event) { return std::string(trace.string_at(event.name)); }
std::string type_of(const Trace& trace, const TraceEvent& event) {
  return std::string(trace.string_at(event.primitive_type));
}
std::string name_of(const Trace& trace, const TraceEvent& event) {
  return std::string(trace.string_at(event.primitive_name));
}

// Whether walking causes back from `event` reaches the event `seq`.
bool caused_by(const Trace& trace, const TraceEvent& event, std::uint64_t seq) {
  for (std::uint64_t at = event.cause; at != 0; at = trace.events[at - 1].cause) {
    if (at == seq) return true;
  }
  return false;
}

// The first event of `kind` about task `name`, at or after index `from`.
const TraceEvent& first_about(const Trace& trace, EventKind kind, const std::string& name, std::size_t from = 0) {
  for (std::size_t i = from; i < trace.events.size(); ++i) {
    if (trace.events[i].kind == kind && task_name(trace, trace.events[i]) == name) return trace.events[i];
  }
  ADD_FAILURE() << "no " << detsim::to_string(kind) << " event about '" << name << "'";
  static const TraceEvent none;
  return none;
}

template <class Program>
Trace record(Program program) {
  detsim::EventLoop loop;  // FIFO
  detsim::TraceRecorder recorder{loop, {.program = "primitives"}};
  program(loop);
  recorder.finish();
  return recorder.trace();
}

// ---- a lock handed over -----------------------------------------------------

TEST(PrimitiveEvents, ALockHandoffLinksTheWaitersWakeUpToTheRelease) {
  const Trace trace = golden_toolkit::primitives();
  const TraceEvent& wait = first_about(trace, EventKind::wait, "second");
  EXPECT_EQ(type_of(trace, wait), "Lock");
  EXPECT_EQ(name_of(trace, wait), "accounts");
  const TraceEvent& first_acquire = first_about(trace, EventKind::acquire, "first");
  EXPECT_EQ(first_acquire.primitive, wait.primitive);
  const TraceEvent& release = first_about(trace, EventKind::release, "first");
  EXPECT_EQ(release.primitive, wait.primitive);
  EXPECT_GT(release.seq, wait.seq);
  // The wake-up of 'second' is caused by 'first''s release, and so is the
  // step in which 'second' takes the lock.
  const TraceEvent& wake = first_about(trace, EventKind::wake, "second");
  EXPECT_EQ(wake.primitive, wait.primitive);
  EXPECT_EQ(wake.cause, release.seq);
  const TraceEvent& second_acquire = first_about(trace, EventKind::acquire, "second");
  EXPECT_GT(second_acquire.seq, wake.seq);
  EXPECT_TRUE(caused_by(trace, second_acquire, release.seq))
      << "the acquire's chain of causes does not reach the release: "
      << detsim::describe_event(trace, second_acquire);
}

TEST(PrimitiveEvents, AnEventSetWakesItsWaiterAndEachPrimitiveHasItsOwnId) {
  const Trace trace = golden_toolkit::primitives();
  const TraceEvent& wait = first_about(trace, EventKind::wait, "waiter");
  EXPECT_EQ(type_of(trace, wait), "Event");
  EXPECT_EQ(name_of(trace, wait), "ready");
  const std::vector<TraceEvent> notifies = of_kind(trace, EventKind::notify);
  ASSERT_EQ(notifies.size(), 1u);
  EXPECT_EQ(trace.string_at(notifies[0].detail), "set");
  EXPECT_EQ(task_name(trace, notifies[0]), "second");
  const TraceEvent& wake = first_about(trace, EventKind::wake, "waiter");
  EXPECT_EQ(wake.cause, notifies[0].seq);
  // Ids by first report: the lock (1), then 'ready' (2), then 'never' (3).
  const TraceEvent& lock_acquire = first_about(trace, EventKind::acquire, "first");
  EXPECT_EQ(lock_acquire.primitive, 1u);
  EXPECT_EQ(wait.primitive, 2u);
  EXPECT_EQ(first_about(trace, EventKind::wait, "forgotten").primitive, 3u);
}

TEST(PrimitiveEvents, ATaskLeftBlockedIsATaskLeakedEventNamingWhatItWaitsOn) {
  const Trace trace = golden_toolkit::primitives();
  const std::vector<TraceEvent> leaked = of_kind(trace, EventKind::task_leaked);
  ASSERT_EQ(leaked.size(), 1u);
  EXPECT_EQ(task_name(trace, leaked[0]), "forgotten");
  EXPECT_EQ(type_of(trace, leaked[0]), "Event");
  EXPECT_EQ(name_of(trace, leaked[0]), "never");
  EXPECT_EQ(trace.string_at(leaked[0].detail), "waits on Event 'never'");
  // After the run loop returned, before the loop closed.
  EXPECT_EQ(trace.events[leaked[0].seq - 2].kind, EventKind::loop_stop);
}

// ---- a queue's put/get chain ----------------------------------------------

detsim::Task<void> consume(detsim::asyncio::Queue<int>& jobs, std::vector<int>& got) {
  got.push_back(co_await jobs.get());
}

detsim::Task<void> produce(detsim::asyncio::Queue<int>& jobs) {
  co_await detsim::yield();
  co_await jobs.put(7);
}

detsim::Task<void> put_then_get(detsim::asyncio::Queue<int>& jobs, std::vector<int>& got) {
  auto& loop = detsim::get_running_loop();
  auto consumer = loop.create_task(consume(jobs, got), "consumer");
  auto producer = loop.create_task(produce(jobs), "producer");
  co_await consumer;
  co_await producer;
}

TEST(PrimitiveEvents, AQueuePutWakesTheWaitingGetterWhoseGetFollowsFromIt) {
  std::vector<int> got;
  const Trace trace = record([&](detsim::EventLoop& loop) {
    detsim::asyncio::Queue<int> jobs(0, "jobs");
    loop.run_until_complete(put_then_get(jobs, got));
  });
  ASSERT_EQ(got, std::vector<int>{7});
  const TraceEvent& wait = first_about(trace, EventKind::wait, "consumer");
  EXPECT_EQ(type_of(trace, wait), "Queue");
  EXPECT_EQ(name_of(trace, wait), "jobs");
  const TraceEvent& put = first_about(trace, EventKind::put, "producer");
  EXPECT_EQ(put.primitive, wait.primitive);
  const TraceEvent& wake = first_about(trace, EventKind::wake, "consumer");
  EXPECT_EQ(wake.cause, put.seq);
  const TraceEvent& get = first_about(trace, EventKind::get, "consumer");
  EXPECT_EQ(get.primitive, wait.primitive);
  EXPECT_TRUE(caused_by(trace, get, put.seq)) << detsim::describe_event(trace, get);
}

detsim::Task<void> fill_then_put(detsim::asyncio::Queue<int>& jobs) {
  co_await jobs.put(1);
  co_await jobs.put(2);  // full: waits for the get
}

detsim::Task<void> get_later(detsim::asyncio::Queue<int>& jobs) {
  co_await detsim::yield();
  (void)co_await jobs.get();
}

detsim::Task<void> bounded(detsim::asyncio::Queue<int>& jobs) {
  auto& loop = detsim::get_running_loop();
  auto putter = loop.create_task(fill_then_put(jobs), "putter");
  auto getter = loop.create_task(get_later(jobs), "getter");
  co_await putter;
  co_await getter;
}

TEST(PrimitiveEvents, AGetFromAFullQueueWakesTheWaitingPutter) {
  const Trace trace = record([](detsim::EventLoop& loop) {
    detsim::asyncio::Queue<int> jobs(1, "jobs");
    loop.run_until_complete(bounded(jobs));
  });
  const TraceEvent& wait = first_about(trace, EventKind::wait, "putter");
  const TraceEvent& get = first_about(trace, EventKind::get, "getter");
  const TraceEvent& wake = first_about(trace, EventKind::wake, "putter");
  EXPECT_EQ(wake.primitive, wait.primitive);
  EXPECT_EQ(wake.cause, get.seq);
  // The second put comes after, and follows from the get.
  const TraceEvent& second_put = first_about(trace, EventKind::put, "putter", wake.seq);
  EXPECT_TRUE(caused_by(trace, second_put, get.seq));
}

// ---- semaphores and conditions ----------------------------------------------

detsim::Task<void> hold_permit(detsim::asyncio::Semaphore& pool) {
  co_await pool.acquire();
  co_await detsim::yield();
  pool.release();
}

detsim::Task<void> two_holders(detsim::asyncio::Semaphore& pool) {
  auto& loop = detsim::get_running_loop();
  auto a = loop.create_task(hold_permit(pool), "a");
  auto b = loop.create_task(hold_permit(pool), "b");
  co_await a;
  co_await b;
}

TEST(PrimitiveEvents, ASemaphoreReleaseWakesTheNextHolder) {
  const Trace trace = record([](detsim::EventLoop& loop) {
    detsim::asyncio::BoundedSemaphore pool(1, "pool");
    loop.run_until_complete(two_holders(pool));
  });
  const TraceEvent& wait = first_about(trace, EventKind::wait, "b");
  EXPECT_EQ(type_of(trace, wait), "BoundedSemaphore");
  EXPECT_EQ(name_of(trace, wait), "pool");
  const TraceEvent& release = first_about(trace, EventKind::release, "a");
  EXPECT_EQ(first_about(trace, EventKind::wake, "b").cause, release.seq);
  EXPECT_TRUE(caused_by(trace, first_about(trace, EventKind::acquire, "b"), release.seq));
}

detsim::Task<void> wait_on(detsim::asyncio::Condition& condition) {
  co_await condition.acquire();
  co_await condition.wait();
  condition.release();
}

detsim::Task<void> notify_one(detsim::asyncio::Condition& condition) {
  co_await detsim::yield();
  co_await condition.acquire();
  condition.notify();
  condition.release();
}

detsim::Task<void> wait_and_notify(detsim::asyncio::Condition& condition) {
  auto& loop = detsim::get_running_loop();
  auto waiting = loop.create_task(wait_on(condition), "waiting");
  auto notifier = loop.create_task(notify_one(condition), "notifier");
  co_await waiting;
  co_await notifier;
}

TEST(PrimitiveEvents, AConditionWaitIsNamedAndItsNotifyWakesTheWaiter) {
  const Trace trace = record([](detsim::EventLoop& loop) {
    detsim::asyncio::Condition condition("cv");
    loop.run_until_complete(wait_and_notify(condition));
  });
  const TraceEvent& wait = first_about(trace, EventKind::wait, "waiting");
  EXPECT_EQ(type_of(trace, wait), "Condition");
  EXPECT_EQ(name_of(trace, wait), "cv");
  const TraceEvent& notify = first_about(trace, EventKind::notify, "notifier");
  EXPECT_EQ(trace.string_at(notify.detail), "notify");
  EXPECT_EQ(notify.primitive, wait.primitive);
  EXPECT_EQ(first_about(trace, EventKind::wake, "waiting").cause, notify.seq);
}

// ---- timeouts ----------------------------------------------------------------

detsim::Task<void> too_slow() {
  try {
    co_await detsim::asyncio::timeout(5ms, [](detsim::asyncio::Timeout&) -> detsim::Coroutine<void> {
      co_await detsim::sleep(1h);
    });
  } catch (const detsim::asyncio::TimeoutError&) {
  }
}

detsim::Task<int> slow_value() {
  co_await detsim::sleep(1h);
  co_return 1;
}

detsim::Task<void> waits_too_long() {
  try {
    (void)co_await detsim::asyncio::wait_for(slow_value(), 3ms);
  } catch (const detsim::asyncio::TimeoutError&) {
  }
}

TEST(PrimitiveEvents, ATimeoutScopeExpiringIsATimeoutEventThatCausesTheCancel) {
  const Trace trace = record([](detsim::EventLoop& loop) {
    loop.run_until_complete(loop.create_task(too_slow(), "slow"));
  });
  const std::vector<TraceEvent> timeouts = of_kind(trace, EventKind::timeout);
  ASSERT_EQ(timeouts.size(), 1u);
  EXPECT_EQ(type_of(trace, timeouts[0]), "Timeout");
  EXPECT_EQ(task_name(trace, timeouts[0]), "slow");
  EXPECT_EQ(timeouts[0].time_ns, 5'000'000);
  EXPECT_EQ(timeouts[0].when_ns, 5'000'000);
  // The task is woken from its sleep, cancelled, by the timeout.
  const TraceEvent& cancelled_step = first_about(trace, EventKind::step, "slow", timeouts[0].seq);
  EXPECT_TRUE(caused_by(trace, cancelled_step, timeouts[0].seq)) << detsim::describe_event(trace, cancelled_step);
}

TEST(PrimitiveEvents, AWaitForExpiringIsATimeoutEvent) {
  const Trace trace = record([](detsim::EventLoop& loop) {
    loop.run_until_complete(loop.create_task(waits_too_long(), "impatient"));
  });
  const std::vector<TraceEvent> timeouts = of_kind(trace, EventKind::timeout);
  ASSERT_EQ(timeouts.size(), 1u);
  EXPECT_EQ(type_of(trace, timeouts[0]), "wait_for");
  EXPECT_EQ(task_name(trace, timeouts[0]), "impatient");
  EXPECT_EQ(timeouts[0].time_ns, 3'000'000);
  EXPECT_EQ(timeouts[0].when_ns, 3'000'000);
  const TraceEvent& woken = first_about(trace, EventKind::step, "impatient", timeouts[0].seq);
  EXPECT_TRUE(caused_by(trace, woken, timeouts[0].seq)) << detsim::describe_event(trace, woken);
}

// ---- reading back --------------------------------------------------------------

TEST(PrimitiveEvents, TracesWithPrimitiveEventsReadBackAsRecorded) {
  std::vector<int> got;
  const std::vector<Trace> traces = {
      golden_toolkit::primitives(),
      record([&](detsim::EventLoop& loop) {
        detsim::asyncio::Queue<int> jobs(0, "jobs");
        loop.run_until_complete(put_then_get(jobs, got));
      }),
      record([](detsim::EventLoop& loop) { loop.run_until_complete(loop.create_task(too_slow(), "slow")); }),
  };
  for (const Trace& recorded : traces) {
    const std::string text = detsim::to_jsonl(recorded);
    const Trace read = detsim::parse_trace(text, "memory", {.allow_truncated = false});
    EXPECT_EQ(read, recorded);
    EXPECT_EQ(detsim::to_jsonl(read), text);
    EXPECT_EQ(read.digest(), recorded.footer->digest);
  }
}

// The primitive's fields enter the digest: a trace whose lock is renamed,
// or renumbered, no longer matches its footer.
TEST(PrimitiveEvents, EditingAPrimitiveFieldBreaksTheDigest) {
  const std::string text = detsim::to_jsonl(golden_toolkit::primitives());
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"primitive_name\":\"accounts\"", "\"primitive_name\":\"account\""},
           {"\"primitive\":1,", "\"primitive\":9,"},
           {"\"primitive_type\":\"Lock\"", "\"primitive_type\":\"Lick\""}}) {
    std::string edited = text;
    const std::size_t at = edited.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    edited.replace(at, from.size(), to);
    try {
      (void)detsim::parse_trace(edited, "edited");
      ADD_FAILURE() << "an edit of " << from << " went unnoticed";
    } catch (const detsim::TraceError& error) {
      EXPECT_NE(std::string(error.what()).find("digest"), std::string::npos) << error.what();
    }
  }
}

TEST(PrimitiveEvents, TheReaderRefusesAPrimitiveEventWithoutItsPrimitive) {
  const std::string header =
      "{\"type\":\"header\",\"format\":\"detsim-trace\",\"version\":4,\"detsim\":\"0\",\"program\":\"\","
      "\"scheduler\":\"fifo\",\"seed\":0,\"debug\":false,\"metadata\":{}}\n";
  const auto error_of = [&](const std::string& line) {
    try {
      (void)detsim::parse_trace(header + line + "\n", "bad");
    } catch (const detsim::TraceError& error) {
      return std::string(error.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(error_of(R"({"seq":1,"t":0,"kind":"release","cause":0})").find("primitive"), std::string::npos);
  EXPECT_NE(error_of(R"({"seq":1,"t":0,"kind":"release","cause":0,"primitive":1})").find("primitive_type"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"seq":1,"t":0,"kind":"loop_run","cause":0,"primitive_name":"a"})").find("primitive"),
            std::string::npos);
  EXPECT_EQ(error_of(R"({"seq":1,"t":0,"kind":"release","cause":0,"primitive":1,"primitive_type":"Lock"})"),
            "(accepted)");
}

TEST(PrimitiveEvents, DescribeEventNamesThePrimitive) {
  const Trace trace = golden_toolkit::primitives();
  const TraceEvent& wake = first_about(trace, EventKind::wake, "second");
  const std::string text = detsim::describe_event(trace, wake);
  EXPECT_NE(text.find("wake task 3 'second' Lock 'accounts' (primitive 1)"), std::string::npos) << text;
}

// An unobserved loop reports no event, but still lists its leaked tasks.
TEST(PrimitiveEvents, AnUnobservedLoopStillListsItsLeakedTasks) {
  detsim::EventLoop loop;
  golden_toolkit::Shared shared;
  loop.run_until_complete(golden_toolkit::root(shared));
  ASSERT_EQ(loop.leaked_tasks().size(), 1u);
  EXPECT_EQ(loop.leaked_tasks()[0].name, "forgotten");
  EXPECT_EQ(loop.leaked_tasks()[0].waits_on, "waits on Event 'never'");
}

}  // namespace
