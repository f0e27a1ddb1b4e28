// The test integration as a user's tests see it: <detsim/testing.hpp> with
// GoogleTest and RapidCheck from find_package, linked to detsim::detsim.
#include <cstdint>
#include <vector>

#include <detsim/detsim.hpp>
#include <detsim/testing.hpp>

namespace {

detsim::Task<void> increment(int& counter, bool yield_between) {
  const int seen = counter;
  if (yield_between) co_await detsim::yield();
  counter = seen + 1;
}

detsim::Task<void> two_increments(bool yield_between) {
  int counter = 0;
  auto& loop = detsim::get_running_loop();
  auto a = loop.create_task(increment(counter, yield_between), "a");
  auto b = loop.create_task(increment(counter, yield_between), "b");
  co_await a;
  co_await b;
  DETSIM_CHECK_EQ(counter, 2);
}

}  // namespace

// No scheduling point between read and write: no seed loses an update.
DETSIM_TEST_SEEDS(Consumer, AtomicIncrementsUnderSeeds, 20) { co_await two_increments(false); }

// With one, some seed does, and the report says how to reproduce it.
TEST(Consumer, RacyIncrementsFailUnderSomeSeed) {
  bool failed = false;
  for (std::uint64_t seed = 1; seed <= 20 && !failed; ++seed) {
    const auto result = detsim::run_simulation([] { return two_increments(true); },
                                               {.name = "racy", .seed = seed, .read_environment = false,
                                                .keep_trace = false});
    if (!result.ok()) {
      failed = true;
      // The schedule string names the strategy that ran (under the default,
      // swarm, the one it drew for the seed).
      EXPECT_NE(result.report.find("schedule: s1." + result.scheduler + "."), std::string::npos) << result.report;
    }
  }
  EXPECT_TRUE(failed) << "no seed in 1..20 lost an update";
}

RC_GTEST_PROP(Consumer, AtomicIncrementsUnderAnySchedule, ()) {
  const auto choices = *detsim::gen::schedule();
  detsim::testing::check_schedule([] { return two_increments(false); }, choices);
}
