// detsim::check_determinism: run a program twice under the same scheduler and
// seed, and compare the two runs event by event (FoundationDB's "unseed"
// check, madsim's check-determinism mode).
//
// A program that reads the real clock, orders by address, iterates an
// unordered container, keeps state across runs or draws from an unseeded
// generator makes different events on the second run; the report names the
// first event that differs, with the events before it.
//
// Example:
//   auto report = detsim::check_determinism(program, detsim::RandomScheduler{7});
//   if (!report.deterministic) std::cerr << report.describe();
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "detsim/core/event_loop.hpp"
#include "detsim/core/program.hpp"
#include "detsim/scheduling/scheduler.hpp"
#include "detsim/trace/divergence.hpp"

namespace detsim {

struct DeterminismReport {
  bool deterministic = true;
  std::uint64_t first_digest = 0;
  std::uint64_t second_digest = 0;
  std::optional<Divergence> divergence;  // set when not deterministic
  std::string describe() const;
};

// Runs `program` twice, each time on a fresh loop (not in debug mode, unless
// the program sets it) with a fresh copy of `scheduler`. Exceptions from the program are part of the run (its outcome
// and events), not errors of the check.
DeterminismReport check_determinism(const Program& program, const Scheduler& scheduler, LoopLimits limits = {});

}  // namespace detsim
