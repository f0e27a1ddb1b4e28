// detsim's GoogleTest and RapidCheck integration. Header-only: include it in a
// test that links detsim::detsim, GTest::gtest_main and rapidcheck (from
// find_package(GTest) and find_package(rapidcheck); detsim's library itself
// links neither). It brings RapidCheck's RC_GTEST_PROP too.
//
// 1. A simulation test is a coroutine body run under many seeds:
//
//      DETSIM_TEST(Bank, TransfersKeepTheTotal) {
//        Bank bank;
//        co_await bank.transfer_concurrently();
//        DETSIM_CHECK_EQ(bank.total(), 100);
//      }
//
//    It runs under seeds 1..100 (DETSIM_SEEDS, DETSIM_FIRST_SEED to change;
//    DETSIM_TEST_SEEDS(suite, name, n) for a per-test count), each under the
//    strategy the default scheduler, swarm, draws for it (random, pos or
//    pct: detsim/scheduling/swarm.hpp; DETSIM_SCHEDULER=random for uniform
//    random choice alone), regressions first (detsim/run/sweep.hpp), and fails on a DETSIM_CHECK, any exception a
//    task raised and nobody retrieved, a deadlock, or the step/time budget.
//    DETSIM_TEST_NO_LEAKS(suite, name) fails too if a run ends with tasks
//    still blocked (leaked waiters: a lost notify, a put that never came).
//
//    Many seeds spread out by themselves: a test of more than
//    seeds_per_block (250) seeds is registered as blocks, Suite.Name_block0
//    ... Suite.Name_blockK-1, each running its slice of the seeds (they
//    cover them once, whatever DETSIM_SEEDS says at run time). GoogleTest's
//    sharding (GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX) hands blocks to
//    shards, and gtest_discover_tests makes each a CTest test that ctest -j
//    runs in parallel. The blocks share one regression name, Suite.Name;
//    block 0 re-runs the regressions (appends are locked: sweep.hpp).
//
//    After the sweep, a DETSIM_SOMETIMES or DETSIM_REACHABLE
//    (detsim/base/coverage.hpp) that held in no run is printed with the
//    coverage report, e.g.
//      [ detsim   ] Bank.Transfers: coverage: 100 runs, 41 distinct schedules, ...
//        never held: DETSIM_SOMETIMES "both inside" (bank_test.cpp:40, evaluated 100 times)
//
// 2. A property combines RapidCheck inputs with a generated schedule that
//    RapidCheck shrinks toward FIFO:
//
//      RC_GTEST_PROP(Bank, NoOverdraft, (int amount)) {
//        const auto choices = *detsim::gen::schedule();
//        detsim::testing::check_schedule([&] { return overdraft_scenario(amount); }, choices);
//      }
//
// On failure the message carries everything needed to reproduce: seed or
// schedule string, the command to rerun exactly that case, and the trace:
//
//   detsim: simulation 'Bank.NoOverdraft' failed under seed 42 (random): tests/bank_test.cpp:31: check failed: balance >= 0
//     trace:    /path/to/build/detsim-Bank.NoOverdraft-seed42.jsonl
//     schedule: s1.random.42.9.BgMCAw
//     replay:   DETSIM_REPLAY=/path/to/build/detsim-Bank.NoOverdraft-seed42.jsonl /path/to/bank_test --gtest_filter=Bank.NoOverdraft
//     or:       DETSIM_SCHEDULE=s1.random.42.9.BgMCAw /path/to/bank_test --gtest_filter=Bank.NoOverdraft
#pragma once

#include <cstdint>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "detsim/base/check.hpp"
#include "detsim/run/simulation.hpp"
#include "detsim/run/sweep.hpp"

namespace detsim::gen {

// A schedule for ChoiceScheduler: the i-th decision among n ready callbacks
// is choices[i] mod n, FIFO once the list runs out. Shrinks toward fewer and
// smaller choices, i.e. toward FIFO with the fewest deviations.
inline rc::Gen<std::vector<std::uint32_t>> schedule(std::uint32_t max_choice = 8) {
  return rc::gen::container<std::vector<std::uint32_t>>(rc::gen::inRange<std::uint32_t>(0, max_choice));
}

}  // namespace detsim::gen

namespace detsim::testing {

// "Suite.Name" of the running GoogleTest test, or "detsim" outside one.
inline std::string current_test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info ? std::string(info->test_suite_name()) + "." + info->name() : std::string("detsim");
}

// The command that reruns exactly the running test.
inline std::string rerun_command() {
  char path[4096];
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
  std::string binary = length > 0 ? std::string(path, static_cast<std::size_t>(length)) : std::string("<test binary>");
  return binary + " --gtest_filter=" + current_test_name();
}

// Runs `program` under the seed sweep; a failure is a GoogleTest failure
// with the whole report, reported at `site` (DETSIM_TEST's line).
inline void run_sweep(const Program& program, SweepOptions options = {},
                      SourceLocation site = SourceLocation::current()) {
  if (options.name.empty()) options.name = current_test_name();
  if (options.simulation.command.empty()) options.simulation.command = rerun_command();
  const SweepResult result = sweep(program, options);
  // What the runs explored, where GoogleTest shows it: the SOMETIMES /
  // REACHABLE points no run reached say that a passing sweep proves less
  // than it seems (detsim/run/coverage.hpp).
  if (!result.coverage.unreached().empty()) {
    std::cout << "[ detsim   ] " << current_test_name() << ": " << result.coverage.describe();
  }
  ::testing::Test::RecordProperty("detsim_distinct_schedules", std::to_string(result.coverage.distinct_schedules()));
  if (result.failure) {
    ADD_FAILURE_AT(site.file_name(), static_cast<int>(site.line()))
        << result.failure->report << "  after " << result.runs << " run(s); seed " << result.failure->seed
        << " is recorded in " << (options.regression_file.empty() ? "(no regression file)" : options.regression_file)
        << " and runs first next time";
  }
}

template <class Body>
  requires std::is_invocable_r_v<Task<void>, Body&>
void run_sweep(Body body, SweepOptions options = {}, SourceLocation site = SourceLocation::current()) {
  run_sweep(Program([body = std::move(body)](EventLoop& loop) mutable { loop.run_until_complete(body()); }),
            std::move(options), site);
}

// Inside a RapidCheck property: runs the program under ChoiceScheduler with
// `choices`; on failure, RC_FAIL with the report. Every failing run writes its
// trace to the same file, so after shrinking it holds the minimal run. A case
// is the property's inputs and its choices together, so it is rerun by
// RapidCheck's reproduce string (which RapidCheck prints when the test
// ends), not by DETSIM_* variables, which this ignores.
inline SimulationResult check_schedule(const Program& program, const std::vector<std::uint32_t>& choices,
                                       SimulationOptions options = {}) {
  if (options.name.empty()) options.name = current_test_name();
  options.choices = choices;
  options.read_environment = false;  // the choices are the case; DETSIM_* would override them
  options.report_rerun_commands = false;
  SimulationResult result = run_simulation(program, options);
  if (!result.ok()) {
    std::string list;
    for (std::uint32_t choice : choices) list += (list.empty() ? "" : ", ") + std::to_string(choice);
    RC_FAIL(result.report + "  choices: [" + list + "]\n  rerun:    RC_PARAMS=\"reproduce=...\" " + rerun_command() +
            " (the reproduce string is in RapidCheck's summary)");
  }
  return result;
}

template <class Body>
  requires std::is_invocable_r_v<Task<void>, Body&>
SimulationResult check_schedule(Body body, const std::vector<std::uint32_t>& choices, SimulationOptions options = {}) {
  return check_schedule(Program([body = std::move(body)](EventLoop& loop) mutable { loop.run_until_complete(body()); }),
                        choices, std::move(options));
}

}  // namespace detsim::testing

namespace detsim::testing {

// Seeds per DETSIM_TEST block (see the top of this file).
inline constexpr std::uint64_t seeds_per_block = 250;

// How many blocks a test of `seeds` seeds is registered as (at most 64).
constexpr std::uint64_t seed_blocks(std::uint64_t seeds) {
  const std::uint64_t blocks = (seeds + seeds_per_block - 1) / seeds_per_block;
  return blocks < 1 ? 1 : blocks > 64 ? 64 : blocks;
}

namespace detail {

class SeedBlockTest : public ::testing::Test {
 public:
  SeedBlockTest(Program program, SweepOptions options, SourceLocation site)
      : program_(std::move(program)), options_(std::move(options)), site_(site) {}
  void TestBody() override { run_sweep(program_, options_, site_); }

 private:
  Program program_;
  SweepOptions options_;
  SourceLocation site_;
};

}  // namespace detail

// Registers the DETSIM_TEST `suite`.`name` over `seeds` seeds: one test, or
// seed_blocks(seeds) tests named name_block<i>. Returns true (for a static).
template <class Body>
bool register_seed_test(const char* suite, const char* name, Body body, std::uint64_t seeds, SourceLocation site) {
  const std::uint64_t blocks = seed_blocks(seeds);
  const Program program([body](EventLoop& loop) { loop.run_until_complete(body()); });
  for (std::uint64_t block = 0; block < blocks; ++block) {
    SweepOptions options{.name = std::string(suite) + "." + name, .seeds = seeds};
    if (blocks > 1) options.shard = Shard{block, blocks};
    const std::string test_name = blocks > 1 ? std::string(name) + "_block" + std::to_string(block) : std::string(name);
    ::testing::RegisterTest(suite, test_name.c_str(), nullptr, nullptr, site.file_name(), static_cast<int>(site.line()),
                            [=]() -> ::testing::Test* { return new detail::SeedBlockTest(program, options, site); });
  }
  return true;
}

}  // namespace detsim::testing

// (The sweep's failure is reported at the DETSIM_TEST line.)
#define DETSIM_TEST_SEEDS(suite, name, seed_count)                                                          \
  static ::detsim::Task<void> detsim_test_body_##suite##_##name();                                          \
  [[maybe_unused]] static const bool detsim_test_registered_##suite##_##name =                              \
      ::detsim::testing::register_seed_test(#suite, #name, &detsim_test_body_##suite##_##name, (seed_count), \
                                            ::detsim::SourceLocation::current());                           \
  static ::detsim::Task<void> detsim_test_body_##suite##_##name()

#define DETSIM_TEST(suite, name) DETSIM_TEST_SEEDS(suite, name, 100)

// DETSIM_TEST, failing also a run that ends with tasks still blocked on
// something (a leaked waiter: SimulationOptions::fail_on_leaked_tasks; for
// every test of a binary, DETSIM_FAIL_ON_LEAKS=1).
#define DETSIM_TEST_NO_LEAKS(suite, name)                                                                 \
  static ::detsim::Task<void> detsim_test_body_##suite##_##name();                                       \
  TEST(suite, name) {                                                                                   \
    ::detsim::SweepOptions options{.seeds = 100};                                                       \
    options.simulation.fail_on_leaked_tasks = true;                                                     \
    ::detsim::testing::run_sweep(detsim_test_body_##suite##_##name, options);                           \
  }                                                                                                     \
  static ::detsim::Task<void> detsim_test_body_##suite##_##name()
