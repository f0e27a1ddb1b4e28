// Ports of SCTBench's concurrent-software programs (Thomson, Donaldson,
// Betts, "Concurrency Testing Using Controlled Schedulers: An Empirical
// Study", TOPC 2016; the programs come from the ESBMC/"CS" benchmark set),
// written for detsim from the programs' published descriptions: threads
// become tasks, pthread mutexes become asyncio::Lock, and every access to
// shared state and every synchronisation is a scheduling point (a yield at
// the access's line) followed by a declared access (detsim/base/access.hpp),
// so explore()'s reduction and POS see the conflicts. Each program checks
// the original's assertion with DETSIM_CHECK; a deadlock fails the run
// through detsim's wait-cycle check.
//
//   for (const detsim::sctbench::Port& port : detsim::sctbench::ports())
//     detsim::run_simulation(port.program(), {.name = port.name, .seed = 1});
#pragma once

#include <string>
#include <vector>

#include <detsim/asyncio.hpp>
#include <detsim/base/access.hpp>
#include <detsim/base/check.hpp>
#include <detsim/core/program.hpp>
#include <detsim/detsim.hpp>

// A scheduling point at the caller's line, then a declared access.
#define SCT_ACCESS(resource, mode)  \
  co_await ::detsim::yield();       \
  ::detsim::declare_access(resource, ::detsim::AccessMode::mode)

// pthread_mutex_lock / unlock: a scheduling point, the lock's state declared, then the operation.
#define SCT_LOCK(lock, resource) \
  SCT_ACCESS(resource, write);   \
  co_await (lock).acquire()
#define SCT_UNLOCK(lock, resource) \
  SCT_ACCESS(resource, write);     \
  (lock).release()

namespace detsim::sctbench {

struct Port {
  std::string name;     // "reorder_5", as in SCTBench where it has the name
  std::string bug;      // what goes wrong, in a line
  Program (*make)();    // the program, which fails under the buggy schedules
  Program program() const { return make(); }
};

// Every port, in a fixed order.
const std::vector<Port>& ports();

// One program per file (reorder.cpp, twostage.cpp, ...).
Program reorder(int setters);
Program twostage(int writers, int readers);
Program wronglock(int others);
Program lazy01();
Program deadlock01();
Program account();
Program token_ring();

// Runs the tasks spawn(state) makes to completion from one main task that
// gathers them (it wakes once, at the end, so the decisions are the
// tasks'), then closes the loop, while `state` still exists.
void run_all(EventLoop& loop, std::vector<Task<void>> (*spawn)(void* state), void* state);

}  // namespace detsim::sctbench
