// detsim::Program: what a simulation runs, given a fresh loop.
//
// A run is a Program applied to a new EventLoop built from a seed's
// scheduler: the determinism check runs it twice, a simulation once per
// seed, a replay under recorded decisions. Its contract is the product's:
// everything the program decides comes from the loop (its scheduler, its
// clock, loop.random()), so the same loop parameters give the same run.
//
// Example:
//   detsim::Program program = [](detsim::EventLoop& loop) { loop.run_until_complete(main_task()); };
#pragma once

#include <functional>

#include "detsim/core/event_loop.hpp"

namespace detsim {

using Program = std::function<void(EventLoop&)>;

}  // namespace detsim
