// Programs whose bug needs one task kept off the processor for a long
// stretch: the case PCT was designed for (Burckhardt et al., ASPLOS 2010),
// and the one where uniform random choice is weakest, since its chance of
// keeping a ready task waiting falls geometrically with the stretch.
//
// The SCTBench ports (../sctbench/) have none: their bugs sit in short
// windows that every shared access opens, and Random finds all of them
// within a few dozen runs (tools/bench/results/exploration.md). These are
// detsim's own programs, written in the ports' style (a scheduling point
// and a declared access at every shared access and lock operation, the
// SCT_* macros of sctbench.hpp) around two bugs that real code has:
//   - ring_overflow_<c>: a log ring of c records whose producer's full
//     check is off by one; the consumer must fall a whole ring behind
//     (held off for c + 1 puts) for a record to be overwritten unread;
//   - lock_takeover_<p>: a lock that a waiter takes over after p polls,
//     presuming its holder crashed; the holder must be held off, inside its
//     critical section, for all p polls.
// Each comes in a small size, where Random still finds the bug, and a large
// one, where it does not within 10,000 runs: the geometric fall, measured.
//
//   for (const detsim::long_stretch::Subject& subject : detsim::long_stretch::programs())
//     detsim::run_simulation(subject.program(), {.name = subject.name, .seed = 1});
#pragma once

#include <string>
#include <vector>

#include <detsim/core/program.hpp>

namespace detsim::long_stretch {

struct Subject {
  std::string name;   // "ring_overflow_4"
  std::string bug;    // what goes wrong, in a line
  Program (*make)();  // the program, which fails under the buggy schedules
  Program program() const { return make(); }
};

// Every program, in a fixed order.
const std::vector<Subject>& programs();

// One program per file.
Program ring_overflow(int capacity);
Program lock_takeover(int polls);

}  // namespace detsim::long_stretch
