// Tests for the scheduler registry (include/detsim/scheduling/registry.hpp):
// specs to schedulers and back, registration, sorted listing, errors, and
// its use by run_simulation (DETSIM_SCHEDULER, SimulationOptions::scheduler).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/detsim.hpp>
#include <detsim/run/simulation.hpp>
#include <detsim/scheduling/registry.hpp>
#include <detsim/scheduling/schedule.hpp>
#include <detsim/scheduling/swarm.hpp>

namespace {

// Picks index 1 every `period`-th decision, 0 otherwise: a scheduler with a
// parameter, whose name() is its spec.
class EveryScheduler final : public detsim::Scheduler {
 public:
  explicit EveryScheduler(std::uint64_t period) : period_(period) {}
  using Scheduler::pick;
  std::size_t pick(detsim::ReadyCandidates) override { return ++picks_ % period_ == 0 ? 1 : 0; }
  std::string name() const override { return "test-every:" + std::to_string(period_); }
  std::unique_ptr<detsim::Scheduler> clone_fresh() const override { return std::make_unique<EveryScheduler>(period_); }

 private:
  std::uint64_t period_;
  std::uint64_t picks_ = 0;
};

// Registered at static initialization, as a program would.
const detsim::SchedulerRegistration every_registration{
    "test-every", "index 1 every n-th decision (tests)",
    [](std::string_view parameters, std::uint64_t) -> std::unique_ptr<detsim::Scheduler> {
      return std::make_unique<EveryScheduler>(detsim::scheduler_parameter_number(parameters, "period", 1, 1000));
    }};

std::vector<std::size_t> picks(detsim::Scheduler& scheduler) {
  std::vector<std::size_t> result;
  for (std::size_t i = 0; i < 200; ++i) result.push_back(scheduler.pick(2 + i % 7));
  return result;
}

// The SchedulerSpecError make_scheduler(spec) throws, as its message.
std::string spec_error(std::string_view spec) {
  try {
    (void)detsim::make_scheduler(spec, 1);
  } catch (const detsim::SchedulerSpecError& error) {
    EXPECT_EQ(error.id(), "detsim.scheduler_spec");
    EXPECT_EQ(error.spec(), spec);
    return std::string(error.message());
  }
  ADD_FAILURE() << "make_scheduler('" << spec << "') did not throw";
  return {};
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(SchedulerRegistry, MakesTheBuiltinSchedulers) {
  const auto fifo = detsim::make_scheduler("fifo", 42);
  ASSERT_NE(dynamic_cast<detsim::FifoScheduler*>(fifo.get()), nullptr);
  EXPECT_EQ(fifo->seed(), 0u);
  const auto random = detsim::make_scheduler("random", 42);
  ASSERT_NE(dynamic_cast<detsim::RandomScheduler*>(random.get()), nullptr);
  EXPECT_EQ(random->seed(), 42u);
  detsim::RandomScheduler expected{42};
  EXPECT_EQ(picks(*random), picks(expected));
}

TEST(SchedulerRegistry, ASchedulersNameMakesItAgain) {
  for (const std::string spec : {"fifo", "random", "test-every:1", "test-every:3"}) {
    SCOPED_TRACE(spec);
    const auto made = detsim::make_scheduler(spec, 7);
    EXPECT_EQ(made->name(), spec);
    const auto again = detsim::make_scheduler(made->name(), made->seed());
    EXPECT_EQ(again->name(), spec);
    EXPECT_EQ(picks(*made), picks(*again));
  }
  // Every registered name that stands alone as a spec comes back as itself,
  // but swarm, which answers the spec it drew for the seed (swarm.hpp): a
  // spec that makes it again all the same.
  for (const std::string& name : detsim::scheduler_names()) {
    std::unique_ptr<detsim::Scheduler> made;
    try {
      made = detsim::make_scheduler(name, 7);
    } catch (const detsim::SchedulerSpecError&) {
      continue;  // it needs parameters
    }
    if (name == "swarm") {
      EXPECT_EQ(made->name(), detsim::swarm_spec(7));
      // (That the rebuilt one runs the same: Strategies.EveryStrategysRunsReplayByteForByte.)
      EXPECT_EQ(detsim::make_scheduler(made->name(), made->seed())->name(), made->name());
      continue;
    }
    EXPECT_EQ(made->name(), name);
  }
}

TEST(SchedulerRegistry, ListsNamesSorted) {
  detsim::register_scheduler("test-zz", "last", [](std::string_view, std::uint64_t) {
    return std::unique_ptr<detsim::Scheduler>(std::make_unique<detsim::FifoScheduler>());
  });
  detsim::register_scheduler("test-aa", "first", [](std::string_view, std::uint64_t) {
    return std::unique_ptr<detsim::Scheduler>(std::make_unique<detsim::FifoScheduler>());
  });
  const std::vector<std::string> names = detsim::scheduler_names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  for (const char* name : {"fifo", "random", "test-aa", "test-every", "test-zz"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  const std::vector<detsim::SchedulerInfo> infos = detsim::registered_schedulers();
  ASSERT_EQ(infos.size(), names.size());
  for (std::size_t i = 0; i < infos.size(); ++i) EXPECT_EQ(infos[i].name, names[i]);
  const auto aa = std::find_if(infos.begin(), infos.end(), [](const auto& info) { return info.name == "test-aa"; });
  ASSERT_NE(aa, infos.end());
  EXPECT_EQ(aa->summary, "first");
}

TEST(SchedulerRegistry, AnEmptySpecIsAnError) {
  const std::string message = spec_error("");
  EXPECT_TRUE(contains(message, "scheduler spec '': empty; known schedulers: ")) << message;
  EXPECT_TRUE(contains(message, "fifo, ")) << message;
  EXPECT_TRUE(contains(message, "random")) << message;
}

TEST(SchedulerRegistry, AnUnknownNameListsTheKnownOnes) {
  const std::string message = spec_error("nope");
  EXPECT_TRUE(contains(message, "scheduler spec 'nope': unknown scheduler 'nope'; known schedulers: ")) << message;
  EXPECT_TRUE(contains(message, "fifo, ")) << message;
  EXPECT_TRUE(contains(message, "random")) << message;
  EXPECT_TRUE(contains(spec_error("nope:3"), "unknown scheduler 'nope'"));
  EXPECT_TRUE(contains(spec_error("Random"), "unknown scheduler 'Random'"));
  EXPECT_TRUE(contains(spec_error(":3"), "unknown scheduler ''"));
}

TEST(SchedulerRegistry, BadParametersAreAnError) {
  EXPECT_EQ(spec_error("random:x"), "scheduler spec 'random:x': bad parameters 'x' for 'random': it takes no parameters");
  EXPECT_TRUE(contains(spec_error("fifo:1"), "bad parameters '1' for 'fifo': it takes no parameters"));
  EXPECT_TRUE(contains(spec_error("random:"), "nothing after ':' (for no parameters, write 'random')"));
  EXPECT_TRUE(contains(spec_error("test-every:x"), "bad parameters 'x' for 'test-every': the period must be a whole "
                                                   "decimal number, not 'x'"));
  EXPECT_TRUE(contains(spec_error("test-every:0"), "the period must be in [1, 1000], not 0"));
  EXPECT_TRUE(contains(spec_error("test-every"), "the period must be a whole decimal number, not ''"));
  // Characters a schedule string, a regression file or a shell would split on.
  EXPECT_TRUE(contains(spec_error("test-every:1.5"), "bad character '.' in the parameters"));
  EXPECT_TRUE(contains(spec_error("test-every:1 #"), "bad character ' ' in the parameters"));
}

TEST(SchedulerRegistry, BadRegistrationsAreErrors) {
  const auto factory = [](std::string_view, std::uint64_t) {
    return std::unique_ptr<detsim::Scheduler>(std::make_unique<detsim::FifoScheduler>());
  };
  EXPECT_THROW(detsim::register_scheduler("fifo", "again", factory), detsim::SchedulerSpecError);
  EXPECT_THROW(detsim::register_scheduler("", "no name", factory), detsim::SchedulerSpecError);
  EXPECT_THROW(detsim::register_scheduler("Two Words", "bad name", factory), detsim::SchedulerSpecError);
  EXPECT_THROW(detsim::register_scheduler("pct:3", "a spec, not a name", factory), detsim::SchedulerSpecError);
  EXPECT_THROW(detsim::register_scheduler("test-none", "no factory", nullptr), detsim::SchedulerSpecError);
  try {
    detsim::register_scheduler("random", "again", factory);
    ADD_FAILURE() << "registered 'random' twice";
  } catch (const detsim::SchedulerSpecError& error) {
    EXPECT_EQ(std::string(error.message()), "scheduler spec 'random': a scheduler of this name is already registered");
  }
  // A factory that makes nothing.
  detsim::register_scheduler("test-null", "makes nothing", [](std::string_view, std::uint64_t) {
    return std::unique_ptr<detsim::Scheduler>();
  });
  EXPECT_TRUE(contains(spec_error("test-null"), "made no scheduler"));
}

TEST(SchedulerRegistry, AScheduleStringKeepsASpecForName) {
  const detsim::Schedule schedule{.scheduler = "test-every:3", .seed = 5, .decisions = {{1, 2}, {0, 2}}};
  const std::string text = detsim::encode_schedule(schedule);
  const detsim::Schedule decoded = detsim::decode_schedule(text);
  EXPECT_EQ(decoded.scheduler, "test-every:3");
  EXPECT_EQ(decoded.decisions.size(), 2u);
}

// ---- run_simulation goes through the registry ---------------------------------------

namespace {

void two_callbacks(detsim::EventLoop& loop) {
  loop.call_soon([] {});
  loop.call_soon([] {});
  loop.run_until_idle();
}

}  // namespace

TEST(SchedulerRegistry, RunSimulationMakesItsSchedulerFromItsSpec) {
  const auto result = detsim::run_simulation(
      two_callbacks, {.name = "registry", .seed = 3, .scheduler = "test-every:2", .read_environment = false});
  EXPECT_TRUE(result.ok()) << result.report;
  EXPECT_EQ(result.scheduler, "test-every:2");
  // (Its schedule string names it too, and replays.)
  EXPECT_EQ(detsim::decode_schedule(result.schedule).scheduler, "test-every:2");
  const auto replayed = detsim::run_simulation(
      two_callbacks, {.name = "registry", .schedule = result.schedule, .read_environment = false});
  EXPECT_TRUE(replayed.ok()) << replayed.report;
  EXPECT_EQ(replayed.digest, result.digest);

  EXPECT_THROW((void)detsim::run_simulation(two_callbacks, {.name = "registry", .scheduler = "nope",
                                                            .read_environment = false}),
               detsim::SchedulerSpecError);
}

TEST(SchedulerRegistry, DetsimSchedulerNamesASpec) {
  ASSERT_EQ(::setenv("DETSIM_SCHEDULER", "fifo", 1), 0);
  const auto fifo = detsim::run_simulation(two_callbacks, {.name = "registry", .seed = 9});
  ASSERT_EQ(::setenv("DETSIM_SCHEDULER", "test-every:5", 1), 0);
  const auto every = detsim::run_simulation(two_callbacks, {.name = "registry", .seed = 9});
  ASSERT_EQ(::setenv("DETSIM_SCHEDULER", "random:1", 1), 0);
  EXPECT_THROW((void)detsim::run_simulation(two_callbacks, {.name = "registry"}), detsim::SchedulerSpecError);
  ::unsetenv("DETSIM_SCHEDULER");
  EXPECT_TRUE(fifo.ok()) << fifo.report;
  EXPECT_EQ(fifo.scheduler, "fifo");
  EXPECT_EQ(fifo.seed, 0u);
  EXPECT_TRUE(every.ok()) << every.report;
  EXPECT_EQ(every.scheduler, "test-every:5");
}
