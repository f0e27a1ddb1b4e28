// detsim::Scenario: a named program the `detsim` command line can run, sweep,
// replay and show.
//
// A scenario is a Program with a name and a one-paragraph description. The
// bundled ones (tools/scenarios/) each plant a concurrency bug that an
// invariant (DETSIM_CHECK, or an exception) catches under some seeds, and
// come with a fixed variant, named "<name>-fixed", that passes under every
// seed. Users register their own with DETSIM_SCENARIO and get the same
// command line from detsim::main (detsim/cli/main.hpp), as gtest_main gives
// a test binary its flags.
//
// Invariants: names are unique (registering one twice throws
// std::invalid_argument, naming it) and made of [a-z0-9._-]; registered_scenarios()
// lists them sorted by name, so listings and sweeps over "every scenario"
// are the same on every machine whatever the link order.
//
// Determinism contract: a scenario's program must take every decision from
// the loop it is given (its scheduler, clock and loop.random()), as any
// Program must (detsim/core/program.hpp); static state that outlives a run
// is a determinism leak (`detsim sweep --isolate` runs each seed in a fresh
// process).
//
// Example (a whole program; link detsim::main):
//   #include <detsim/cli/main.hpp>
//   DETSIM_SCENARIO(bank_transfer, "Two transfers race on one account ...") {
//     Account account{100};
//     co_await detsim::asyncio::gather(transfer(account, 60), transfer(account, 60));
//     DETSIM_CHECK(account.balance >= 0);
//   }
//   int main(int argc, char** argv) { return detsim::main(argc, argv); }
//
//   $ ./bank sweep bank_transfer --seeds 1..1000
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "detsim/base/check.hpp"  // DETSIM_CHECK, for scenario bodies
#include "detsim/base/coverage.hpp"  // DETSIM_SOMETIMES, DETSIM_REACHABLE, for scenario bodies
#include "detsim/base/source_location.hpp"
#include "detsim/core/program.hpp"
#include "detsim/core/task.hpp"

namespace detsim {

struct Scenario {
  std::string name;         // unique; [a-z0-9._-]
  std::string description;  // one paragraph: the program, its bug, the invariant that catches it
  Program program;          // runs the scenario on the loop it is given
  SourceLocation site{};    // where it was registered
};

// Adds `scenario` to the process-wide registry; returns true so that a
// namespace-scope `static const bool` can call it before main.
bool register_scenario(Scenario scenario);
// Every registered scenario, sorted by name.
const std::vector<Scenario>& registered_scenarios();
// The scenario named `name`, or nullptr.
const Scenario* find_scenario(std::string_view name);

namespace detail {
template <class Body>
Program scenario_program(Body body) {
  return [body](EventLoop& loop) { loop.run_until_complete(body()); };
}
}  // namespace detail

}  // namespace detsim

// Registers a scenario named #id whose body is a Task<void> coroutine.
#define DETSIM_SCENARIO(id, description)                                                              \
  static ::detsim::Task<void> detsim_scenario_body_##id();                                           \
  [[maybe_unused]] static const bool detsim_scenario_registered_##id = ::detsim::register_scenario(   \
      {#id, (description), ::detsim::detail::scenario_program(&detsim_scenario_body_##id),            \
       ::detsim::SourceLocation::current()});                                                          \
  static ::detsim::Task<void> detsim_scenario_body_##id()
