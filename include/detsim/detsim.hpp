// detsim: deterministic simulation and testing for C++20 coroutines.
//
// One include for users. Write concurrent code as detsim::Task coroutines, run
// them on a detsim::EventLoop in virtual time, and let a seeded Scheduler pick
// every interleaving:
//
//   #include <detsim/detsim.hpp>
//   using namespace std::chrono_literals;
//
//   detsim::Task<int> answer() { co_await detsim::sleep(1h); co_return 42; }
//
//   int main() {
//     detsim::EventLoop loop{detsim::RandomScheduler{7}};
//     return loop.run_until_complete(answer()) == 42 ? 0 : 1;  // takes microseconds
//   }
#pragma once

#include "detsim/base/errors.hpp"
#include "detsim/core/coroutine.hpp"
#include "detsim/core/event_loop.hpp"
#include "detsim/core/future.hpp"
#include "detsim/core/handle.hpp"
#include "detsim/core/observer.hpp"
#include "detsim/base/random.hpp"
#include "detsim/scheduling/registry.hpp"
#include "detsim/scheduling/scheduler.hpp"
#include "detsim/core/task.hpp"
#include "detsim/base/version.hpp"
