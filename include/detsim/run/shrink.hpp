// detsim::shrink_failure: from a failing run's decisions to a minimal
// reproducer with the same failure, without writing a property.
//
// The failing run's schedule (its decisions where two or more callbacks were
// ready) becomes a choice list for ChoiceScheduler, seeded with the run's
// seed so that the program's own loop.random() draws stay the same. The
// shrinker then tries smaller lists, keeping a candidate only if its run
// fails with the same FailureSignature and it is smaller, in this order:
// fewer deviations (choices other than 0, the first ready candidate: FIFO),
// then fewer steps, then smaller choices, then a shorter list. It is the
// order gen::schedule's shrinking walks (testing.hpp): toward FIFO with the
// fewest and smallest deviations. Candidates, per pass until none helps:
// cut the list's tail (past it the run is FIFO), delete a stretch (halves,
// quarters, ..., single decisions), set one choice to 0, lower one choice.
//
// Determinism contract: the result depends only on the program, the options
// and the starting schedule; the candidates are tried in a fixed order.
// Bounded: at most `max_runs` candidate runs.
//
// Example:
//   auto shrunk = detsim::shrink_failure(program, options, failing.seed, failing.schedule,
//                                        detsim::signature_of(failing.outcome, failing.message));
//   // shrunk->deviations <= what the race needs; rerun with DETSIM_SCHEDULE=shrunk->schedule
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "detsim/run/failure_groups.hpp"
#include "detsim/run/failure_signature.hpp"
#include "detsim/run/simulation.hpp"

namespace detsim {

struct ShrinkOptions {
  std::uint64_t max_runs = 2000;
};

// The minimal reproducer, or nothing when the start does not reproduce the
// failure (a determinism leak: the caller reports it). `options` gives the
// program's name, limits and debug mode; the shrunk run's trace is written
// to `trace_path` if not empty. The result's command is left empty.
std::optional<ShrunkReproducer> shrink_failure(const Program& program, SimulationOptions options, std::uint64_t seed,
                                               const std::string& schedule, const FailureSignature& signature,
                                               const std::string& trace_path = {}, ShrinkOptions limits = {});

// Deviations in a choice list: the choices that are not 0.
std::uint64_t deviations_of(const std::vector<std::uint32_t>& choices);

}  // namespace detsim
