// The bundled scenarios (tools/scenarios/): each planted bug is found by the
// default Random scheduler within the first 200 seeds and fails with the
// invariant meant to catch it, never with another error; a failing seed
// fails the same way again; each "-fixed" variant passes seeds 1..1000.
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/cli/scenario.hpp>
#include <detsim/run/simulation.hpp>

#include "scenarios/bundled.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t seeds_swept = 1000;
constexpr std::uint64_t first_failure_by = 200;

// A planted bug and the failure messages that catch it: every failing seed's
// message contains one of `signatures`.
struct PlantedBug {
  std::string scenario;
  std::vector<std::string> signatures;
};

void PrintTo(const PlantedBug& bug, std::ostream* out) { *out << bug.scenario; }

const std::vector<PlantedBug>& planted_bugs() {
  static const std::vector<PlantedBug> bugs = {
      {"cancelled-consumer", {"expected service.done == job_count"}},
      {"condition-without-loop", {"check failed: !jobs.waiting.empty()"}},
      {"connection-leak", {"expected pool.slots.value() == pool_size"}},
      {"double-withdrawal", {"check failed: account.balance >= 0"}},
      {"lock-order-deadlock", {"[detsim.loop.wait_cycle]", "[detsim.potential_deadlock]"}},
      {"single-flight-cache", {"check failed: !cache.loading.contains(key)"}},
      {"ticket-office", {"check failed: office.seats >= 0", "check failed: office.revenue == office.sold * price"}},
  };
  return bugs;
}

const detsim::Scenario& scenario_named(const std::string& name) {
  detsim::scenarios::register_bundled_scenarios();
  const detsim::Scenario* scenario = detsim::find_scenario(name);
  if (scenario == nullptr) throw std::runtime_error("no scenario named " + name);
  return *scenario;
}

// Failing runs write their traces: not into the working directory, but into
// one file per test (CTest runs the tests in parallel processes), rewritten
// by each run.
fs::path trace_file() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(test->test_suite_name()) + "." + test->name() + ".jsonl";
  for (char& c : name)
    if (c == '/') c = '_';
  const fs::path directory = fs::temp_directory_path() / "detsim-scenarios-test";
  fs::create_directories(directory);
  return directory / name;
}

detsim::SimulationResult run(const detsim::Scenario& scenario, std::uint64_t seed, bool keep_trace = false) {
  return detsim::run_simulation(scenario.program, {.name = scenario.name,
                                                   .seed = seed,
                                                   .trace_path = trace_file().string(),
                                                   .read_environment = false,
                                                   .keep_trace = keep_trace});
}

// The signature of `bug` that `message` carries, or nullopt.
std::optional<std::string> signature_of(const PlantedBug& bug, const std::string& message) {
  for (const std::string& signature : bug.signatures)
    if (message.find(signature) != std::string::npos) return signature;
  return std::nullopt;
}

struct Sweep {
  std::uint64_t failures = 0;
  std::uint64_t first_failing_seed = 0;                   // 0: none
  std::map<std::string, std::uint64_t> by_signature;       // failures per signature
  std::vector<std::string> unexpected;                    // "seed N: message" of failures with no signature
};

Sweep sweep(const PlantedBug& bug) {
  const detsim::Scenario& scenario = scenario_named(bug.scenario);
  Sweep result;
  for (std::uint64_t seed = 1; seed <= seeds_swept; ++seed) {
    const detsim::SimulationResult outcome = run(scenario, seed);
    if (outcome.ok()) continue;
    ++result.failures;
    if (result.first_failing_seed == 0) result.first_failing_seed = seed;
    if (auto signature = signature_of(bug, outcome.message)) {
      ++result.by_signature[*signature];
    } else {
      result.unexpected.push_back("seed " + std::to_string(seed) + ": " + outcome.message);
    }
  }
  return result;
}

class BundledScenario : public ::testing::TestWithParam<PlantedBug> {};

TEST_P(BundledScenario, FailsEarlyAndOnlyWithTheInvariantThatCatchesItsBug) {
  const PlantedBug& bug = GetParam();
  const Sweep result = sweep(bug);
  ASSERT_NE(result.first_failing_seed, 0u) << bug.scenario << " never failed in seeds 1.." << seeds_swept;
  EXPECT_LE(result.first_failing_seed, first_failure_by);
  EXPECT_TRUE(result.unexpected.empty()) << "first unexpected failure: " << result.unexpected.front();
  // Every way the bug shows is seen (a scenario with two planted bugs fails both ways).
  EXPECT_EQ(result.by_signature.size(), bug.signatures.size());
  // The figures the scenarios' documentation quotes.
  std::cout << bug.scenario << ": " << result.failures << "/" << seeds_swept << " seeds fail, first at seed "
            << result.first_failing_seed;
  for (const auto& [signature, count] : result.by_signature) std::cout << "; " << count << " x '" << signature << "'";
  std::cout << "\n";
}

TEST_P(BundledScenario, AFailingSeedFailsTheSameWayAgain) {
  const PlantedBug& bug = GetParam();
  const detsim::Scenario& scenario = scenario_named(bug.scenario);
  std::uint64_t seed = 1;
  while (seed <= first_failure_by && run(scenario, seed).ok()) ++seed;
  ASSERT_LE(seed, first_failure_by);
  const detsim::SimulationResult first = run(scenario, seed, true);
  const detsim::SimulationResult second = run(scenario, seed, true);
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(signature_of(bug, first.message)) << first.message;
  EXPECT_EQ(first.digest, second.digest);
  EXPECT_EQ(first.message, second.message);
  EXPECT_EQ(first.schedule, second.schedule);
  // And by its schedule string, as `detsim replay` reruns it.
  const detsim::SimulationOptions replay{.name = scenario.name,
                                         .trace_path = trace_file().string(),
                                         .schedule = first.schedule,
                                         .read_environment = false};
  const detsim::SimulationResult replayed = detsim::run_simulation(scenario.program, replay);
  EXPECT_EQ(replayed.digest, first.digest);
  EXPECT_EQ(replayed.message, first.message);
}

TEST_P(BundledScenario, FixedVariantPassesEverySeed) {
  const detsim::Scenario& fixed = scenario_named(GetParam().scenario + "-fixed");
  for (std::uint64_t seed = 1; seed <= seeds_swept; ++seed) {
    const detsim::SimulationResult outcome = run(fixed, seed);
    ASSERT_TRUE(outcome.ok()) << fixed.name << " failed under seed " << seed << ": " << outcome.message;
  }
}

INSTANTIATE_TEST_SUITE_P(Bundled, BundledScenario, ::testing::ValuesIn(planted_bugs()),
                         [](const ::testing::TestParamInfo<PlantedBug>& param) {
                           std::string name;
                           for (char c : param.param.scenario) name += c == '-' ? '_' : c;
                           return name;
                         });

TEST(BundledScenarios, EachPlantedBugHasAFixedVariantAndADescription) {
  detsim::scenarios::register_bundled_scenarios();
  detsim::scenarios::register_bundled_scenarios();  // a second call does nothing
  for (const PlantedBug& bug : planted_bugs()) {
    for (const std::string& name : {bug.scenario, bug.scenario + "-fixed"}) {
      const detsim::Scenario* scenario = detsim::find_scenario(name);
      ASSERT_NE(scenario, nullptr) << name;
      EXPECT_FALSE(scenario->description.empty()) << name;
      EXPECT_TRUE(static_cast<bool>(scenario->program)) << name;
    }
  }
}

}  // namespace
