// Properties of the asyncio toolkit's primitives (detsim/asyncio/) under
// generated schedules: RapidCheck draws the program's shape and a schedule
// (detsim::gen::schedule), and check_schedule runs it, failing on a broken
// DETSIM_CHECK, an exception nobody retrieved, or a deadlock (a waiter left
// stuck). Random cancellations come from a plan RapidCheck draws too, so a
// failure shrinks to the fewest cancellations and deviations from FIFO.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <detsim/asyncio.hpp>
#include <detsim/testing.hpp>

namespace {

using detsim::Task;
using Plan = std::vector<std::uint8_t>;

// Counts the tasks inside a critical section; its destructor runs before the
// guard declared ahead of it releases, even when the task is cancelled.
struct Inside {
  explicit Inside(int& count) : count_(count) { ++count_; }
  Inside(const Inside&) = delete;
  Inside& operator=(const Inside&) = delete;
  ~Inside() { --count_; }
  int& count_;
};

// Cancels tasks[plan[i+1] % n] after plan[i] % 4 yields, for each pair of
// the plan (at most 8 pairs).
Task<void> cancel_by_plan(std::vector<Task<void>>& tasks, std::size_t first_target, Plan plan) {
  const std::size_t targets = tasks.size() - first_target;
  for (std::size_t i = 0; i + 1 < plan.size() && i < 16 && targets > 0; i += 2) {
    for (int y = 0; y < plan[i] % 4; ++y) co_await detsim::yield();
    tasks[first_target + plan[i + 1] % targets].cancel();
  }
}

// Awaits every task, a cancelled one included; returns how many completed.
Task<std::size_t> await_all(std::vector<Task<void>>& tasks) {
  std::size_t completed = 0;
  for (auto& task : tasks) {
    try {
      co_await task;
      ++completed;
    } catch (const detsim::CancelledError&) {
    }
  }
  co_return completed;
}

Task<void> lock_worker(detsim::asyncio::Lock& lock, int& inside, int rounds) {
  for (int round = 0; round < rounds; ++round) {
    auto held = co_await lock.hold();
    Inside counted(inside);
    DETSIM_CHECK_EQ(inside, 1);
    DETSIM_CHECK_EQ(lock.holders().size(), 1u);
    DETSIM_CHECK_EQ(lock.holders()[0].task_id, detsim::detail::current_task()->task_id());
    co_await detsim::yield();
    DETSIM_CHECK_EQ(inside, 1);
  }
}

Task<void> lock_scenario(int workers, int rounds, Plan plan) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::Lock lock("property");
  int inside = 0;
  std::vector<Task<void>> tasks;
  for (int i = 0; i < workers; ++i) tasks.push_back(loop.create_task(lock_worker(lock, inside, rounds)));
  co_await cancel_by_plan(tasks, 0, plan);
  co_await await_all(tasks);
  DETSIM_CHECK(!lock.locked());
  DETSIM_CHECK(lock.waiting_tasks().empty());
  DETSIM_CHECK_EQ(inside, 0);
}

RC_GTEST_PROP(ToolkitProperties, ALockNeverHasTwoHolders, (std::uint8_t workers, std::uint8_t rounds, Plan plan)) {
  const auto choices = *detsim::gen::schedule();
  const int worker_count = 1 + workers % 5;
  const int round_count = 1 + rounds % 3;
  detsim::testing::check_schedule([=] { return lock_scenario(worker_count, round_count, plan); }, choices);
}

Task<void> semaphore_worker(detsim::asyncio::BoundedSemaphore& semaphore, int& inside, int bound, int rounds) {
  for (int round = 0; round < rounds; ++round) {
    auto held = co_await semaphore.hold();
    Inside counted(inside);
    DETSIM_CHECK(inside <= bound);
    DETSIM_CHECK_EQ(semaphore.holders().size(), static_cast<std::size_t>(inside));
    co_await detsim::yield();
    DETSIM_CHECK(inside <= bound);
  }
}

Task<void> semaphore_scenario(int bound, int workers, int rounds, Plan plan) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::BoundedSemaphore semaphore(bound, "property");
  int inside = 0;
  std::vector<Task<void>> tasks;
  for (int i = 0; i < workers; ++i) {
    tasks.push_back(loop.create_task(semaphore_worker(semaphore, inside, bound, rounds)));
  }
  co_await cancel_by_plan(tasks, 0, plan);
  co_await await_all(tasks);
  DETSIM_CHECK_EQ(semaphore.value(), static_cast<std::int64_t>(bound));  // no permit leaked
  DETSIM_CHECK(semaphore.holders().empty());
  DETSIM_CHECK(semaphore.waiting_tasks().empty());
}

RC_GTEST_PROP(ToolkitProperties, ASemaphoreNeverExceedsItsBound,
              (std::uint8_t bound, std::uint8_t workers, Plan plan)) {
  const auto choices = *detsim::gen::schedule();
  const int bound_count = 1 + bound % 3;
  const int worker_count = 1 + workers % 6;
  detsim::testing::check_schedule([=] { return semaphore_scenario(bound_count, worker_count, 2, plan); }, choices);
}

Task<void> producer(detsim::asyncio::Queue<int>& queue, std::vector<int>& sent, int first, int count) {
  for (int item = first; item < first + count; ++item) {
    co_await queue.put(item);
    sent.push_back(item);  // same step as the put: recorded iff it was put
  }
}

Task<void> consumer(detsim::asyncio::Queue<int>& queue, std::vector<int>& received) {
  for (;;) {
    int item = 0;
    try {
      item = co_await queue.get();
    } catch (const detsim::QueueShutDown&) {
      co_return;
    }
    received.push_back(item);
    co_await detsim::yield();
  }
}

Task<void> queue_scenario(int maxsize, int producers, int consumers, Plan plan) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::Queue<int> queue(maxsize, "property");
  std::vector<int> sent;
  std::vector<int> received;
  // Consumer 0 is never cancelled, so producers are never stranded on a full
  // queue; every other task may be.
  std::vector<Task<void>> tasks;
  tasks.push_back(loop.create_task(consumer(queue, received)));
  for (int i = 1; i < consumers; ++i) tasks.push_back(loop.create_task(consumer(queue, received)));
  std::vector<Task<void>> producing;
  for (int i = 0; i < producers; ++i) {
    tasks.push_back(loop.create_task(producer(queue, sent, 100 * i, 5)));
    producing.push_back(tasks.back());
  }
  co_await cancel_by_plan(tasks, 1, plan);
  co_await await_all(producing);
  // Quiescent (every consumer step has run): no item may sit in the queue
  // while a getter waits for one, i.e. no waiter was stranded.
  for (int settle = 0; settle < 64; ++settle) co_await detsim::yield();
  DETSIM_CHECK(queue.empty() || queue.waiting_getters().empty());
  queue.shutdown();  // consumers drain what is left, then stop
  co_await await_all(tasks);
  DETSIM_CHECK(queue.empty());
  DETSIM_CHECK(queue.waiting_tasks().empty());
  std::sort(sent.begin(), sent.end());
  std::sort(received.begin(), received.end());
  DETSIM_CHECK(std::adjacent_find(sent.begin(), sent.end()) == sent.end());
  DETSIM_CHECK_EQ(received.size(), sent.size());  // none lost, none duplicated
  DETSIM_CHECK(received == sent);
}

RC_GTEST_PROP(ToolkitProperties, AQueueLosesAndDuplicatesNoItem,
              (std::uint8_t maxsize, std::uint8_t producers, std::uint8_t consumers, Plan plan)) {
  const auto choices = *detsim::gen::schedule();
  const int size = maxsize % 4;  // 0: unbounded
  const int producer_count = 1 + producers % 3;
  const int consumer_count = 1 + consumers % 3;
  detsim::testing::check_schedule([=] { return queue_scenario(size, producer_count, consumer_count, plan); },
                                  choices);
}

Task<void> condition_waiter(detsim::asyncio::Condition& condition, const int& counter, int threshold) {
  auto held = co_await condition.hold();
  const bool reached = co_await condition.wait_for([&] { return counter >= threshold; });
  DETSIM_CHECK(reached);
  DETSIM_CHECK(counter >= threshold);
  DETSIM_CHECK_EQ(condition.lock().holders()[0].task_id, detsim::detail::current_task()->task_id());
}

Task<void> condition_scenario(std::vector<std::uint8_t> thresholds, Plan plan) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::Condition condition("property");
  int counter = 0;
  const int target = 4;
  std::vector<Task<void>> tasks;
  for (std::size_t i = 0; i < thresholds.size() && i < 6; ++i) {
    tasks.push_back(loop.create_task(condition_waiter(condition, counter, thresholds[i] % (target + 1))));
  }
  auto cancelling = loop.create_task(cancel_by_plan(tasks, 0, plan));
  for (int step = 0; step < target; ++step) {
    co_await detsim::yield();
    auto held = co_await condition.hold();
    ++counter;
    condition.notify_all();
  }
  co_await cancelling;
  co_await await_all(tasks);  // a missed wake-up would deadlock here
  DETSIM_CHECK(condition.waiting_tasks().empty());
  DETSIM_CHECK(!condition.locked());
}

RC_GTEST_PROP(ToolkitProperties, AConditionWaitForMissesNoWakeUp, (std::vector<std::uint8_t> thresholds, Plan plan)) {
  const auto choices = *detsim::gen::schedule();
  detsim::testing::check_schedule([=] { return condition_scenario(thresholds, plan); }, choices);
}

Task<void> barrier_party(detsim::asyncio::Barrier& barrier, std::vector<int>& arrivals,
                         std::vector<std::vector<std::size_t>>& indices, int parties, std::vector<std::uint8_t> yields) {
  for (std::size_t round = 0; round < arrivals.size(); ++round) {
    const int pause = yields.empty() ? 0 : yields[round % yields.size()] % 4;
    for (int y = 0; y < pause; ++y) co_await detsim::yield();
    ++arrivals[round];
    const std::size_t index = co_await barrier.wait();
    DETSIM_CHECK_EQ(arrivals[round], parties);  // released only once the generation is whole
    indices[round].push_back(index);
  }
}

Task<void> barrier_scenario(int parties, int rounds, std::vector<std::uint8_t> yields) {
  auto& loop = detsim::get_running_loop();
  detsim::asyncio::Barrier barrier(static_cast<std::size_t>(parties), "property");
  std::vector<int> arrivals(static_cast<std::size_t>(rounds), 0);
  std::vector<std::vector<std::size_t>> indices(static_cast<std::size_t>(rounds));
  std::vector<Task<void>> tasks;
  for (int p = 0; p < parties; ++p) {
    std::vector<std::uint8_t> own(yields);
    std::rotate(own.begin(), own.begin() + static_cast<std::ptrdiff_t>(own.empty() ? 0 : p % own.size()), own.end());
    tasks.push_back(loop.create_task(barrier_party(barrier, arrivals, indices, parties, own)));
  }
  for (auto& task : tasks) co_await task;
  std::vector<std::size_t> expected(static_cast<std::size_t>(parties));
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = i;
  for (auto& round : indices) {
    std::sort(round.begin(), round.end());
    DETSIM_CHECK(round == expected);  // each generation hands out 0..parties-1 once
  }
  DETSIM_CHECK_EQ(barrier.n_waiting(), 0u);
}

RC_GTEST_PROP(ToolkitProperties, ABarrierReleasesPartiesInWholeGenerations,
              (std::uint8_t parties, std::uint8_t rounds, std::vector<std::uint8_t> yields)) {
  const auto choices = *detsim::gen::schedule();
  const int party_count = 1 + parties % 4;
  const int round_count = 1 + rounds % 3;
  detsim::testing::check_schedule([=] { return barrier_scenario(party_count, round_count, yields); }, choices);
}

}  // namespace
