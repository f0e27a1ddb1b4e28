// Tests for detsim::Scheduler, FifoScheduler and RandomScheduler
// (include/detsim/scheduling/scheduler.hpp), alone and as used by the event loop,
// and the ReplayScheduler (include/detsim/replay/replay.hpp): in replay/, the
// highest layer it uses.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <detsim/detsim.hpp>
#include <detsim/replay/replay.hpp>

namespace {

std::vector<std::size_t> picks(detsim::Scheduler& scheduler, std::size_t count) {
  std::vector<std::size_t> result;
  for (std::size_t i = 0; i < count; ++i) result.push_back(scheduler.pick(2 + i % 7));
  return result;
}

// Records every question the loop asks; answers FIFO.
class RecordingScheduler final : public detsim::Scheduler {
 public:
  explicit RecordingScheduler(std::vector<std::size_t>& asked) : asked_(&asked) {}
  using Scheduler::pick;
  std::size_t pick(detsim::ReadyCandidates ready) override {
    asked_->push_back(ready.size());
    return 0;
  }
  std::string name() const override { return "recording"; }
  std::unique_ptr<detsim::Scheduler> clone_fresh() const override {
    return std::make_unique<RecordingScheduler>(*asked_);
  }

 private:
  std::vector<std::size_t>* asked_;
};

// Always picks the newest ready callback (LIFO), to check the loop obeys picks.
class LastScheduler final : public detsim::Scheduler {
 public:
  using Scheduler::pick;
  std::size_t pick(detsim::ReadyCandidates ready) override { return ready.size() - 1; }
  std::string name() const override { return "last"; }
  std::unique_ptr<detsim::Scheduler> clone_fresh() const override { return std::make_unique<LastScheduler>(); }
};

// Runs five ready callbacks that each append their label, under `scheduler`.
std::string run_five(std::unique_ptr<detsim::Scheduler> scheduler) {
  detsim::EventLoop loop{std::move(scheduler)};
  std::string order;
  for (char label : std::string("abcde")) loop.call_soon([&order, label] { order += label; });
  loop.call_soon([&loop] { loop.stop(); });
  loop.run_forever();
  return order;
}

}  // namespace

TEST(FifoScheduler, AlwaysPicksZero) {
  detsim::FifoScheduler scheduler;
  for (std::size_t count = 2; count < 100; ++count) EXPECT_EQ(scheduler.pick(count), 0u);
  EXPECT_EQ(scheduler.name(), "fifo");
  EXPECT_EQ(scheduler.seed(), 0u);
}

TEST(RandomScheduler, PicksAreReproduciblePerSeed) {
  detsim::RandomScheduler first{42};
  detsim::RandomScheduler second{42};
  EXPECT_EQ(picks(first, 200), picks(second, 200));
}

TEST(RandomScheduler, PicksDifferAcrossSeeds) {
  detsim::RandomScheduler a{1};
  detsim::RandomScheduler b{2};
  EXPECT_NE(picks(a, 200), picks(b, 200));
}

TEST(RandomScheduler, PicksAreTheSeedsBoundedDraws) {
  // The scheduler's stream is Random{seed}.below(ready_count): documented, so
  // a recorded run can be re-derived from the seed alone.
  detsim::RandomScheduler scheduler{42};
  detsim::Random random{42};
  for (std::size_t count = 2; count < 50; ++count) EXPECT_EQ(scheduler.pick(count), random.below(count));
}

// The same, for any seed and bounds, including bounds just over 2^63, where
// Lemire's method rejects about half the raw values and so takes two or more
// of those the scheduler drew ahead for one pick.
RC_GTEST_PROP(RandomScheduler, PicksAreTheSeedsBoundedDrawsEvenWhenDrawsAreRejected,
              (std::uint64_t seed, std::vector<std::pair<bool, std::uint16_t>> bounds)) {
  detsim::RandomScheduler scheduler{seed};
  detsim::Random random{seed};
  std::size_t rejecting = 0;
  for (const auto& [huge, small] : bounds) {
    const std::uint64_t bound = huge ? (std::uint64_t{1} << 63) + small : std::uint64_t{small} + 2;
    rejecting += huge;
    RC_ASSERT(scheduler.pick(bound) == random.below(bound));
  }
  RC_CLASSIFY(rejecting > 8, "more than 8 draws at bounds that reject");
}

TEST(RandomScheduler, CloneFreshRestartsTheSameStream) {
  detsim::RandomScheduler scheduler{77};
  const auto original = picks(scheduler, 50);
  auto clone = scheduler.clone_fresh();
  EXPECT_EQ(clone->name(), "random");
  EXPECT_EQ(clone->seed(), 77u);
  EXPECT_EQ(picks(*clone, 50), original);
}

TEST(FifoScheduler, CloneFreshIsFifo) {
  auto clone = detsim::FifoScheduler{}.clone_fresh();
  EXPECT_EQ(clone->name(), "fifo");
  EXPECT_EQ(clone->pick(5), 0u);
}

TEST(Scheduler, IsNeverAskedWhenOnlyOneCallbackIsReady) {
  std::vector<std::size_t> asked;
  detsim::EventLoop loop{std::make_unique<RecordingScheduler>(asked)};
  // A chain: each callback schedules the next, so exactly one is ever ready.
  int remaining = 20;
  std::function<void()> next = [&] {
    if (--remaining > 0) loop.call_soon([&] { next(); });
  };
  loop.call_soon([&] { next(); });
  loop.call_later(std::chrono::seconds(1), [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(remaining, 0);
  EXPECT_TRUE(asked.empty()) << "asked " << asked.size() << " times, first with " << asked.front();
}

TEST(Scheduler, IsAskedWithTheNumberOfReadyCallbacks) {
  std::vector<std::size_t> asked;
  detsim::EventLoop loop{std::make_unique<RecordingScheduler>(asked)};
  for (int i = 0; i < 3; ++i) loop.call_soon([] {});
  loop.call_soon([&] { loop.stop(); });
  loop.run_forever();
  // 4 ready: asked with 4, 3, 2; the last one alone is no decision.
  EXPECT_EQ(asked, (std::vector<std::size_t>{4, 3, 2}));
}

TEST(Scheduler, LoopRunsWhatThePickNames) {
  // Always taking the back is plain LIFO. The stop callback, scheduled last,
  // runs first; stop() ends the run after the iteration, which still runs
  // every callback that was ready when it began.
  EXPECT_EQ(run_five(std::make_unique<LastScheduler>()), "edcba");
  EXPECT_EQ(run_five(std::make_unique<detsim::FifoScheduler>()), "abcde");
}

TEST(RandomScheduler, LoopOrderIsReproduciblePerSeedAndVariesAcrossSeeds) {
  const std::string first = run_five(std::make_unique<detsim::RandomScheduler>(5));
  EXPECT_EQ(run_five(std::make_unique<detsim::RandomScheduler>(5)), first);
  std::vector<std::string> orders;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    orders.push_back(run_five(std::make_unique<detsim::RandomScheduler>(seed)));
  }
  std::sort(orders.begin(), orders.end());
  orders.erase(std::unique(orders.begin(), orders.end()), orders.end());
  EXPECT_GT(orders.size(), 5u);
}

TEST(EventLoop, RandomGeneratorIsDerivedFromTheSchedulersSeed) {
  detsim::EventLoop a{detsim::RandomScheduler{42}};
  detsim::EventLoop b{detsim::RandomScheduler{42}};
  detsim::EventLoop c{detsim::RandomScheduler{43}};
  const std::uint64_t from_a = a.random().next();
  EXPECT_EQ(from_a, b.random().next());
  EXPECT_NE(from_a, c.random().next());
  // A separate stream from the scheduler's own.
  EXPECT_NE(from_a, detsim::Random{42}.next());
  EXPECT_EQ(a.scheduler().name(), "random");
  EXPECT_EQ(a.scheduler().seed(), 42u);
}

RC_GTEST_PROP(RandomScheduler, PickIsAlwaysInRange, (std::uint64_t seed, std::vector<std::uint16_t> counts)) {
  detsim::RandomScheduler scheduler{seed};
  for (std::uint16_t raw : counts) {
    const std::size_t count = std::size_t{raw} + 2;
    RC_ASSERT(scheduler.pick(count) < count);
  }
}

namespace {
// Scheduler::peek's contract, on fresh copies of `prototype` that have made
// `made` picks already: peek(count, ahead) is what the (ahead + 1)-th pick
// from there returns, and peeking changes none of the picks that follow.
void check_peek(const detsim::Scheduler& prototype, std::size_t count, std::size_t ahead, std::size_t made) {
  const auto peeked = prototype.clone_fresh();
  const auto reference = prototype.clone_fresh();
  for (std::size_t i = 0; i < made; ++i) {
    (void)peeked->pick(count);
    (void)reference->pick(count);
  }
  const std::size_t guess = peeked->peek(count, ahead);
  std::size_t pick = 0;
  for (std::size_t i = 0; i <= ahead; ++i) pick = reference->pick(count);
  RC_ASSERT(guess == pick);
  const auto fresh = prototype.clone_fresh();
  for (std::size_t i = 0; i < made; ++i) (void)fresh->pick(count);
  for (std::size_t i = 0; i <= ahead; ++i) RC_ASSERT(peeked->pick(count) == fresh->pick(count));
}
}  // namespace

RC_GTEST_PROP(RandomScheduler, PeekTellsTheComingPicksAndConsumesNothing,
              (std::uint64_t seed, std::uint16_t raw_count, std::uint8_t ahead, std::uint8_t made)) {
  check_peek(detsim::RandomScheduler{seed}, std::size_t{raw_count} + 2, ahead % 8, made % 8);
}

// Past the end of its list, a ChoiceScheduler picks (and peeks) 0.
RC_GTEST_PROP(ChoiceScheduler, PeekTellsTheComingPicksAndConsumesNothing,
              (std::vector<std::uint32_t> choices, std::uint16_t raw_count, std::uint8_t ahead, std::uint8_t made)) {
  check_peek(detsim::ChoiceScheduler{choices}, std::size_t{raw_count} + 2, ahead % 8, made % 8);
}

// A replay peeks at its recorded decisions, and past their end (where pick
// throws DivergenceError) has no guess.
RC_GTEST_PROP(ReplayScheduler, PeekTellsTheComingPicksAndConsumesNothing,
              (std::vector<std::uint32_t> raw_choices, std::uint16_t raw_count, std::uint8_t ahead, std::uint8_t made)) {
  const std::size_t count = std::size_t{raw_count} + 2;
  detsim::Schedule schedule{.scheduler = "random", .seed = 1, .decisions = {}};
  for (std::uint32_t raw : raw_choices) {
    schedule.decisions.push_back({.choice = static_cast<std::uint32_t>(raw % count),
                                  .of = static_cast<std::uint32_t>(count)});
  }
  while (schedule.decisions.size() < 16) schedule.decisions.push_back({.choice = 1, .of = static_cast<std::uint32_t>(count)});
  check_peek(detsim::ReplayScheduler{schedule}, count, ahead % 8, made % 8);
  const detsim::ReplayScheduler replay{schedule};
  RC_ASSERT(replay.peek(count, schedule.decisions.size()) == detsim::Scheduler::npos);
}

TEST(Scheduler, PeekDefaultsToNoGuess) {
  LastScheduler last;
  EXPECT_EQ(last.peek(5, 0), detsim::Scheduler::npos);
  EXPECT_EQ(last.pick(5), 4u);
}

namespace {
// Runs `count` ready callbacks under RandomScheduler{seed}; those whose
// label is a multiple of 3 schedule one more (label + 10000), so that the
// number ready changes and the loop's guesses of its next pick (it prefetches
// them past a few hundred ready callbacks) are sometimes wrong. Returns the
// labels in the order they ran.
std::vector<std::uint32_t> run_many(std::uint64_t seed, std::uint32_t count) {
  detsim::EventLoop loop{detsim::RandomScheduler{seed}};
  std::vector<std::uint32_t> order;
  std::function<void(std::uint32_t)> schedule = [&](std::uint32_t label) {
    (void)loop.call_soon([&, label] {
      order.push_back(label);
      if (label % 3 == 0 && label < 10000) schedule(label + 10000);
    });
  };
  for (std::uint32_t label = 0; label < count; ++label) schedule(label);
  loop.run_until_idle();
  return order;
}

// The same program on a model of the ready queue (scheduler.hpp): join at
// the back, take(0) pops the front, take(i) moves the back into slot i.
std::vector<std::uint32_t> model_many(std::uint64_t seed, std::uint32_t count) {
  detsim::RandomScheduler scheduler{seed};
  std::deque<std::uint32_t> ready;
  for (std::uint32_t label = 0; label < count; ++label) ready.push_back(label);
  std::vector<std::uint32_t> order;
  while (!ready.empty()) {
    const std::size_t choice = ready.size() > 1 ? scheduler.pick(ready.size()) : 0;
    const std::uint32_t label = ready[choice];
    if (choice == 0) {
      ready.pop_front();
    } else {
      ready[choice] = ready.back();
      ready.pop_back();
    }
    order.push_back(label);
    if (label % 3 == 0 && label < 10000) ready.push_back(label + 10000);
  }
  return order;
}
}  // namespace

// Above a few hundred ready callbacks the loop prefetches what it guesses it
// will run next: the guesses must never change what runs.
RC_GTEST_PROP(RandomScheduler, ManyReadyCallbacksRunInTheModelsOrder, (std::uint64_t seed)) {
  const auto count = *rc::gen::inRange<std::uint32_t>(200, 1200);
  RC_ASSERT(run_many(seed, count) == model_many(seed, count));
}

namespace {
// Two tasks doing read-await-write on a shared counter (a lost update),
// with the order of writes recorded.
std::string racy_program(std::uint64_t seed) {
  detsim::EventLoop loop{detsim::RandomScheduler{seed}};
  int counter = 0;
  std::string writes;
  auto worker = [](char label, int& shared, std::string& log) -> detsim::Task<void> {
    for (int i = 0; i < 3; ++i) {
      const int seen = shared;
      co_await detsim::yield();
      shared = seen + 1;
      log += label;
    }
  };
  auto a = loop.create_task(worker('a', counter, writes));
  auto b = loop.create_task(worker('b', counter, writes));
  loop.run_until_complete(a);
  loop.run_until_complete(b);
  return std::to_string(counter) + ":" + writes;
}
}  // namespace

RC_GTEST_PROP(RandomScheduler, SameSeedSameRun, (std::uint64_t seed)) {
  RC_ASSERT(racy_program(seed) == racy_program(seed));
}

TEST(RandomScheduler, DifferentSeedsExploreDifferentInterleavings) {
  std::vector<std::string> outcomes;
  for (std::uint64_t seed = 0; seed < 32; ++seed) outcomes.push_back(racy_program(seed));
  std::sort(outcomes.begin(), outcomes.end());
  outcomes.erase(std::unique(outcomes.begin(), outcomes.end()), outcomes.end());
  EXPECT_GE(outcomes.size(), 3u);
}
