// DETSIM_CHECK (include/detsim/base/check.hpp) as the loop sees it: a failed
// check ends the run at once, whichever task it is in.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/base/check.hpp>
#include <detsim/detsim.hpp>

namespace {

using detsim::Task;

Task<void> chatter(std::vector<std::string>& log) {
  for (int i = 0;; ++i) {
    log.push_back("chatter " + std::to_string(i));
    co_await detsim::yield();
  }
}

Task<void> fails_on_third_step(bool catch_it) {
  co_await detsim::yield();
  co_await detsim::yield();
  if (catch_it) {
    try {
      DETSIM_CHECK(1 + 1 == 3);
    } catch (const detsim::InvariantViolation&) {
      // Swallowed: the run must end all the same.
    }
    for (;;) co_await detsim::yield();
  }
  DETSIM_CHECK_EQ(1 + 1, 3);
}

// Runs the failing task beside a chatty one; returns what the chatty one
// logged and the error the run ended with.
std::pair<std::vector<std::string>, std::string> run_with_failure(bool catch_it) {
  detsim::EventLoop loop;
  std::vector<std::string> log;
  auto main = [&]() -> Task<void> {
    (void)loop.create_task(chatter(log), "chatter");
    co_await loop.create_task(fails_on_third_step(catch_it), "checker");
    co_await detsim::sleep(std::chrono::hours(1));  // never reached: the run ends at the violation
  };
  std::string error;
  try {
    loop.run_until_complete(main());
  } catch (const detsim::InvariantViolation& violation) {
    error = violation.what();
  }
  return {log, error};
}

TEST(Check, AFailedCheckEndsTheRunAtOnceWhicheverTaskItIsIn) {
  const auto [log, error] = run_with_failure(false);
  EXPECT_NE(error.find("check_test.cpp"), std::string::npos) << error;
  EXPECT_NE(error.find("expected 1 + 1 == 3, but 2 != 3"), std::string::npos) << error;
  // FIFO: chatter and checker alternate; the checker fails in its third step,
  // after chatter's third, and nothing runs after that step.
  EXPECT_EQ(log, (std::vector<std::string>{"chatter 0", "chatter 1", "chatter 2"}));
}

TEST(Check, ATaskThatCatchesTheViolationStillEndsTheRun) {
  const auto [log, error] = run_with_failure(true);
  EXPECT_NE(error.find("check failed: 1 + 1 == 3"), std::string::npos) << error;
  EXPECT_EQ(log.size(), 3u);
}

TEST(Check, OutsideARunningLoopACheckOnlyThrows) {
  {
    detsim::EventLoop loop;
    loop.run_until_complete([]() -> Task<void> { co_return; }());
  }
  EXPECT_THROW(DETSIM_CHECK(false), detsim::InvariantViolation);
  detsim::EventLoop next;  // no halt left over from the check above
  EXPECT_EQ(next.run_until_complete([]() -> Task<int> { co_return 7; }()), 7);
}

}  // namespace
