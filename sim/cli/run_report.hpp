// How a run is told on the terminal, by `run`, `sweep` and `replay` alike:
//
//   lost-update seed 3 (random): failed
//     steps:    20 (56 events)
//     virtual:  0s (0 simulated s per real s)
//     digest:   4f0c2a19d3e8b761
//     <what failed>
//     trace:    /abs/detsim-lost-update-seed3.jsonl
//     schedule: s1.random.3.12.BgMCAw
//     replay:   detsim replay /abs/detsim-lost-update-seed3.jsonl
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "detsim/cli/scenario.hpp"
#include "detsim/run/simulation.hpp"
#include "detsim/trace/trace.hpp"

namespace detsim::cli {

// Steps: the trace's task steps and plain callbacks (its other events are
// their consequences: wake-ups, results, ...).
std::uint64_t count_steps(const Trace& trace);
// A virtual duration for people: "0s", "1.5ms", "2.25s".
std::string format_duration_ns(std::int64_t ns);
// The block above; `real_seconds` is the run's wall-clock time. The replay:
// line is left out when `replay_line` is false (a replay's own report).
void print_run(std::ostream& out, const Scenario& scenario, const SimulationResult& result, double real_seconds,
               bool replay_line = true);

}  // namespace detsim::cli
